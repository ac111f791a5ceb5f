// SPDX-License-Identifier: GPL-2.0

//! Tests of the commands on fake sysfs trees, through the command line as a user types it.

pub mod fake;

mod cache;
mod check;
mod control;
mod crosscheck;
mod holders;
mod list;
mod matrix;
mod topo;
mod wrappable;

use clap::Parser;

use crate::{
    query::{
        QueryFile,
        Transport, //
    },
    run, Cli,
};
use fake::FakeSys;

/// What a run printed and returned.
#[derive(Debug)]
pub struct Ran {
    pub code: u8,
    pub out: String,
    pub err: String,
}

impl Ran {
    /// stdout as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.out).unwrap_or_else(|e| panic!("{e}: {}", self.out))
    }
}

/// Runs `p2pmem --sysfs ... --proc ... ARGS` on `sys` with the query transport `t`.
pub fn run_with(sys: &FakeSys, args: &[&str], t: &mut dyn Transport) -> Ran {
    let mut argv: Vec<String> = vec!["p2pmem".into()];
    argv.extend(sys.args());
    argv.extend(args.iter().map(|s| s.to_string()));
    let cli = match Cli::try_parse_from(&argv) {
        Ok(c) => c,
        Err(e) => {
            return Ran {
                // CAST: clap's exit codes are 0 and 2.
                code: e.exit_code() as u8,
                out: String::new(),
                err: e.render().to_string(),
            };
        }
    };
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = run(cli, t, &mut out, &mut err);
    Ran {
        code,
        out: String::from_utf8(out).unwrap(),
        err: String::from_utf8(err).unwrap(),
    }
}

/// Runs `p2pmem ARGS` on `sys`, with the query file the tree has (usually none).
pub fn run_on(sys: &FakeSys, args: &[&str]) -> Ran {
    let mut q = QueryFile::new(sys.sys().join("kernel/debug/p2pmem/query"));
    run_with(sys, args, &mut q)
}
