// SPDX-License-Identifier: GPL-2.0

//! Generates, from the command line's definition (src/cli.rs), the shell completions for bash,
//! zsh and fish and the man page `p2pmem(1)`, into `$OUT_DIR/share` laid out as they are
//! installed (`bash-completion/completions/p2pmem`, `zsh/site-functions/_p2pmem`,
//! `fish/vendor_completions.d/p2pmem.fish`, `man/man1/p2pmem.1`). `scripts/install` copies
//! them below the install prefix.

use std::{
    env, fs, io,
    path::{
        Path,
        PathBuf, //
    },
};

use clap::CommandFactory;
use clap_complete::{
    generate_to,
    Shell, //
};

#[allow(dead_code)]
#[path = "src/cli.rs"]
mod cli;

fn man_pages(cmd: &clap::Command, dir: &Path) -> io::Result<()> {
    fs::create_dir_all(dir)?;
    let mut page = Vec::new();
    clap_mangen::Man::new(cmd.clone()).render(&mut page)?;
    fs::write(dir.join("p2pmem.1"), page)?;
    // One page per command, as git has: p2pmem-check(1) and so on.
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        // clap takes only 'static names without its "string" feature; a build script may leak.
        let name: &'static str = Box::leak(format!("p2pmem-{}", sub.get_name()).into_boxed_str());
        let sub = sub.clone().name(name);
        let mut page = Vec::new();
        clap_mangen::Man::new(sub).render(&mut page)?;
        fs::write(dir.join(format!("{name}.1")), page)?;
    }
    Ok(())
}

fn main() -> io::Result<()> {
    println!("cargo::rerun-if-changed=src/cli.rs");
    let share = PathBuf::from(env::var_os("OUT_DIR").ok_or(io::ErrorKind::NotFound)?).join("share");
    let mut cmd = cli::Cli::command();
    cmd.build();
    for (shell, dir) in [
        (Shell::Bash, "bash-completion/completions"),
        (Shell::Zsh, "zsh/site-functions"),
        (Shell::Fish, "fish/vendor_completions.d"),
    ] {
        let dir = share.join(dir);
        fs::create_dir_all(&dir)?;
        let file = generate_to(shell, &mut cmd, "p2pmem", &dir)?;
        // bash-completion looks the file up by the command's name.
        if shell == Shell::Bash {
            fs::rename(file, dir.join("p2pmem"))?;
        }
    }
    man_pages(&cmd, &share.join("man/man1"))
}
