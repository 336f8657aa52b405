use std::process::ExitCode;

fn main() -> ExitCode {
    leakscan::cmd::main()
}
