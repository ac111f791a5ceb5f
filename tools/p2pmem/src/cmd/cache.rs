// SPDX-License-Identifier: GPL-2.0

//! `p2pmem cache` and `p2pmem flush`: the module's verdict cache, what in-kernel users (the
//! map shim, `p2pmem_distance_many()`) get for each pair without recomputing it
//! (`/sys/kernel/debug/p2pmem/cache`), and emptying it (`/sys/class/p2pmem/flush`).

use std::{
    fs,
    io::{
        self,
        Write, //
    },
    path::Path,
};

use anyhow::{
    anyhow,
    Context,
    Result, //
};
use p2pmem_policy::pci_addr::PciAddr;
use serde::Serialize;

use crate::{
    output::{
        table,
        Out,
        Render, //
    },
    query::parse_map_type,
    sysfs::{
        self,
        errno_text,
        Roots, //
    },
};

/// One cached verdict.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// The function whose memory is used.
    pub provider: String,
    /// The function that DMAs to it.
    pub client: String,
    /// `BUS_ADDR`, `THRU_HOST_BRIDGE` or `NOT_SUPPORTED`.
    pub map_type: &'static str,
    /// Bridge hops.
    pub distance: u32,
}

/// `cache --json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Cache {
    /// Flushes since the module was loaded.
    pub generation: u64,
    /// The cached pairs, by provider, then client.
    pub entries: Vec<Entry>,
}

impl Render for Cache {
    fn text(&self, w: &mut dyn Write) -> io::Result<()> {
        writeln!(
            w,
            "generation {} ({} cached verdict{})",
            self.generation,
            self.entries.len(),
            if self.entries.len() == 1 { "" } else { "s" }
        )?;
        if self.entries.is_empty() {
            return Ok(());
        }
        let mut rows = vec![["PROVIDER", "CLIENT", "MAP_TYPE", "DISTANCE"]
            .map(String::from)
            .to_vec()];
        for e in &self.entries {
            rows.push(vec![
                e.provider.clone(),
                e.client.clone(),
                e.map_type.into(),
                e.distance.to_string(),
            ]);
        }
        table(w, &rows)
    }
}

/// Parses what the cache file reads: `generation=N`, then `PROVIDER CLIENT MAP_TYPE DISTANCE`
/// lines.
pub fn parse(text: &str) -> Result<Cache> {
    let mut lines = text.lines();
    let generation = lines
        .next()
        .and_then(|l| l.strip_prefix("generation="))
        .and_then(|g| g.parse().ok())
        .ok_or_else(|| anyhow!("the first line is not generation=N"))?;
    let entries = lines
        .map(|line| {
            let bad = || anyhow!("unexpected line {line:?}");
            let f: Vec<&str> = line.split_whitespace().collect();
            let [p, c, m, d] = f[..] else {
                return Err(bad());
            };
            let addr = |s: &str| PciAddr::parse(s).map(|a| a.to_string()).map_err(|_| bad());
            Ok(Entry {
                provider: addr(p)?,
                client: addr(c)?,
                map_type: parse_map_type(m).ok_or_else(bad)?.as_str(),
                distance: d.parse().map_err(|_| bad())?,
            })
        })
        .collect::<Result<_>>()?;
    Ok(Cache {
        generation,
        entries,
    })
}

/// Reads the cache file.
fn read(path: &Path) -> Result<Cache> {
    let text = fs::read_to_string(path).map_err(|e| {
        let hint = match e.kind() {
            io::ErrorKind::NotFound => {
                "; is p2pmem.ko loaded and debugfs mounted (mount -t debugfs none /sys/kernel/debug)?"
            }
            io::ErrorKind::PermissionDenied => "; the file is root's",
            _ => "",
        };
        anyhow!("{}: {}{hint}", path.display(), errno_text(&e))
    })?;
    parse(&text).with_context(|| path.display().to_string())
}

/// Prints the cached verdicts.
pub fn show(roots: &Roots, out: &mut Out<'_>) -> Result<u8> {
    out.emit(&read(&roots.cache_file())?)?;
    Ok(0)
}

/// `flush --json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Flushed {
    /// The verdicts the cache held before, when its file could be read.
    pub dropped: Option<usize>,
    /// The generation after the flush, when the cache file could be read.
    pub generation: Option<u64>,
}

impl Render for Flushed {
    fn text(&self, w: &mut dyn Write) -> io::Result<()> {
        match (self.dropped, self.generation) {
            (Some(n), Some(g)) => writeln!(
                w,
                "verdict cache flushed: {n} verdict{} dropped, generation {g}",
                if n == 1 { "" } else { "s" }
            ),
            _ => writeln!(w, "verdict cache flushed"),
        }
    }
}

/// Empties the verdict cache; in-kernel users recompute each verdict at its next use.
pub fn flush(roots: &Roots, out: &mut Out<'_>) -> Result<u8> {
    let path = roots.cache_file();
    // The counts are a courtesy: without debugfs the flush still works.
    let before = read(&path).ok();
    sysfs::write_control(roots, &roots.class_file("flush"), "1\n")?;
    let after = before.as_ref().and_then(|_| read(&path).ok());
    out.emit(&Flushed {
        dropped: before.map(|c| c.entries.len()),
        generation: after.map(|c| c.generation),
    })?;
    Ok(0)
}
