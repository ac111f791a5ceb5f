// SPDX-License-Identifier: GPL-2.0

//! `/sys/kernel/debug/p2pmem/query`: the P2P verdict for any pair of PCI functions.
//!
//! Write `PROVIDER CLIENT` (PCI addresses), then read one `key=value` per line: `provider`,
//! `client`, `map_type` (`BUS_ADDR`, `THRU_HOST_BRIDGE`, `NOT_SUPPORTED`), `distance` and
//! `reason`. Nothing is allocated from any provider and the answer is computed at read time,
//! so ACS changes made with setpci show at once. The last query is shared by all readers.

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
    ffi::pci::{
        self,
        PciFn, //
    },
    host_bridge,
    policy::{
        pci_addr::PciAddr,
        verdict::verdict, //
    },
};

/// The pair last written to the query file.
type LastQuery = Mutex<Option<(PciAddr, PciAddr)>>;

/// The debugfs directory and the query file in it; removed when dropped.
pub(crate) struct QueryFile {
    _dir: Dir,
    _file: Pin<KBox<File<LastQuery>>>,
}

impl QueryFile {
    /// Creates `p2pmem/query` in debugfs.
    pub(crate) fn new() -> Result<Self> {
        let dir = Dir::new(c"p2pmem");
        let file = KBox::pin_init(
            dir.read_write_callback_file(c"query", new_mutex!(None), &show, &store),
            GFP_KERNEL,
        )?;
        Ok(Self {
            _dir: dir,
            _file: file,
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
            pr_info!("query: no PCI function {}\n", addr);
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
    let allowed = host_bridge::Snapshot::take();
    let v = verdict(&PciFn::new(&pdev), &PciFn::new(&cdev), &allowed.policy());
    writeln!(
        f,
        "map_type={}\ndistance={}\nreason={}",
        v.map_type,
        v.distance,
        v.reason()
    )?;
    Ok(())
}
