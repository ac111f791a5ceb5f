// SPDX-License-Identifier: GPL-2.0

//! What the policy needs to know about a PCI function and the chain of bridges above it.
//!
//! [`PciFunction`] is implemented on real `pci_dev` chains in the module, on sysfs and config
//! space in the CLI, and on [`crate::synthetic`] topologies in tests, so all three run the same
//! decisions.

use core::fmt;

use super::pci_addr::PciAddr;

/// A PCI vendor and device ID pair, printed `vvvv:dddd` as in `lspci -n`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PciId {
    /// Vendor ID.
    pub vendor: u16,
    /// Device ID.
    pub device: u16,
}

impl PciId {
    /// A vendor:device pair.
    pub const fn new(vendor: u16, device: u16) -> Self {
        Self { vendor, device }
    }

    /// Parses `vvvv:dddd` (hexadecimal, one to four digits each); one trailing newline allowed.
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.strip_suffix('\n').unwrap_or(s);
        let (v, d) = s.split_once(':')?;
        let field = |f: &str| {
            if f.is_empty() || f.len() > 4 || !f.bytes().all(|b| b.is_ascii_hexdigit()) {
                None
            } else {
                u16::from_str_radix(f, 16).ok()
            }
        };
        Some(Self::new(field(v)?, field(d)?))
    }
}

impl fmt::Display for PciId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04x}:{:04x}", self.vendor, self.device)
    }
}

/// The PCI Express role of a function (from its PCIe capability), as far as P2P cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PortType {
    /// An endpoint (or a conventional PCI device without a PCIe capability).
    Endpoint,
    /// A root port of a host bridge.
    RootPort,
    /// The upstream port of a switch.
    UpstreamPort,
    /// A downstream port of a switch.
    DownstreamPort,
    /// A PCIe-to-PCI or PCI-to-PCI bridge.
    PciBridge,
    /// Anything else (root complex integrated endpoint, event collector, ...).
    Other,
}

impl PortType {
    /// The role from the Device/Port Type field of the PCIe capability (`PCI_EXP_TYPE_*`);
    /// `None` for a conventional PCI function, taken as an endpoint.
    pub const fn from_pcie_type(t: Option<u8>) -> Self {
        match t {
            None | Some(0x0) | Some(0x1) => Self::Endpoint,
            Some(0x4) => Self::RootPort,
            Some(0x5) => Self::UpstreamPort,
            Some(0x6) => Self::DownstreamPort,
            Some(0x7) | Some(0x8) => Self::PciBridge,
            Some(_) => Self::Other,
        }
    }
}

/// Which host bridge (root complex) a function sits below.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HostBridge {
    /// The root bus of the host bridge; equal for every function below the same host bridge.
    pub root_bus: RootBus,
    /// The ID of the device the kernel treats as "the host bridge" (see [`HostBridge::device_of`]),
    /// `None` when the root bus has no such device.
    pub device: Option<PciId>,
}

/// A root bus: PCI domain and bus number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RootBus {
    /// PCI domain (segment), 32 bits as the kernel numbers them.
    pub domain: u32,
    /// Bus number of the root bus.
    pub bus: u8,
}

impl fmt::Display for RootBus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04x}:{:02x}", self.domain, self.bus)
    }
}

impl HostBridge {
    /// The in-tree notion of a root bus's host bridge device (`pci_host_bridge_dev()`): the first
    /// device on the root bus, if it is at devfn 00.0 or is a root port. q35's `pcie.0` gives
    /// 8086:29c0 at 00.0; a pxb-pcie bus gives its first root port, 1b36:000c.
    ///
    /// `first` is the first device on the root bus: its devfn, PCIe role and ID.
    pub fn device_of(first: Option<(u8, PortType, PciId)>) -> Option<PciId> {
        match first? {
            (0, _, id) | (_, PortType::RootPort, id) => Some(id),
            _ => None,
        }
    }
}

/// ACS (Access Control Services) state of a port.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Acs {
    /// The ACS Capability register.
    pub cap: u16,
    /// The ACS Control register.
    pub ctrl: u16,
}

impl Acs {
    /// ACS Source Validation.
    pub const SV: u16 = 1 << 0;
    /// ACS Translation Blocking.
    pub const TB: u16 = 1 << 1;
    /// ACS P2P Request Redirect.
    pub const RR: u16 = 1 << 2;
    /// ACS P2P Completion Redirect.
    pub const CR: u16 = 1 << 3;
    /// ACS Upstream Forwarding.
    pub const UF: u16 = 1 << 4;
    /// ACS P2P Egress Control.
    pub const EC: u16 = 1 << 5;
    /// ACS Direct Translated P2P.
    pub const DT: u16 = 1 << 6;

    /// The control bits that send peer-to-peer TLPs upstream instead of across the port
    /// (`pci_bridge_has_acs_redir()`): Request Redirect, Completion Redirect, Egress Control.
    pub const REDIRECT: u16 = Self::RR | Self::CR | Self::EC;

    /// The redirecting bits set in the control register (0 when none).
    pub const fn redirect_bits(&self) -> u16 {
        self.ctrl & Self::REDIRECT
    }
}

/// A PCI function and, through [`PciFunction::upstream_bridge`], the bridges above it.
///
/// Implementations are cheap handles (references, indices); two handles are the same function
/// exactly when their [`PciFunction::addr`] is equal, which [`PciFunction::is`] checks (or
/// compares the devices themselves, where a handle has them).
pub trait PciFunction: Sized + Clone {
    /// Domain, bus, device and function.
    fn addr(&self) -> PciAddr;

    /// Vendor and device ID.
    fn id(&self) -> PciId;

    /// PCIe role.
    fn port_type(&self) -> PortType;

    /// The bridge directly above (`pci_upstream_bridge()`); `None` on a root bus.
    fn upstream_bridge(&self) -> Option<Self>;

    /// ACS capability and control registers, `None` when the function has no ACS capability.
    fn acs(&self) -> Option<Acs>;

    /// The host bridge the function sits below.
    fn host_bridge(&self) -> HostBridge;

    /// Whether `self` and `other` are the same function. By default their addresses, domain
    /// included, are compared.
    fn is(&self, other: &Self) -> bool {
        self.addr() == other.addr()
    }

    /// Whether `self` and `other` are below the same host bridge. By default their root buses,
    /// domain included, are compared.
    fn same_host_bridge(&self, other: &Self) -> bool {
        self.host_bridge().root_bus == other.host_bridge().root_bus
    }
}
