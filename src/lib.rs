//! leakscan finds leaked credentials — above all personal access tokens — in files, git
//! history, staged changes and stdin.
//!
//! The crate follows the data flow of the design: sources yield [`blob::Blob`]s, the
//! [`engine::Engine`] turns bytes into matches, [`triage`] applies allowlists and baselines,
//! and [`report`] writes the final, sorted findings. A module uses what comes before it in
//! that flow and never what comes after.

pub mod app;
pub mod blob;
pub mod cli;
pub mod config;
pub mod engine;
pub mod finding;
pub mod report;
pub mod rules;
pub mod source;
/// Seeded test data for leakscan's own tests and benchmarks only; not part of the API.
#[doc(hidden)]
pub mod testing;
pub mod triage;
