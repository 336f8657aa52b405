use std::process::ExitCode;

fn main() -> ExitCode {
    leakscan::app::main()
}
