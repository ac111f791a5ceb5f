// SPDX-License-Identifier: GPL-2.0

//! `/sys/kernel/debug/p2pmem/query`: the P2P verdict for any pair of PCI functions, and
//! `/sys/kernel/debug/p2pmem/cache`: the verdicts in-kernel users get now.
//!
//! Write `PROVIDER CLIENT` (PCI addresses) to `query`, then read one `key=value` per line:
//! `provider`, `client`, `map_type` (`BUS_ADDR`, `THRU_HOST_BRIDGE`, `NOT_SUPPORTED`),
//! `distance`, `reason`, `cause`, `host_bridge` and `fix` (the policy's stable names of the
//! path and the host-bridge decision, and the change that allows P2P; `none` where there is
//! none), then `cached_map_type` and `cached_distance`: what the verdict cache
//! held for the pair before this read (`none` when nothing). Nothing is allocated from any
//! provider and the answer is computed at read time, so ACS changes made with setpci show at
//! once; the cache keeps its entry until flushed (`/sys/class/p2pmem/flush`), and a read fills
//! it when empty. The last query is shared by all readers.
//!
//! `cache` lists `generation=N` (flushes so far), then one `PROVIDER CLIENT MAP_TYPE DISTANCE`
//! line per cached pair.

use kernel::{
    debugfs::{
        Dir,
        File, //
    },
    fmt,
    new_mutex,
    prelude::*,
    sync::Mutex,
    uaccess::UserSliceReader, //
};

use crate::{
    ffi::{
        pci,
        ratelimit::pr_info_ratelimited, //
    },
    policy::pci_addr::PciAddr,
    verdict_cache,
};

/// The pair last written to the query file.
type LastQuery = Mutex<Option<(PciAddr, PciAddr)>>;

/// The debugfs directory and the files in it; removed when dropped.
pub(crate) struct QueryFile {
    _dir: Dir,
    _file: Pin<KBox<File<LastQuery>>>,
    _cache: Pin<KBox<File<()>>>,
}

impl QueryFile {
    /// Creates `p2pmem/query` in debugfs.
    pub(crate) fn new() -> Result<Self> {
        let dir = Dir::new(c"p2pmem");
        let file = KBox::pin_init(
            dir.read_write_callback_file(c"query", new_mutex!(None), &show, &store),
            GFP_KERNEL,
        )?;
        let cache = KBox::pin_init(
            dir.read_callback_file(c"cache", Ok::<(), Error>(()), &show_cache),
            GFP_KERNEL,
        )?;
        Ok(Self {
            _dir: dir,
            _file: file,
            _cache: cache,
        })
    }
}

/// Parses `PROVIDER CLIENT`.
fn parse_pair(s: &str) -> Result<(PciAddr, PciAddr)> {
    let mut words = s.split_whitespace();
    let (Some(p), Some(c), None) = (words.next(), words.next(), words.next()) else {
        return Err(EINVAL);
    };
    Ok((
        PciAddr::parse(p).map_err(|_| EINVAL)?,
        PciAddr::parse(c).map_err(|_| EINVAL)?,
    ))
}

fn store(last: &LastQuery, reader: &mut UserSliceReader) -> Result {
    let mut buf = [0u8; 64];
    let n = reader.len();
    if n > buf.len() {
        return Err(EINVAL);
    }
    reader.read_slice(&mut buf[..n])?;
    let s = core::str::from_utf8(&buf[..n]).map_err(|_| EINVAL)?;
    let (p, c) = parse_pair(s)?;
    for addr in [p, c] {
        if pci::get(addr).is_none() {
            pr_info_ratelimited!("query: no PCI function {}\n", addr);
            return Err(ENODEV);
        }
    }
    *last.lock() = Some((p, c));
    Ok(())
}

fn show(last: &LastQuery, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let Some((p, c)) = *last.lock() else {
        return writeln!(f, "error=write \"PROVIDER CLIENT\" (PCI addresses) first");
    };
    writeln!(f, "provider={p}\nclient={c}")?;
    let (Some(pdev), Some(cdev)) = (pci::get(p), pci::get(c)) else {
        return writeln!(f, "error=a function of the pair is gone");
    };
    let generation = verdict_cache::generation();
    let v = verdict_cache::fresh(&pdev, &cdev);
    writeln!(
        f,
        "map_type={}\ndistance={}\nreason={}\ncause={}",
        v.map_type,
        v.distance,
        v.reason(),
        v.cause()
    )?;
    match v.host_bridge {
        Some(d) => writeln!(f, "host_bridge={}", d.code())?,
        None => writeln!(f, "host_bridge=none")?,
    }
    match v.fix() {
        Some(fix) => writeln!(f, "fix={fix}")?,
        None => writeln!(f, "fix=none")?,
    }
    match verdict_cache::peek(p, c) {
        Some(cached) => writeln!(
            f,
            "cached_map_type={}\ncached_distance={}",
            cached.map_type, cached.distance
        )?,
        None => writeln!(f, "cached_map_type=none\ncached_distance=none")?,
    }
    verdict_cache::fill(p, c, &v, generation);
    Ok(())
}

fn show_cache(_: &(), f: &mut fmt::Formatter<'_>) -> fmt::Result {
    writeln!(f, "generation={}", verdict_cache::generation())?;
    for (p, c, v) in verdict_cache::entries() {
        writeln!(f, "{p} {c} {} {}", v.map_type, v.distance)?;
    }
    Ok(())
}
