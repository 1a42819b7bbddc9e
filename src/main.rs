use std::process::ExitCode;

use clap::Parser;
use promptls::cli::{Cli, init_logging, run};

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.verbose, cli.color);
    run(cli, promptls::server::run_stdio)
}
