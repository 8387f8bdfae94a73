//! # grassroots
//!
//! An agent-based model of village Party branches serving rural households,
//! built from studies of *service-oriented* grass-roots Party organisations.
//! The model is described in ODD form in `docs/model.md`; every equation
//! there has its function here, in [`rules`].
//!
//! Layout, from the ground floor up (each layer imports only layers below
//! it; `tests/layers.rs` checks): [`digest`], [`stats`], [`random`] (random
//! streams and draws); [`scenario`] (parsing, validation, the parameter
//! schema); [`model`] (entities and state); [`metrics`] (the tally the rules
//! fill); [`rules`] (one module per mechanism); [`engine`] (set-up, the
//! monthly schedule, parallel stepping); [`study`] (replicates,
//! comparisons and sweeps as library calls: plans, run stores, summaries);
//! [`output`] (serialising and writing CSV, JSON, charts, reports). The binary
//! in `src/main.rs` is a thin command line on top; only [`output`] touches
//! files. `docs/architecture.md` walks through the layers.

#![deny(missing_docs)]

pub mod digest;
pub mod engine;
pub mod metrics;
pub mod model;
pub mod output;
pub mod random;
pub mod rules;
pub mod scenario;
pub mod stats;
pub mod study;

/// Version of the model's results. Bump it whenever any output of the model
/// changes (an equation, a default, a random draw, the order of operations):
/// stored runs carry it in their key, so runs of an older model are never
/// reused. `tests/model_version.rs` fails when a pinned run's output changes
/// while this number stays the same (`docs/reliability.md`).
pub const MODEL_VERSION: u32 = 7;

/// The identity of the model that produces results: the crate version and
/// [`MODEL_VERSION`], e.g. `0.1.0+model.7`. Part of every stored run's key.
pub fn model_identity() -> String {
    format!("{}+model.{MODEL_VERSION}", env!("CARGO_PKG_VERSION"))
}
