// SPDX-License-Identifier: GPL-2.0

//! `p2pmem check PROVIDER CLIENT...`: can each client DMA to the provider's memory.
//!
//! The module's query file answers when it can be used (and `--compute` is not given);
//! otherwise the verdicts are computed here, from sysfs and config space, by the policy crate
//! the module runs. A verdict that depends on config space this user cannot read is not
//! guessed: the command fails with exit status 2.

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
    verdict::{
        verdict,
        MapType, //
    },
};
use serde::Serialize;

use crate::{
    hostbridge::HostPolicy,
    output::{
        Out,
        Render, //
    },
    query::{
        self,
        Transport, //
    },
    sysfs::Roots,
    topology::Topology,
};

/// Where the verdicts came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// The module's query file.
    Module,
    /// Computed here from sysfs.
    Computed,
}

/// One client's verdict.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ClientVerdict {
    /// The client's address.
    pub client: String,
    /// `BUS_ADDR`, `THRU_HOST_BRIDGE` or `NOT_SUPPORTED`.
    pub map_type: &'static str,
    /// Bridge hops.
    pub distance: u32,
    /// Why, naming the deciding bridge and the fix where there is one.
    pub reason: String,
    /// The path found, a stable name: `same_function`, `common_upstream_bridge`,
    /// `acs_redirect`, `no_common_upstream_bridge` (`null` from an older module).
    pub cause: Option<String>,
    /// The host-bridge decision where the path goes through the host bridge:
    /// `allowed_by_cpu`, `allowed`, `allowed_both`, `unidentified`, `not_allowed`,
    /// `same_bridge_only`; else `null`.
    pub host_bridge: Option<String>,
    /// The change that allows P2P when it is refused (a boot parameter or a write to the
    /// host-bridge allowlist), `null` when there is none or nothing to fix.
    pub fix: Option<String>,
    /// What in-kernel users get from the module's verdict cache (`null` when computed or
    /// nothing was cached).
    pub cached_map_type: Option<&'static str>,
    /// Its distance.
    pub cached_distance: Option<u32>,
}

/// `check --json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Check {
    /// The provider's address.
    pub provider: String,
    /// `module` or `computed`.
    pub source: Source,
    /// One verdict per client, in argument order.
    pub clients: Vec<ClientVerdict>,
    /// Sum of the distances, `null` when any client cannot do P2P (the text form prints -1,
    /// as `pci_p2pdma_distance_many()` returns).
    pub total_distance: Option<u64>,
    /// Whether every client can do P2P with the provider.
    pub p2p: bool,
}

impl Render for Check {
    fn text(&self, w: &mut dyn Write) -> io::Result<()> {
        for c in &self.clients {
            writeln!(
                w,
                "{} -> {}: {}, distance {}",
                self.provider, c.client, c.map_type, c.distance
            )?;
            writeln!(w, "  {}", c.reason)?;
            if let (Some(m), Some(d)) = (c.cached_map_type, c.cached_distance) {
                if (m, d) != (c.map_type, c.distance) {
                    writeln!(
                        w,
                        "  in-kernel users still get the cached {m}, distance {d}; \
                         to make them recompute it: p2pmem flush"
                    )?;
                }
            }
        }
        let source = match self.source {
            Source::Module => "from the module",
            Source::Computed => "computed from sysfs",
        };
        let total = self
            .total_distance
            .map_or_else(|| "-1".into(), |d| d.to_string());
        writeln!(w, "total distance: {total} ({source})")
    }
}

impl Check {
    fn new(provider: PciAddr, source: Source, clients: Vec<ClientVerdict>) -> Self {
        let p2p = clients
            .iter()
            .all(|c| c.map_type != MapType::NotSupported.as_str());
        let total_distance = p2p.then(|| clients.iter().map(|c| u64::from(c.distance)).sum());
        Self {
            provider: provider.to_string(),
            source,
            clients,
            total_distance,
            p2p,
        }
    }
}

/// The verdicts from the module's query file, or `None` when it cannot be used.
fn from_module(
    t: &mut dyn Transport,
    provider: PciAddr,
    clients: &[PciAddr],
) -> Result<Option<Check>> {
    let Some(answers) = query::ask_all(t, provider, clients)? else {
        return Ok(None);
    };
    let verdicts = answers
        .into_iter()
        .map(|a| ClientVerdict {
            client: a.client.to_string(),
            map_type: a.map_type.as_str(),
            distance: a.distance,
            reason: a.reason,
            cause: a.cause,
            host_bridge: a.host_bridge,
            fix: a.fix,
            cached_map_type: a.cached.map(|(m, _)| m.as_str()),
            cached_distance: a.cached.map(|(_, d)| d),
        })
        .collect();
    Ok(Some(Check::new(provider, Source::Module, verdicts)))
}

/// The verdicts computed from sysfs with the policy crate.
pub fn compute(roots: &Roots, provider: PciAddr, clients: &[PciAddr]) -> Result<Check> {
    let topo = Topology::load(roots)?;
    let find = |addr: PciAddr| {
        topo.function(addr)
            .ok_or_else(|| anyhow!("{addr}: no such PCI function"))
    };
    let p = find(provider)?;
    let cs = clients
        .iter()
        .map(|&c| find(c))
        .collect::<Result<Vec<_>>>()?;
    for f in std::iter::once(&p).chain(&cs) {
        topo.check_known(f)
            .map_err(|u| anyhow!("cannot decide (need root): {u}"))?;
    }
    let host = HostPolicy::load(roots)?;
    let policy = host.policy();
    let verdicts = cs
        .iter()
        .map(|c| {
            let v = verdict(&p, c, &policy);
            let reason = v.reason().to_string();
            ClientVerdict {
                client: c.node().addr.to_string(),
                map_type: v.map_type.as_str(),
                distance: v.distance,
                reason,
                cause: Some(v.cause().to_string()),
                host_bridge: v.host_bridge.map(|d| d.code().to_string()),
                fix: v.fix().map(|f| f.to_string()),
                cached_map_type: None,
                cached_distance: None,
            }
        })
        .collect();
    Ok(Check::new(provider, Source::Computed, verdicts))
}

/// The verdicts from the module when it can answer (and `force_compute` is not set), else
/// computed here.
pub fn decide(
    roots: &Roots,
    provider: PciAddr,
    clients: &[PciAddr],
    force_compute: bool,
    t: &mut dyn Transport,
) -> Result<Check> {
    let module = if force_compute {
        None
    } else {
        from_module(t, provider, clients)?
    };
    match module {
        Some(c) => Ok(c),
        None => compute(roots, provider, clients),
    }
}

/// Checks the pairs and prints the verdicts. Exit status 0 when every client can do P2P, 1
/// when one cannot; errors (including undecidable verdicts) are exit status 2.
pub fn run(
    roots: &Roots,
    provider: PciAddr,
    clients: &[PciAddr],
    force_compute: bool,
    t: &mut dyn Transport,
    out: &mut Out<'_>,
) -> Result<u8> {
    for &addr in std::iter::once(&provider).chain(clients) {
        if !roots.pci_device(addr).exists() {
            return Err(anyhow!("{addr}: no such PCI function"));
        }
    }
    let check = decide(roots, provider, clients, force_compute, t)?;
    out.emit(&check)?;
    Ok(if check.p2p { 0 } else { 1 })
}
