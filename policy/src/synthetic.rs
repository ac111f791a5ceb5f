// SPDX-License-Identifier: GPL-2.0

//! Synthetic topologies: a slice of [`Node`]s implementing [`PciFunction`] without hardware.
//!
//! Used by the host tests, the module's KUnit suites and the CLI's tests. Nothing allocates: a
//! topology is a borrowed slice, and a function is an index into it.

use super::{
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

/// One PCI function of a synthetic topology.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Node {
    /// Its address.
    pub addr: PciAddr,
    /// Its IDs.
    pub id: PciId,
    /// Its PCIe role.
    pub port_type: PortType,
    /// Index of the bridge above it; `None` on a root bus.
    pub parent: Option<usize>,
    /// Its ACS registers, if it has the capability.
    pub acs: Option<Acs>,
}

impl Node {
    /// A function with no ACS capability.
    pub const fn new(addr: PciAddr, id: PciId, port_type: PortType, parent: Option<usize>) -> Self {
        Self {
            addr,
            id,
            port_type,
            parent,
            acs: None,
        }
    }
}

/// A function of a synthetic topology: the slice and an index into it.
#[derive(Clone, Copy, Debug)]
pub struct Function<'a> {
    nodes: &'a [Node],
    idx: usize,
}

/// The function at `addr` in `nodes`.
pub fn function(nodes: &[Node], addr: PciAddr) -> Option<Function<'_>> {
    nodes
        .iter()
        .position(|n| n.addr == addr)
        .map(|idx| Function { nodes, idx })
}

/// Every function of `nodes`, in slice order.
pub fn functions(nodes: &[Node]) -> impl Iterator<Item = Function<'_>> + Clone {
    (0..nodes.len()).map(move |idx| Function { nodes, idx })
}

impl Function<'_> {
    fn node(&self) -> &Node {
        &self.nodes[self.idx]
    }

    fn root(&self) -> &Node {
        let mut n = self.node();
        while let Some(p) = n.parent {
            n = &self.nodes[p];
        }
        n
    }
}

impl PciFunction for Function<'_> {
    fn addr(&self) -> PciAddr {
        self.node().addr
    }

    fn id(&self) -> PciId {
        self.node().id
    }

    fn port_type(&self) -> PortType {
        self.node().port_type
    }

    fn upstream_bridge(&self) -> Option<Self> {
        self.node().parent.map(|idx| Function {
            nodes: self.nodes,
            idx,
        })
    }

    fn acs(&self) -> Option<Acs> {
        self.node().acs
    }

    fn host_bridge(&self) -> HostBridge {
        let root = self.root().addr;
        let root_bus = RootBus {
            domain: root.domain(),
            bus: root.bus(),
        };
        // The first device on the root bus: lowest devfn among parentless nodes on that bus.
        let first = self
            .nodes
            .iter()
            .filter(|n| {
                n.parent.is_none() && n.addr.domain() == root.domain() && n.addr.bus() == root.bus()
            })
            .min_by_key(|n| n.addr.devfn())
            .map(|n| (n.addr.devfn(), n.port_type, n.id));
        HostBridge {
            root_bus,
            device: HostBridge::device_of(first),
        }
    }
}
