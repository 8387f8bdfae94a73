//! # grassroots
//!
//! An agent-based model of village Party branches serving rural households,
//! built from studies of *service-oriented* grass-roots Party organisations.
//! The model is described in ODD form in `docs/model.md`; every equation
//! there has its function here, in [`rules`].
//!
//! Layout: [`scenario`] (parsing, validation, the parameter schema),
//! [`model`] (entities and state), [`rules`] (one module per mechanism),
//! [`engine`] (schedule, random streams, parallel stepping), [`experiment`]
//! (replicates and summaries), [`output`] (CSV, JSON, charts). The binary in
//! `src/main.rs` is a thin command line on top; only [`output`] touches files.

#![deny(missing_docs)]

pub mod engine;
pub mod experiment;
pub mod metrics;
pub mod model;
pub mod output;
pub mod rules;
pub mod scenario;
pub mod stats;
