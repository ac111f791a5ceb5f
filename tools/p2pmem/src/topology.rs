// SPDX-License-Identifier: GPL-2.0

//! The PCI functions of sysfs as the policy sees them: [`PciFunction`] on
//! `/sys/bus/pci/devices`, as the module implements it on `pci_dev` chains (`src/ffi/pci.rs`).
//!
//! - The upstream bridge is the parent directory of the function's real sysfs path when that
//!   is a PCI function (`pci_upstream_bridge()`: VFs sit next to their PF, below its bridge).
//! - A function whose parent is not a PCI function (`pci0000:00`) is on a root bus; the root
//!   bus of a function is that of its topmost bridge.
//! - The host bridge is identified by the first device of the root bus, its lowest devfn, as
//!   `pci_host_bridge_dev()` does (the kernel's list is in scan order, so a function hot-added
//!   to a root bus later may differ).
//! - Port type and ACS come from config space, which must have been read in full.

use std::{
    collections::BTreeMap,
    fs,
    path::PathBuf, //
};

use anyhow::{
    anyhow,
    Context,
    Result, //
};
use p2pmem_policy::{
    pci_addr::PciAddr,
    topology::{
        Acs,
        HostBridge,
        PciFunction,
        PciId,
        PortType,
        RootBus, //
    },
};

use crate::{
    config::{
        Config,
        Truncated, //
    },
    sysfs::{
        self,
        Roots, //
    },
};

/// What could be read of one function.
#[derive(Clone, Debug)]
pub struct Node {
    /// Its address.
    pub addr: PciAddr,
    /// Index of the bridge above it; `None` on a root bus.
    pub parent: Option<usize>,
    /// The directory above the topmost bridge (`devices/pci0000:00`): the root bus's identity.
    root_dir: PathBuf,
    /// Its config space, or why it could not be read.
    config: Result<Config, String>,
}

impl Node {
    /// Vendor and device ID, when config space could be read at all.
    pub fn id(&self) -> Option<PciId> {
        self.config.as_ref().ok().and_then(Config::id)
    }

    /// Whether it is a bridge of any kind (base class 0x06: host, ISA, PCI-to-PCI bridges and
    /// PCIe ports), which never DMA to a provider; `false` when config space is unreadable.
    pub fn is_bridge(&self) -> bool {
        self.config
            .as_ref()
            .is_ok_and(|c| c.base_class() == Some(0x06))
    }

    /// The PCIe Device/Port Type field (`None`: conventional PCI), or why it is unknown.
    pub fn pcie_type(&self) -> Result<Option<u8>, Unknown> {
        match &self.config {
            Ok(c) => c.pcie_type().map_err(|t| Unknown::Truncated(self.addr, t)),
            Err(e) => Err(Unknown::Unreadable(self.addr, e.clone())),
        }
    }

    /// The PCIe role (`PortType::from_pcie_type`), or why it is unknown.
    pub fn port_type(&self) -> Result<PortType, Unknown> {
        self.pcie_type().map(PortType::from_pcie_type)
    }

    /// ACS capability and control, or why they are unknown.
    pub fn acs(&self) -> Result<Option<Acs>, Unknown> {
        match &self.config {
            Ok(c) => c.acs().map_err(|t| Unknown::Truncated(self.addr, t)),
            Err(e) => Err(Unknown::Unreadable(self.addr, e.clone())),
        }
    }
}

/// Why something the policy needs about a function cannot be known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unknown {
    /// Its config space reads short: not root.
    Truncated(PciAddr, Truncated),
    /// Its config space could not be read.
    Unreadable(PciAddr, String),
}

impl std::fmt::Display for Unknown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Truncated(addr, t) => {
                write!(f, "the config space of {addr} reads as ")?;
                if t.size > t.read as u64 {
                    write!(f, "{} of its {} bytes", t.read, t.size)?;
                } else {
                    write!(f, "only {} bytes", t.read)?;
                }
                f.write_str(
                    ", so its capabilities (PCIe port type, ACS) cannot be seen; run as root",
                )
            }
            Self::Unreadable(addr, e) => write!(f, "cannot read the config space of {addr}: {e}"),
        }
    }
}

/// Every PCI function sysfs lists.
#[derive(Clone, Debug, Default)]
pub struct Topology {
    nodes: Vec<Node>,
}

impl Topology {
    /// Reads `bus/pci/devices` and the config space of every function. A system without PCI
    /// (no such directory) has an empty topology.
    pub fn load(roots: &Roots) -> Result<Self> {
        let dir = roots.pci_devices();
        let entries = match fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(e) => return Err(e).with_context(|| dir.display().to_string()),
        };
        // Address -> real path, sorted by address.
        let mut found = BTreeMap::new();
        for entry in entries {
            let entry = entry.with_context(|| dir.display().to_string())?;
            let name = entry.file_name();
            // Skip anything that is not a PCI address (domains of up to 32 bits, VMD's among
            // them, are addresses).
            let Some(addr) = name.to_str().and_then(|n| PciAddr::parse(n).ok()) else {
                continue;
            };
            let real = match fs::canonicalize(entry.path()) {
                Ok(real) => real,
                // Removed while we looked.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e).with_context(|| entry.path().display().to_string()),
            };
            found.insert(addr, real);
        }
        let by_path: BTreeMap<PathBuf, PciAddr> =
            found.iter().map(|(a, p)| (p.clone(), *a)).collect();
        let index: BTreeMap<PciAddr, usize> =
            found.keys().enumerate().map(|(i, a)| (*a, i)).collect();

        let mut nodes = Vec::with_capacity(found.len());
        for (addr, real) in &found {
            let up = real.parent().map(PathBuf::from).unwrap_or_default();
            let parent = by_path.get(&up).and_then(|a| index.get(a)).copied();
            let config = sysfs::read_config(real)
                .map(Config::new)
                .map_err(|e| sysfs::errno_text(&e));
            nodes.push(Node {
                addr: *addr,
                parent,
                root_dir: up,
                config,
            });
        }
        // The root directory of a function is that of its topmost bridge.
        for i in 0..nodes.len() {
            let mut top = i;
            let mut hops = 0;
            while let Some(p) = nodes[top].parent {
                top = p;
                hops += 1;
                if hops > nodes.len() {
                    return Err(anyhow!("{}: parent links form a loop", nodes[i].addr));
                }
            }
            nodes[i].root_dir = nodes[top].root_dir.clone();
        }
        Ok(Self { nodes })
    }

    /// Every function, sorted by address.
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// The function at `addr`.
    pub fn function(&self, addr: PciAddr) -> Option<Func<'_>> {
        self.nodes
            .iter()
            .position(|n| n.addr == addr)
            .map(|idx| Func { topo: self, idx })
    }

    /// The topmost bridge above `idx` (or `idx` itself).
    fn top(&self, idx: usize) -> usize {
        let mut i = idx;
        while let Some(p) = self.nodes[i].parent {
            i = p;
        }
        i
    }

    /// The functions on the root bus `idx` is below, i.e. with no parent and the same root
    /// directory and bus number as its topmost bridge.
    pub fn root_bus_members(&self, idx: usize) -> impl Iterator<Item = usize> + '_ {
        let top = &self.nodes[self.top(idx)];
        self.nodes.iter().enumerate().filter_map(move |(i, n)| {
            (n.parent.is_none() && n.root_dir == top.root_dir && n.addr.bus() == top.addr.bus())
                .then_some(i)
        })
    }

    /// The first device on the root bus `idx` is below.
    fn first_on_root_bus(&self, idx: usize) -> Option<usize> {
        self.root_bus_members(idx)
            .min_by_key(|&i| self.nodes[i].addr.devfn())
    }

    /// The host bridge of `idx`, and whether identifying it needed something unknown.
    pub fn host_bridge(&self, idx: usize) -> Result<HostBridge, Unknown> {
        let top = self.nodes[self.top(idx)].addr;
        let root_bus = RootBus {
            domain: top.domain(),
            bus: top.bus(),
        };
        let first = match self.first_on_root_bus(idx) {
            Some(i) => {
                let n = &self.nodes[i];
                let devfn = n.addr.devfn();
                // At 00.0 the ID alone decides; elsewhere the port type is needed.
                let port_type = if devfn == 0 {
                    n.port_type().unwrap_or(PortType::Endpoint)
                } else {
                    n.port_type()?
                };
                let id = n.id().ok_or_else(|| {
                    let why = match &n.config {
                        Err(e) => e.clone(),
                        Ok(_) => "shorter than 4 bytes".to_string(),
                    };
                    Unknown::Unreadable(n.addr, why)
                })?;
                Some((devfn, port_type, id))
            }
            None => None,
        };
        Ok(HostBridge {
            root_bus,
            device: HostBridge::device_of(first),
        })
    }

    /// Checks that everything a verdict involving `f` reads is known: port type and ACS of
    /// every function from `f` up to its root bus, and its host bridge.
    pub fn check_known(&self, f: &Func<'_>) -> Result<(), Unknown> {
        let mut i = Some(f.idx);
        while let Some(idx) = i {
            let n = &self.nodes[idx];
            n.pcie_type()?;
            n.acs()?;
            i = n.parent;
        }
        self.host_bridge(f.idx).map(|_| ())
    }
}

/// A function of a [`Topology`]: the topology and an index into it.
#[derive(Clone, Copy, Debug)]
pub struct Func<'a> {
    topo: &'a Topology,
    idx: usize,
}

impl<'a> Func<'a> {
    /// What was read of the function.
    pub fn node(&self) -> &'a Node {
        &self.topo.nodes[self.idx]
    }
}

/// The trait methods cannot fail: callers check [`Topology::check_known`] first, and an unknown
/// value reads as the harmless default (an endpoint without ACS) otherwise.
impl PciFunction for Func<'_> {
    fn addr(&self) -> PciAddr {
        self.node().addr
    }

    fn id(&self) -> PciId {
        self.node().id().unwrap_or(PciId::new(0xffff, 0xffff))
    }

    fn port_type(&self) -> PortType {
        self.node().port_type().unwrap_or(PortType::Endpoint)
    }

    fn upstream_bridge(&self) -> Option<Self> {
        self.node().parent.map(|idx| Func {
            topo: self.topo,
            idx,
        })
    }

    fn acs(&self) -> Option<Acs> {
        self.node().acs().ok().flatten()
    }

    fn host_bridge(&self) -> HostBridge {
        let top = self.topo.nodes[self.topo.top(self.idx)].addr;
        self.topo.host_bridge(self.idx).unwrap_or(HostBridge {
            root_bus: RootBus {
                domain: top.domain(),
                bus: top.bus(),
            },
            device: None,
        })
    }
}
