// SPDX-License-Identifier: GPL-2.0

//! `p2pmem topo`: the PCI tree below each root bus (or below one function), with what P2P
//! verdicts depend on: IDs, PCIe port types, ACS registers and the providers; and the bound
//! drivers and the names of the PCI ID database, as lspci shows them.

use std::{
    collections::BTreeMap,
    io::{
        self,
        Write, //
    },
};

use anyhow::{
    anyhow,
    Result, //
};
use p2pmem_policy::{
    pci_addr::PciAddr,
    topology::Acs, //
};
use serde::Serialize;

use crate::{
    output::{
        Out,
        Render, //
    },
    pciids::PciIds,
    providers,
    sysfs::{
        self,
        Roots, //
    },
    topology::{
        Topology,
        Unknown, //
    },
};

/// ACS registers of a function.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AcsJson {
    /// The ACS Capability register.
    pub cap: u16,
    /// The ACS Control register.
    pub ctrl: u16,
    /// The redirecting control bits that are on: `RR`, `CR`, `EC`.
    pub redirect: Vec<&'static str>,
}

impl From<Acs> for AcsJson {
    fn from(a: Acs) -> Self {
        let redirect = [(Acs::RR, "RR"), (Acs::CR, "CR"), (Acs::EC, "EC")]
            .into_iter()
            .filter(|(bit, _)| a.ctrl & bit != 0)
            .map(|(_, name)| name)
            .collect();
        Self {
            cap: a.cap,
            ctrl: a.ctrl,
            redirect,
        }
    }
}

/// One function and the functions below it.
#[derive(Clone, Debug, Serialize)]
pub struct FunctionJson {
    /// `DDDD:BB:DD.F`.
    pub address: String,
    /// `vvvv:dddd`, `null` when config space is unreadable.
    pub id: Option<String>,
    /// The vendor's name in the PCI ID database, `null` when it has none (or there is none).
    pub vendor_name: Option<String>,
    /// The device's name there, without the vendor's; `null` when it has none.
    pub device_name: Option<String>,
    /// The driver bound to the function, `null` when none is.
    pub driver: Option<String>,
    /// From the PCIe capability: `endpoint`, `legacy_endpoint`, `root_port`,
    /// `upstream_port`, `downstream_port`, `pcie_to_pci_bridge`, `pci_to_pcie_bridge`,
    /// `rc_endpoint`, `rc_event_collector`, `other`; `pci` without one; `unknown` when config
    /// space reads short (not root).
    pub port_type: &'static str,
    /// Whether the ACS state below is known (config space read in full).
    pub acs_known: bool,
    /// The ACS registers; `null` without an ACS capability (or when unknown).
    pub acs: Option<AcsJson>,
    /// Providers (`p2pmemN`) on this function.
    pub providers: Vec<String>,
    /// Functions directly below (for bridges).
    pub children: Vec<FunctionJson>,
}

/// One root bus.
#[derive(Clone, Debug, Serialize)]
pub struct RootBusJson {
    /// `DDDD:BB`.
    pub root_bus: String,
    /// The ID that identifies its host bridge for the allowlist, `null` when none does.
    pub host_bridge: Option<String>,
    /// The functions on the root bus.
    pub functions: Vec<FunctionJson>,
}

/// `topo --json`.
#[derive(Clone, Debug, Serialize)]
pub struct Topo {
    /// With `--below`: the function the tree starts at; else `null`.
    pub below: Option<String>,
    /// The root buses, by domain and bus; with `--below`, the one above that function, whose
    /// `functions` is that function alone.
    pub root_buses: Vec<RootBusJson>,
}

fn port_type_name(t: Result<Option<u8>, Unknown>) -> &'static str {
    match t {
        Err(_) => "unknown",
        Ok(None) => "pci",
        Ok(Some(0x0)) => "endpoint",
        Ok(Some(0x1)) => "legacy_endpoint",
        Ok(Some(0x4)) => "root_port",
        Ok(Some(0x5)) => "upstream_port",
        Ok(Some(0x6)) => "downstream_port",
        Ok(Some(0x7)) => "pcie_to_pci_bridge",
        Ok(Some(0x8)) => "pci_to_pcie_bridge",
        Ok(Some(0x9)) => "rc_endpoint",
        Ok(Some(0xa)) => "rc_event_collector",
        Ok(Some(_)) => "other",
    }
}

/// What the tree is built from besides the topology.
struct Context<'a> {
    roots: &'a Roots,
    ids: &'a PciIds,
    children: BTreeMap<usize, Vec<usize>>,
    provs: BTreeMap<String, Vec<String>>,
}

fn function_json(topo: &Topology, cx: &Context<'_>, idx: usize) -> Result<FunctionJson> {
    let n = &topo.nodes()[idx];
    let address = n.addr.to_string();
    let acs = n.acs();
    let id = n.id();
    Ok(FunctionJson {
        id: id.map(|id| id.to_string()),
        vendor_name: id
            .and_then(|id| cx.ids.vendor(id.vendor))
            .map(str::to_string),
        device_name: id.and_then(|id| cx.ids.device(id)).map(str::to_string),
        driver: sysfs::driver(&cx.roots.pci_device(n.addr))?,
        port_type: port_type_name(n.pcie_type()),
        acs_known: acs.is_ok(),
        acs: acs.ok().flatten().map(AcsJson::from),
        providers: cx.provs.get(&address).cloned().unwrap_or_default(),
        children: cx
            .children
            .get(&idx)
            .map(|c| c.iter().map(|&i| function_json(topo, cx, i)).collect())
            .transpose()?
            .unwrap_or_default(),
        address,
    })
}

fn root_bus_json(
    topo: &Topology,
    cx: &Context<'_>,
    idx: usize,
    functions: &[usize],
) -> Result<RootBusJson> {
    let mut top = idx;
    while let Some(p) = topo.nodes()[top].parent {
        top = p;
    }
    let addr = topo.nodes()[top].addr;
    Ok(RootBusJson {
        root_bus: format!("{:04x}:{:02x}", addr.domain(), addr.bus()),
        host_bridge: topo
            .host_bridge(idx)
            .ok()
            .and_then(|hb| hb.device)
            .map(|id| id.to_string()),
        functions: functions
            .iter()
            .map(|&i| function_json(topo, cx, i))
            .collect::<Result<_>>()?,
    })
}

/// Builds the tree: every root bus, or the subtree of `below` (the function and what is
/// below it).
pub fn build(roots: &Roots, ids: &PciIds, below: Option<PciAddr>) -> Result<Topo> {
    let topo = Topology::load(roots)?;
    let mut provs: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for p in providers::load(roots)?.unwrap_or_default() {
        if let Some(f) = p.function {
            provs.entry(f).or_default().push(p.name);
        }
    }
    // Children in address order (the nodes are sorted).
    let mut children: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    let mut tops = Vec::new();
    for (i, n) in topo.nodes().iter().enumerate() {
        match n.parent {
            Some(p) => children.entry(p).or_default().push(i),
            None => tops.push(i),
        }
    }
    let cx = Context {
        roots,
        ids,
        children,
        provs,
    };
    if let Some(addr) = below {
        let idx = topo
            .nodes()
            .iter()
            .position(|n| n.addr == addr)
            .ok_or_else(|| anyhow!("{addr}: no such PCI function"))?;
        return Ok(Topo {
            below: Some(addr.to_string()),
            root_buses: vec![root_bus_json(&topo, &cx, idx, &[idx])?],
        });
    }
    let mut buses: Vec<RootBusJson> = Vec::new();
    let mut seen: Vec<usize> = Vec::new();
    for &t in &tops {
        if seen.contains(&t) {
            continue;
        }
        let members: Vec<usize> = topo.root_bus_members(t).collect();
        seen.extend(&members);
        buses.push(root_bus_json(&topo, &cx, t, &members)?);
    }
    buses.sort_by(|a, b| a.root_bus.cmp(&b.root_bus));
    Ok(Topo {
        below: None,
        root_buses: buses,
    })
}

fn write_function(w: &mut dyn Write, f: &FunctionJson, prefix: &str, last: bool) -> io::Result<()> {
    let branch = if last { "`-" } else { "+-" };
    let mut line = format!(
        "{prefix}{branch} {} {} {}",
        f.address,
        f.id.as_deref().unwrap_or("????:????"),
        f.port_type.replace('_', " ")
    );
    match (&f.acs, f.acs_known) {
        (_, false) => line += ", ACS unknown (not root)",
        (None, true) => {}
        (Some(a), true) => {
            line += &format!(", ACS cap {:#06x} ctrl {:#06x}", a.cap, a.ctrl);
            if !a.redirect.is_empty() {
                line += &format!(" (redirect: {})", a.redirect.join(" "));
            }
        }
    }
    if let Some(d) = &f.driver {
        line += &format!(", driver {d}");
    }
    if !f.providers.is_empty() {
        line += &format!(" [{}]", f.providers.join(", "));
    }
    // As lspci names them: "Vendor Device", "Vendor Device dddd" for a device it does not know.
    if let Some(v) = &f.vendor_name {
        line += &format!(": {v} ");
        match (&f.device_name, &f.id) {
            (Some(d), _) => line += d,
            (None, Some(id)) => line += &format!("Device {}", &id[5..]),
            (None, None) => {}
        }
    }
    writeln!(w, "{}", line.trim_end())?;
    let inner = format!("{prefix}{}", if last { "   " } else { "|  " });
    for (i, c) in f.children.iter().enumerate() {
        write_function(w, c, &inner, i + 1 == f.children.len())?;
    }
    Ok(())
}

impl Render for Topo {
    fn text(&self, w: &mut dyn Write) -> io::Result<()> {
        let below = self
            .below
            .as_ref()
            .map_or_else(String::new, |a| format!(", below {a}"));
        for b in &self.root_buses {
            match &b.host_bridge {
                Some(id) => writeln!(w, "root bus {} (host bridge {id}){below}", b.root_bus)?,
                None => writeln!(
                    w,
                    "root bus {} (host bridge not identified){below}",
                    b.root_bus
                )?,
            }
            for (i, f) in b.functions.iter().enumerate() {
                write_function(w, f, "", i + 1 == b.functions.len())?;
            }
        }
        Ok(())
    }
}

/// Prints the tree; exit status 0.
pub fn run(
    roots: &Roots,
    pci_ids: Option<&std::path::Path>,
    below: Option<PciAddr>,
    out: &mut Out<'_>,
) -> Result<u8> {
    let ids = PciIds::load(pci_ids, out);
    let t = build(roots, &ids, below)?;
    if t.root_buses.is_empty() {
        out.note(format!(
            "no PCI functions in {}",
            roots.pci_devices().display()
        ));
    }
    out.emit(&t)?;
    Ok(0)
}
