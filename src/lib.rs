//! claude-sandbox: send a coding task to an autonomous Claude Code agent running as a Kubernetes Job.
//!
//! The library holds the work (repository discovery, service detection, Job rendering, cluster access,
//! log following); `main.rs` and `cmd/` are the thin command-line edge over it. Detection and
//! rendering are pure so they are tested without a cluster or a terminal.

pub mod archive;
pub mod bring;
pub mod build_context;
pub mod cli;
pub mod cluster;
pub mod cmd;
pub mod config;
pub mod contract;
pub mod detect;
pub mod engine;
pub mod failure;
pub mod follow;
pub mod github;
pub mod job;
pub mod local;
pub mod output;
pub mod plan;
pub mod pod;
pub mod receipt;
pub mod repo;
pub mod settings;
pub mod text;
pub mod units;
