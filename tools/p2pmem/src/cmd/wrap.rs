// SPDX-License-Identifier: GPL-2.0

//! `p2pmem wrap` and `p2pmem unwrap`: front ends of `/sys/class/p2pmem/wrap` and `unwrap`.
//! Requests are checked with the module's own parser (policy/src/wrap.rs) before they are
//! written, so syntax errors need no root; the kernel's refusals come back as errno.

use std::io::{
    self,
    Write, //
};

use anyhow::{
    anyhow,
    Result, //
};
use p2pmem_policy::{
    pci_addr::PciAddr,
    wrap::{
        parse_size,
        parse_unwrap,
        parse_wrap, //
    },
};
use serde::Serialize;

use crate::{
    output::{
        Out,
        Render, //
    },
    sysfs::{
        self,
        Roots, //
    },
};

/// One wrap: a line of the `wrap` file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Wrapped {
    /// The PCI function.
    pub function: String,
    /// The BAR.
    pub bar: u8,
    /// The provider made of it (`p2pmemN`); `null` if it could not be found afterwards.
    pub provider: Option<String>,
}

/// `wrap --list --json`.
#[derive(Clone, Debug, Serialize)]
pub struct WrapList {
    /// The wraps in place.
    pub wraps: Vec<Wrapped>,
}

impl Render for Wrapped {
    fn text(&self, w: &mut dyn Write) -> io::Result<()> {
        writeln!(
            w,
            "{} BAR {}: {}",
            self.function,
            self.bar,
            self.provider.as_deref().unwrap_or("wrapped")
        )
    }
}

impl Render for WrapList {
    fn text(&self, w: &mut dyn Write) -> io::Result<()> {
        for x in &self.wraps {
            x.text(w)?;
        }
        Ok(())
    }
}

/// `unwrap --json`.
#[derive(Clone, Debug, Serialize)]
pub struct Unwrapped {
    /// The PCI function.
    pub function: String,
    /// The BAR, or `null` for all of the function's wraps.
    pub bar: Option<u8>,
}

impl Render for Unwrapped {
    fn text(&self, w: &mut dyn Write) -> io::Result<()> {
        match self.bar {
            Some(b) => writeln!(w, "{} BAR {b}: unwrapped", self.function),
            None => writeln!(w, "{}: unwrapped", self.function),
        }
    }
}

/// Parses the listing of the `wrap` file: `ADDRESS BAR p2pmemN` per line.
pub fn parse_wrap_list(text: &str) -> Result<Vec<Wrapped>> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let bad = || anyhow!("unexpected line {line:?}");
            let w: Vec<&str> = line.split_ascii_whitespace().collect();
            let [addr, bar, name] = w[..] else {
                return Err(bad());
            };
            Ok(Wrapped {
                function: PciAddr::parse(addr).map_err(|_| bad())?.to_string(),
                bar: bar.parse().map_err(|_| bad())?,
                provider: Some(name.to_string()),
            })
        })
        .collect()
}

fn read_wraps(roots: &Roots) -> Result<Vec<Wrapped>> {
    let path = roots.class_file("wrap");
    let text = sysfs::read_optional(&path)?
        .ok_or_else(|| anyhow!("{}: not found (is p2pmem.ko loaded?)", path.display()))?;
    parse_wrap_list(&text).map_err(|e| anyhow!("{}: {e}", path.display()))
}

/// `wrap --list`.
pub fn list(roots: &Roots, out: &mut Out<'_>) -> Result<u8> {
    let wraps = read_wraps(roots)?;
    out.emit(&WrapList { wraps })?;
    Ok(0)
}

/// What `wrap` is asked to do.
#[derive(Clone, Debug)]
pub struct WrapArgs {
    /// The PCI function.
    pub function: PciAddr,
    /// Its BAR.
    pub bar: u8,
    /// Bytes to wrap (default: the rest of the BAR), in the file's syntax.
    pub size: Option<String>,
    /// Offset in the BAR, in the file's syntax.
    pub offset: Option<String>,
    /// Wrap even though another driver is bound.
    pub force: bool,
}

/// The line written to `wrap`, checked with the module's parser.
pub fn wrap_line(a: &WrapArgs) -> Result<String> {
    let mut line = format!("{} {}", a.function, a.bar);
    for (what, v) in [("size", &a.size), ("offset", &a.offset)] {
        if let Some(v) = v {
            parse_size(v).ok_or_else(|| {
                anyhow!("{what} {v:?}: must be a number (decimal or 0x, with K, M or G)")
            })?;
            line += &format!(" {v}");
        }
    }
    if a.force {
        line += " force";
    }
    parse_wrap(&line).map_err(|e| anyhow!("{line:?}: {e}"))?;
    Ok(line)
}

/// `wrap FUNCTION BAR [SIZE [OFFSET]] [--force]`.
pub fn wrap(roots: &Roots, a: &WrapArgs, out: &mut Out<'_>) -> Result<u8> {
    let line = wrap_line(a)?;
    sysfs::write_control(roots, &roots.class_file("wrap"), &format!("{line}\n"))?;
    // Which provider it became: the wrap list names it.
    let function = a.function.to_string();
    let provider = read_wraps(roots)
        .ok()
        .and_then(|l| {
            l.into_iter()
                .find(|w| w.function == function && w.bar == a.bar)
        })
        .and_then(|w| w.provider);
    out.emit(&Wrapped {
        function,
        bar: a.bar,
        provider,
    })?;
    Ok(0)
}

/// `unwrap FUNCTION [BAR]`.
pub fn unwrap(roots: &Roots, function: PciAddr, bar: Option<u8>, out: &mut Out<'_>) -> Result<u8> {
    let line = match bar {
        Some(b) => format!("{function} {b}"),
        None => function.to_string(),
    };
    parse_unwrap(&line).map_err(|e| anyhow!("{line:?}: {e}"))?;
    sysfs::write_control(roots, &roots.class_file("unwrap"), &format!("{line}\n"))?;
    out.emit(&Unwrapped {
        function: function.to_string(),
        bar,
    })?;
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_lines() {
        let a = |size: Option<&str>, offset: Option<&str>, force| WrapArgs {
            function: PciAddr::parse("03:00.0").unwrap(),
            bar: 2,
            size: size.map(String::from),
            offset: offset.map(String::from),
            force,
        };
        assert_eq!(wrap_line(&a(None, None, false)).unwrap(), "0000:03:00.0 2");
        assert_eq!(
            wrap_line(&a(Some("32M"), Some("0x2000000"), true)).unwrap(),
            "0000:03:00.0 2 32M 0x2000000 force"
        );
        let e = wrap_line(&a(Some("lots"), None, false)).unwrap_err();
        assert!(e.to_string().contains("size \"lots\""), "{e}");
        let bad_bar = WrapArgs {
            bar: 6,
            ..a(None, None, false)
        };
        assert!(wrap_line(&bad_bar)
            .unwrap_err()
            .to_string()
            .contains("BAR must be"));
    }

    #[test]
    fn wrap_listing() {
        let l = parse_wrap_list("0000:03:00.0 2 p2pmem1\n0000:05:00.0 4 p2pmem2\n").unwrap();
        assert_eq!(
            l[1],
            Wrapped {
                function: "0000:05:00.0".into(),
                bar: 4,
                provider: Some("p2pmem2".into())
            }
        );
        assert!(parse_wrap_list("0000:03:00.0 2\n").is_err());
        assert!(parse_wrap_list("").unwrap().is_empty());
    }
}
