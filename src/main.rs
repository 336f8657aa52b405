//! The `leakscan` binary: everything is in the library; this maps its result to an exit code.

use std::process::ExitCode;

fn main() -> ExitCode {
    leakscan::cmd::main()
}
