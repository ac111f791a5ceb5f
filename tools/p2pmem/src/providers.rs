// SPDX-License-Identifier: GPL-2.0

//! The providers: `/sys/class/p2pmem/p2pmemN` and their attributes
//! (Documentation/ABI/testing/sysfs-class-p2pmem).

use std::{
    fs,
    io,
    path::Path, //
};

use anyhow::{
    Context,
    Result, //
};
use p2pmem_policy::pci_addr::PciAddr;
use serde::Serialize;

use crate::sysfs::{
    self,
    Roots, //
};

/// One provider as `list --json` prints it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Provider {
    /// `p2pmemN`.
    pub name: String,
    /// The PCI function whose BAR it maps (`DDDD:BB:DD.F`), from the `device` link.
    pub function: Option<String>,
    /// The BAR number.
    pub bar: u8,
    /// Offset of the range inside the BAR, bytes.
    pub offset: u64,
    /// Size of the range, bytes.
    pub size: u64,
    /// Bytes free in the pool.
    pub available: u64,
    /// Offered to consumers looking for any provider.
    pub published: bool,
    /// Allocations live now.
    pub allocations: i64,
    /// Most allocations live at once.
    pub peak: i64,
    /// Allocations refused.
    pub alloc_failures: i64,
    /// PCI bus address minus CPU physical address, hexadecimal as sysfs prints it (`0x0`).
    pub bus_offset: String,
}

fn number<T: std::str::FromStr>(dir: &Path, attr: &str) -> Result<T>
where
    T::Err: std::error::Error + Send + Sync + 'static,
{
    let path = dir.join(attr);
    let text = sysfs::read_attr(&path)?;
    text.parse()
        .with_context(|| format!("{}: {text:?} is not a number", path.display()))
}

fn read_provider(dir: &Path, name: &str) -> Result<Provider> {
    let function = match fs::read_link(dir.join("device")) {
        Ok(target) => target
            .file_name()
            .and_then(|n| n.to_str())
            .filter(|n| PciAddr::parse(n).is_ok())
            .map(str::to_string),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(e).with_context(|| dir.join("device").display().to_string()),
    };
    let published: u8 = number(dir, "published")?;
    Ok(Provider {
        name: name.to_string(),
        function,
        bar: number(dir, "bar")?,
        offset: number(dir, "offset")?,
        size: number(dir, "size")?,
        available: number(dir, "available")?,
        published: published != 0,
        allocations: number(dir, "allocations")?,
        peak: number(dir, "peak")?,
        alloc_failures: number(dir, "alloc_failures")?,
        bus_offset: sysfs::read_attr(&dir.join("bus_offset"))?,
    })
}

/// The providers, sorted by number; `None` when the class is not registered (module not
/// loaded). A provider that goes away while it is read is left out.
pub fn load(roots: &Roots) -> Result<Option<Vec<Provider>>> {
    let dir = roots.class_dir();
    let entries = match fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| dir.display().to_string()),
    };
    let mut found = Vec::new();
    for entry in entries {
        let entry = entry.with_context(|| dir.display().to_string())?;
        let Some(name) = entry.file_name().to_str().map(str::to_string) else {
            continue;
        };
        let Some(n) = name
            .strip_prefix("p2pmem")
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let path = entry.path();
        match read_provider(&path, &name) {
            Ok(p) => found.push((n, p)),
            Err(_) if !path.exists() => continue,
            Err(e) => return Err(e.context(name)),
        }
    }
    found.sort_by_key(|(n, _)| *n);
    Ok(Some(found.into_iter().map(|(_, p)| p).collect()))
}
