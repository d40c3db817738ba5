//! Following a job: waiting for its pod, streaming the agent container, rendering what it says.

pub mod render;
pub mod resume;
