//! The `frontpage` binary: parse the command line, run the command, map the outcome to an
//! exit code (0 ok, 1 some feeds failed, 2 usage, configuration, database or output error).

use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = frontpage::cli::parse_args();
    match frontpage::cmd::execute(cli) {
        Ok(status) => ExitCode::from(status.exit_code()),
        Err(error) => {
            eprintln!("frontpage: {error:#}");
            ExitCode::from(2)
        }
    }
}
