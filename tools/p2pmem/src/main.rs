// SPDX-License-Identifier: GPL-2.0

//! `p2pmem`: the command-line front end of the p2pmem module. Lists providers and who holds
//! their memory, shows the PCI tree and the BARs that could be wrapped, checks P2P verdicts
//! with the module's own policy code, and drives the module's control files. This file holds the command line; the rest is one concern per file.

mod cli;
mod cmd;
mod config;
mod hostbridge;
mod kmsg;
mod maps;
mod output;
mod pciids;
mod providers;
mod query;
mod resources;
mod sysfs;
#[cfg(test)]
mod testing;
mod topology;

use std::{
    io::{
        self,
        Write, //
    },
    process::ExitCode,
};

use clap::Parser;

pub use crate::cli::Cli;
use crate::{
    cli::Command,
    output::Out,
    query::{
        QueryFile,
        Transport, //
    },
    sysfs::Roots,
};

/// Runs a parsed command line; returns the exit status. Errors are printed as
/// `p2pmem: ...` on `err` and give status 2.
pub fn run(cli: Cli, query: &mut dyn Transport, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let pci_ids = cli.pci_ids;
    let roots = Roots {
        sys: cli.sysfs,
        proc: cli.proc_root,
        dev: cli.dev_root,
    };
    let mut o = Out {
        out,
        err,
        json: cli.json,
    };
    let r = match cli.command {
        Command::List => cmd::list::run(&roots, &mut o),
        Command::Check {
            compute,
            provider,
            clients,
        } => cmd::check::run(&roots, provider, &clients, compute, query, &mut o),
        Command::Matrix { providers, compute } => {
            cmd::matrix::run(&roots, providers, compute, query, &mut o)
        }
        Command::Cache => cmd::cache::show(&roots, &mut o),
        Command::Flush => cmd::cache::flush(&roots, &mut o),
        Command::Topo { below } => cmd::topo::run(&roots, pci_ids.as_deref(), below, &mut o),
        Command::Wrap { list: true, .. } => cmd::wrap::list(&roots, &mut o),
        Command::Wrap {
            function: Some(function),
            bar: Some(bar),
            size,
            offset,
            force,
            ..
        } => {
            let args = cmd::wrap::WrapArgs {
                function,
                bar,
                size,
                offset,
                force,
            };
            cmd::wrap::wrap(&roots, &args, &mut o)
        }
        Command::Wrap { .. } => Err(anyhow::anyhow!("wrap: FUNCTION and BAR are required")),
        Command::Holders { provider } => cmd::holders::run(&roots, &provider, &mut o),
        Command::Wrappable { function } => cmd::wrappable::run(&roots, function, &mut o),
        Command::Unwrap { function, bar } => cmd::wrap::unwrap(&roots, function, bar, &mut o),
        Command::AllowHostBridge { list: true, .. } => cmd::allow::list(&roots, &mut o),
        Command::AllowHostBridge {
            id: Some(id),
            remove,
            ..
        } => cmd::allow::change(&roots, id, remove, &mut o),
        Command::AllowHostBridge { .. } => Err(anyhow::anyhow!(
            "allow-host-bridge: VENDOR:DEVICE or --list is required"
        )),
    };
    let r = r.and_then(|code| {
        o.out.flush()?;
        Ok(code)
    });
    match r {
        Ok(code) => code,
        Err(e) => {
            // A reader that went away (`p2pmem topo | head`) needs no message.
            let kind = e
                .downcast_ref::<io::Error>()
                .map(io::Error::kind)
                .or_else(|| {
                    e.downcast_ref::<serde_json::Error>()
                        .and_then(serde_json::Error::io_error_kind)
                });
            let broken_pipe = kind == Some(io::ErrorKind::BrokenPipe);
            if !broken_pipe {
                o.note(format!("{e:#}"));
            }
            2
        }
    }
}

fn main() -> ExitCode {
    // Usage errors exit with status 2, as clap does by default.
    let cli = Cli::parse();
    let mut query = QueryFile::new(
        Roots {
            sys: cli.sysfs.clone(),
            proc: cli.proc_root.clone(),
            dev: cli.dev_root.clone(),
        }
        .query_file(),
    );
    let code = run(cli, &mut query, &mut io::stdout(), &mut io::stderr());
    ExitCode::from(code)
}
