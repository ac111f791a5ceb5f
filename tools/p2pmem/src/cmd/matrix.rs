// SPDX-License-Identifier: GPL-2.0

//! `p2pmem matrix [--providers]`: the verdict of every pair of PCI endpoints (bridges left
//! out: they never DMA to a provider), rows providing the memory and columns using it; with
//! `--providers`, only the rows of functions that have a provider.

use std::io::{
    self,
    Write, //
};

use anyhow::Result;
use p2pmem_policy::{pci_addr::PciAddr, verdict::MapType};
use serde::Serialize;

use crate::{
    cmd::check::{
        self,
        Check,
        Source, //
    },
    output::{
        table,
        Out,
        Render, //
    },
    providers,
    query::Transport,
    sysfs::Roots,
    topology::Topology,
};

/// `matrix --json`.
#[derive(Clone, Debug, Serialize)]
pub struct Matrix {
    /// The columns: every endpoint, by address.
    pub clients: Vec<String>,
    /// One row per provider function, each as `check --json` prints it.
    pub rows: Vec<Check>,
}

/// The short form of a map type in a cell.
fn short(map_type: &str) -> &'static str {
    match map_type {
        t if t == MapType::BusAddr.as_str() => "bus",
        t if t == MapType::ThruHostBridge.as_str() => "host",
        _ => "no",
    }
}

impl Render for Matrix {
    fn text(&self, w: &mut dyn Write) -> io::Result<()> {
        if self.rows.is_empty() {
            return Ok(());
        }
        let mut rows = vec![std::iter::once("PROVIDER \\ CLIENT".to_string())
            .chain(self.clients.iter().cloned())
            .collect::<Vec<_>>()];
        for r in &self.rows {
            let mut row = vec![r.provider.clone()];
            for c in &r.clients {
                row.push(match short(c.map_type) {
                    "no" => "no".into(),
                    s => format!("{s} {}", c.distance),
                });
            }
            rows.push(row);
        }
        table(w, &rows)?;
        let computed = self.rows.iter().any(|r| r.source == Source::Computed);
        writeln!(
            w,
            "bus: through a common upstream bridge; host: through an allowed host bridge; \
             no: no P2P; the number is the distance ({})",
            if computed {
                "computed from sysfs"
            } else {
                "from the module"
            }
        )?;
        writeln!(w, "why for one pair: p2pmem check PROVIDER CLIENT")
    }
}

/// Prints the matrix; exit status 0 (a matrix with refusals is not an error).
pub fn run(
    roots: &Roots,
    only_providers: bool,
    force_compute: bool,
    t: &mut dyn Transport,
    out: &mut Out<'_>,
) -> Result<u8> {
    let topo = Topology::load(roots)?;
    let endpoints: Vec<PciAddr> = topo
        .nodes()
        .iter()
        .filter(|n| !n.is_bridge())
        .map(|n| n.addr)
        .collect();
    let rows: Vec<PciAddr> = if only_providers {
        let mut with: Vec<PciAddr> = providers::load(roots)?
            .unwrap_or_default()
            .iter()
            .filter_map(|p| p.function.as_deref())
            .filter_map(|f| PciAddr::parse(f).ok())
            .collect();
        with.sort();
        with.dedup();
        with
    } else {
        endpoints.clone()
    };
    if rows.is_empty() {
        out.note(if only_providers {
            "no providers"
        } else {
            "no PCI endpoints"
        });
    }
    let rows = rows
        .into_iter()
        .map(|p| check::decide(roots, p, &endpoints, force_compute, t))
        .collect::<Result<Vec<_>>>()?;
    out.emit(&Matrix {
        clients: endpoints.iter().map(ToString::to_string).collect(),
        rows,
    })?;
    Ok(0)
}
