//! The model's rules, one module per mechanism (`docs/model.md` §7).
//!
//! Each rule is a plain function of a village's state and the scenario's
//! parameters; it draws random numbers only from the village's own stream.
//! Rules that act across villages (county ranking, exemplary models) run in
//! the engine's sequential phase and are written as functions of the whole
//! slice of villages.

pub mod effort;
pub mod exemplary;
pub mod incentive;
pub mod needs;
pub mod satisfaction;
pub mod service;
pub mod supervision;

/// What every village needs to know about the current month.
#[derive(Debug, Clone, Copy)]
pub struct MonthContext {
    /// Month index, from 0.
    pub month: u32,
    /// I(t): inspection probability this month (`docs/model.md` §7.5).
    pub inspection: f64,
}
