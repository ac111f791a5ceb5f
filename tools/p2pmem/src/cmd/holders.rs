// SPDX-License-Identifier: GPL-2.0

//! `p2pmem holders PROVIDER`: who holds a provider's memory, as far as can be seen from user
//! space. The module exposes counters in sysfs (size, available, allocations, peak,
//! alloc_failures: Documentation/ABI/testing/sysfs-class-p2pmem) but not its claims, so
//! in-kernel users are not named. Processes are: each `/dev/p2pmemN` mapping and each mapping
//! of the provider's `allocate` file shows in `/proc/PID/maps`.
//!
//! When a provider's teardown starts, its `/dev/p2pmemN` node goes, and its mappings are
//! zapped and their memory taken back; what teardown then waits for are pages something
//! pinned (O_DIRECT in flight, an RDMA memory region). The zapped VMAs stay until they are
//! unmapped and read `/dev/p2pmemN (deleted)`: their processes are the ones that may hold such
//! pins, and they are found by name even when the provider has left sysfs.

use std::{
    fs,
    io::{
        self,
        Write, //
    },
};

use anyhow::{
    anyhow,
    Result, //
};
use serde::Serialize;

use crate::{
    cli::ProviderArg,
    maps,
    output::{
        size_text,
        Out,
        Render, //
    },
    providers::{
        self,
        Provider, //
    },
    sysfs::Roots,
};

/// One process's mappings of one of the provider's files.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Process {
    /// The process.
    pub pid: u32,
    /// Its command name (`?` when it could not be read).
    pub comm: String,
    /// The file: `/dev/p2pmemN` or the provider's `allocate` file in sysfs.
    pub file: String,
    /// The file was removed after it was mapped: the provider is going away (or it is an
    /// earlier provider of the same name).
    pub deleted: bool,
    /// Its VMAs of the file.
    pub vmas: usize,
    /// Their total length, bytes.
    pub bytes: u64,
}

/// One provider.
#[derive(Clone, Debug, Serialize)]
pub struct Holders {
    /// `p2pmemN`.
    pub name: String,
    /// Its sysfs attributes, as `list` prints them; `null` when it is no longer in sysfs.
    pub sysfs: Option<Provider>,
    /// `size - available`, bytes: allocated, or freed but still referenced; `null` without
    /// sysfs.
    pub in_use: Option<u64>,
    /// In-kernel claims on it: always `null`, the module does not expose them.
    pub claims: Option<Vec<String>>,
    /// The processes that map it.
    pub processes: Vec<Process>,
}

impl Holders {
    /// Whether the processes account for every allocation and every byte in use: each
    /// /dev/p2pmemN mapping is one allocation (a mapping cannot be split, nor inherited by a
    /// child), and mappings of the allocate file hold bytes without allocations.
    fn accounted_for(&self) -> bool {
        let (Some(p), Some(in_use)) = (&self.sysfs, self.in_use) else {
            return false;
        };
        let live = || self.processes.iter().filter(|m| !m.deleted);
        let dev = format!("/dev/{}", self.name);
        let dev_maps: usize = live().filter(|m| m.file == dev).map(|m| m.vmas).sum();
        let bytes: u64 = live().map(|m| m.bytes).sum();
        in_use != 0 && usize::try_from(p.allocations).ok() == Some(dev_maps) && bytes == in_use
    }
}

/// `holders --json`.
#[derive(Clone, Debug, Serialize)]
pub struct HoldersOut {
    /// The providers asked for: one for `p2pmemN`, every provider of a PCI function.
    pub providers: Vec<Holders>,
    /// Processes whose maps could not be read (not root): they may map a provider too.
    pub unreadable_processes: usize,
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

impl Render for HoldersOut {
    fn text(&self, w: &mut dyn Write) -> io::Result<()> {
        for h in &self.providers {
            match &h.sysfs {
                Some(p) => {
                    let function = p.function.as_deref().unwrap_or("?");
                    writeln!(
                        w,
                        "{}: {function} BAR {}, {}, {} available, {} in use; {} (peak {}, {} \
                         refused){}",
                        h.name,
                        p.bar,
                        size_text(p.size),
                        size_text(p.available),
                        size_text(h.in_use.unwrap_or(0)),
                        plural(
                            usize::try_from(p.allocations).unwrap_or(0),
                            "allocation",
                            "allocations"
                        ),
                        p.peak,
                        p.alloc_failures,
                        if p.published { "" } else { ", not published" }
                    )?;
                }
                None => writeln!(w, "{}: no longer in sysfs (being torn down?)", h.name)?,
            }
            for p in &h.processes {
                writeln!(
                    w,
                    "  pid {} ({}) maps {}{}: {} in {}",
                    p.pid,
                    p.comm,
                    p.file,
                    if p.deleted { " (deleted)" } else { "" },
                    size_text(p.bytes),
                    plural(p.vmas, "VMA", "VMAs")
                )?;
            }
            if h.processes.iter().any(|p| p.deleted) {
                writeln!(
                    w,
                    "  (deleted): mapped before teardown started, which zapped the mapping and \
                     took its memory back; pages it pinned (O_DIRECT, RDMA) may still be held"
                )?;
            }
            let idle = h
                .sysfs
                .as_ref()
                .is_some_and(|p| p.allocations == 0 && h.in_use == Some(0));
            if idle && h.processes.is_empty() {
                writeln!(
                    w,
                    "  nothing holds its memory: no allocation, no process maps it"
                )?;
                continue;
            }
            if h.processes.is_empty() {
                writeln!(w, "  no process maps it")?;
            }
            if h.accounted_for() {
                writeln!(w, "  all of it is mapped by the processes above")?;
            } else if !idle {
                writeln!(
                    w,
                    "  in-kernel users (claims such as nvmet's, p2pmem_alloc(), pinned pages) are \
                     not known: the module does not expose them"
                )?;
            }
        }
        Ok(())
    }
}

/// The path of the provider's `allocate` file as processes see it (`/sys/devices/...`), when
/// its class link resolves below the sysfs root.
fn allocate_path(roots: &Roots, name: &str) -> Option<String> {
    let real = fs::canonicalize(roots.class_dir().join(name)).ok()?;
    let sys = fs::canonicalize(&roots.sys).ok()?;
    let rel = real.strip_prefix(sys).ok()?;
    Some(format!("/sys/{}/allocate", rel.display()))
}

/// Finds the providers, then the processes that map them.
pub fn build(roots: &Roots, arg: &ProviderArg) -> Result<HoldersOut> {
    let loaded = providers::load(roots)?;
    let all = loaded.clone().unwrap_or_default();
    let (names, found): (Vec<String>, Vec<Option<Provider>>) = match arg {
        ProviderArg::Name(n) => {
            let p = all.iter().find(|p| &p.name == n).cloned();
            (vec![n.clone()], vec![p])
        }
        ProviderArg::Function(a) => {
            let addr = a.to_string();
            let ps: Vec<Provider> = all
                .iter()
                .filter(|p| p.function.as_deref() == Some(addr.as_str()))
                .cloned()
                .collect();
            if ps.is_empty() {
                if !roots.pci_device(*a).exists() {
                    return Err(anyhow!("{addr}: no such PCI function"));
                }
                return Err(anyhow!(
                    "{addr} has no provider{}",
                    if loaded.is_none() {
                        " (the p2pmem module is not loaded)"
                    } else {
                        ""
                    }
                ));
            }
            (
                ps.iter().map(|p| p.name.clone()).collect(),
                ps.into_iter().map(Some).collect(),
            )
        }
    };
    let mut paths = Vec::new();
    for (n, p) in names.iter().zip(&found) {
        paths.push(format!("/dev/{n}"));
        if p.is_some() {
            paths.extend(allocate_path(roots, n));
        }
    }
    let scan = maps::scan(&roots.proc, &paths)?;
    let mut providers = Vec::new();
    for (n, p) in names.iter().zip(found) {
        let mine = {
            let dev = format!("/dev/{n}");
            let alloc = p.as_ref().and_then(|_| allocate_path(roots, n));
            move |path: &str| path == dev || alloc.as_deref() == Some(path)
        };
        let processes: Vec<Process> = scan
            .mapped
            .iter()
            .filter(|m| mine(&m.path))
            .map(|m| Process {
                pid: m.pid,
                comm: m.comm.clone(),
                file: m.path.clone(),
                deleted: m.deleted,
                vmas: m.vmas,
                bytes: m.bytes,
            })
            .collect();
        if p.is_none() && processes.is_empty() {
            return Err(anyhow!(
                "{n}: no such provider{}",
                if loaded.is_none() {
                    " (the p2pmem module is not loaded)"
                } else {
                    ""
                }
            ));
        }
        providers.push(Holders {
            name: n.clone(),
            in_use: p.as_ref().map(|p| p.size.saturating_sub(p.available)),
            sysfs: p,
            claims: None,
            processes,
        });
    }
    Ok(HoldersOut {
        providers,
        unreadable_processes: scan.unreadable,
    })
}

/// Prints the holders; exit status 0.
pub fn run(roots: &Roots, arg: &ProviderArg, out: &mut Out<'_>) -> Result<u8> {
    let h = build(roots, arg)?;
    if h.unreadable_processes != 0 {
        out.note(format!(
            "{} could not be read (not root?): they may map it too",
            plural(h.unreadable_processes, "process's maps", "processes' maps")
        ));
    }
    out.emit(&h)?;
    Ok(0)
}
