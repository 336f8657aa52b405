//! leakscan finds leaked credentials — above all personal access tokens — in files, git
//! history, staged changes and stdin.
//!
//! The crate follows the data flow of the design: [`source`]s yield blobs with their
//! [`source::Origin`] through one [`source::Policy`], the [`engine::Engine`] turns bytes into
//! matches, [`triage`] labels them as findings and applies allowlists and baselines, and
//! [`report`] writes the final, sorted findings. [`cmd`] wires one command each over a shared
//! session. A module uses what comes before it in that flow and never what comes after.

#![forbid(unsafe_code)]

pub mod blob;
pub mod cli;
pub mod cmd;
pub mod config;
pub mod decode;
pub mod engine;
pub mod facts;
pub mod finding;
pub mod report;
pub mod rules;
pub mod source;
/// Seeded test data for leakscan's own tests and benchmarks only; not part of the API.
#[doc(hidden)]
pub mod testing;
pub mod triage;
pub mod verify;
