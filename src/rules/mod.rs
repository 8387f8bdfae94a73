//! The model's rules, one module per mechanism (`docs/model.md` §7).
//!
//! Each rule is a plain function of a village's state and the scenario's
//! parameters; it draws random numbers only from the village's own stream.
//! Rules that act across villages (county ranking, promotion, democratic
//! assessment, exemplary models, joint branches, innovation shares) run in
//! the engine's sequential county phase and take the whole slice of villages.

pub mod crowding;
pub mod effort;
pub mod environment;
pub mod exemplary;
pub mod funds;
pub mod incentive;
pub mod innovation;
pub mod leadership;
pub mod migration;
pub mod needs;
pub mod satisfaction;
pub mod selection;
pub mod service;
pub mod service_team;
pub mod spiritual;
pub mod supervision;
pub mod technology;
pub mod training;

/// What every village needs to know about the current month.
#[derive(Debug, Clone, Copy)]
pub struct MonthContext {
    /// Month index, from 0.
    pub month: u32,
    /// I(t): inspection probability this month (`docs/model.md` §7.5).
    pub inspection: f64,
    /// Whether this is a burn-in month (not recorded; environment frozen).
    pub burn_in: bool,
}
