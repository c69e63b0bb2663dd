//! `trapline`: the command line.
//!
//! * `trapline run [--trace[=FILE]] [--root DIR] [--bind HOST:GUEST[:ro|:rw]]
//!   [--tmpfs GUEST] [--persist DIR] -- PROGRAM ARGS...` runs a program under Trapline and
//!   exits with its status (128+N if a signal killed it).
//! * `trapline syscalls [--format table|tsv]` prints the syscall table with
//!   the implementation status of each call.

mod mounts;
mod run;
mod syscalls;
mod trace;

use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use trapline_vfs::{MountOptions, UserMount};

#[derive(Parser)]
#[command(
    name = "trapline",
    version,
    about = "Run unmodified Linux programs under a user-space Linux kernel"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run PROGRAM under Trapline.
    Run {
        /// Print every system call, strace style, to stderr or to FILE.
        #[arg(long, value_name = "FILE", num_args = 0..=1, require_equals = true, default_missing_value = "-")]
        trace: Option<String>,
        /// Show the host directory DIR as / (read-only, under a writable
        /// in-memory layer) instead of the host's /.
        #[arg(long, value_name = "DIR")]
        root: Option<std::path::PathBuf>,
        /// Show the host directory or file HOST at GUEST. The guest's
        /// changes there are made on the host, inside HOST only; with :ro
        /// it is read-only. Repeatable; made after the --tmpfs mounts.
        #[arg(long, value_name = "HOST:GUEST[:ro|:rw]", value_parser = mounts::parse_bind)]
        bind: Vec<UserMount>,
        /// Mount an empty private tmpfs at GUEST. Repeatable.
        #[arg(long, value_name = "GUEST", value_parser = mounts::parse_tmpfs)]
        tmpfs: Vec<UserMount>,
        /// Keep the guest's changes to / in the host directory DIR (made
        /// if missing): loaded at the start, saved when the run ends. The
        /// host's files stay untouched.
        #[arg(long, value_name = "DIR")]
        persist: Option<std::path::PathBuf>,
        /// The program and its arguments (PROGRAM is looked up in PATH).
        #[arg(
            required = true,
            trailing_var_arg = true,
            value_name = "PROGRAM [ARGS]..."
        )]
        program: Vec<std::ffi::OsString>,
    },
    /// Print the syscall table and what Trapline implements of it.
    Syscalls {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Table,
    Tsv,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_env("TRAPLINE_LOG"))
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match cli.command {
        Command::Run {
            trace,
            root,
            bind,
            tmpfs,
            persist,
            program,
        } => {
            let root = match root.map(mounts::absolute_dir).transpose() {
                Ok(r) => r,
                Err(e) => return run::fail(&e, 2),
            };
            let persist = match persist.map(|p| std::path::absolute(&p)).transpose() {
                Ok(p) => p,
                Err(e) => return run::fail(&format!("--persist: {e}"), 2),
            };
            let mounts = MountOptions {
                root,
                mounts: tmpfs.into_iter().chain(bind).collect(),
                persist,
            };
            run::run(trace.as_deref(), &mounts, &program)
        }
        Command::Syscalls { format } => syscalls::print(matches!(format, Format::Tsv)),
    }
}
