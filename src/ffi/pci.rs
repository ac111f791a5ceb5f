// SPDX-License-Identifier: GPL-2.0

//! PCI topology as the policy sees it: [`PciFunction`] on live `pci_dev` chains.
//!
//! `kernel::pci` has no upstream bridge, host bridge or ACS accessors; `rust/helpers.c` reads
//! them. A [`PciFn`] borrows a device for `'a`; the bridges above it live at least as long (a
//! device holds a reference to its parent), so they are handed out with the same lifetime.

use core::{
    cell::OnceCell,
    ffi::c_void, //
};

use kernel::{
    bindings as kbindings,
    device,
    pci,
    sync::aref::ARef, //
};

use super::bindings;
use crate::policy::{
    host_bridge::{
        Cpu,
        CpuVendor, //
    },
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

/// The raw `struct device` of a PCI function.
pub(super) fn raw(dev: &pci::Device) -> *mut kbindings::device {
    super::dev_raw(dev.as_ref())
}

/// The raw `struct pci_dev` of a PCI function.
pub(super) fn raw_pci(dev: &pci::Device) -> *mut kbindings::pci_dev {
    // CAST: `pci::Device` is a transparent wrapper of `struct pci_dev`.
    core::ptr::from_ref(dev)
        .cast::<kbindings::pci_dev>()
        .cast_mut()
}

/// A PCI function and what the policy reads of it. The address is read when the handle is made;
/// the rest (IDs, port type, ACS state, host bridge) on first use, once per handle, so ACS state
/// is current as of the query and a walk that only compares addresses reads nothing else.
#[derive(Clone)]
pub(crate) struct PciFn<'a> {
    dev: &'a pci::Device,
    addr: PciAddr,
    info: OnceCell<Info>,
}

/// The address of `dev`, without reading config space.
pub(crate) fn pci_addr(dev: &pci::Device) -> PciAddr {
    PciAddr::from_id(super::vcache::pci_addr_id(dev))
}

/// What [`PciFn`] reads on first use.
#[derive(Clone, Copy)]
struct Info {
    id: PciId,
    port_type: PortType,
    acs: Option<Acs>,
    host_bridge: HostBridge,
    /// The `struct pci_host_bridge`, only to compare with another function's.
    host_bridge_identity: *const c_void,
}

fn pcie_type(t: i32) -> PortType {
    PortType::from_pcie_type(u8::try_from(t).ok())
}

impl<'a> PciFn<'a> {
    /// A handle on `dev`; reads its address.
    pub(crate) fn new(dev: &'a pci::Device) -> Self {
        Self {
            dev,
            addr: pci_addr(dev),
            info: OnceCell::new(),
        }
    }

    fn info(&self) -> &Info {
        self.info.get_or_init(|| {
            let mut i = bindings::p2pmem_pci_info::default();
            // SAFETY: `raw(self.dev)` is the `struct device` of a PCI function that lives for
            // `'a`, and `i` is a valid out-parameter.
            unsafe { bindings::p2pmem_pci_info(raw(self.dev), &mut i) };
            let first = u8::try_from(i.first_devfn).ok().map(|devfn| {
                (
                    devfn,
                    pcie_type(i.first_pcie_type),
                    PciId::new(i.first_vendor, i.first_device),
                )
            });
            Info {
                id: PciId::new(i.vendor, i.device),
                port_type: pcie_type(i.pcie_type),
                acs: i.has_acs.then_some(Acs {
                    cap: i.acs_cap,
                    ctrl: i.acs_ctrl,
                }),
                host_bridge: HostBridge {
                    root_bus: RootBus {
                        domain: i.root_domain,
                        bus: i.root_bus,
                    },
                    device: HostBridge::device_of(first),
                },
                host_bridge_identity: i.host_bridge,
            }
        })
    }
}

impl PciFunction for PciFn<'_> {
    fn addr(&self) -> PciAddr {
        self.addr
    }

    fn id(&self) -> PciId {
        self.info().id
    }

    fn port_type(&self) -> PortType {
        self.info().port_type
    }

    fn upstream_bridge(&self) -> Option<Self> {
        // SAFETY: `raw(self.dev)` is a live PCI function's device.
        let up = unsafe { bindings::p2pmem_pci_upstream_bridge(raw(self.dev)) };
        if up.is_null() {
            return None;
        }
        // SAFETY: `up` is the device of the bridge above `self.dev`, which holds a reference to
        // it for at least as long as `self.dev` lives, i.e. `'a`.
        let up = unsafe { device::Device::from_raw(up) };
        <&pci::Device>::try_from(up).ok().map(PciFn::new)
    }

    fn acs(&self) -> Option<Acs> {
        self.info().acs
    }

    fn host_bridge(&self) -> HostBridge {
        self.info().host_bridge
    }

    /// The same `struct pci_dev`.
    fn is(&self, other: &Self) -> bool {
        core::ptr::eq(self.dev, other.dev)
    }

    /// The same `struct pci_host_bridge`.
    fn same_host_bridge(&self, other: &Self) -> bool {
        core::ptr::eq(
            self.info().host_bridge_identity,
            other.info().host_bridge_identity,
        )
    }
}

/// The PCI function at `addr`, referenced, if there is one.
pub(crate) fn get(addr: PciAddr) -> Option<ARef<pci::Device>> {
    // SAFETY: no preconditions; returns a referenced device or NULL.
    let dev = unsafe { bindings::p2pmem_pci_get(addr.domain(), addr.bus(), addr.devfn()) };
    if dev.is_null() {
        return None;
    }
    // SAFETY: `dev` is valid while we hold the reference `p2pmem_pci_get` took, released below
    // after `ARef::from` has taken its own.
    let pdev = <&pci::Device>::try_from(unsafe { device::Device::from_raw(dev) })
        .ok()
        .map(ARef::from);
    // SAFETY: drops the reference `p2pmem_pci_get` returned; nothing uses `dev` afterwards.
    unsafe { bindings::p2pmem_pci_put(dev) };
    pdev
}

/// The boot CPU, for the AMD Zen host-bridge rule.
pub(crate) fn boot_cpu() -> Cpu {
    let mut info = bindings::p2pmem_cpu_info::default();
    // SAFETY: `info` is a valid out-parameter.
    unsafe { bindings::p2pmem_cpu_info(&mut info) };
    Cpu {
        vendor: if info.amd {
            CpuVendor::Amd
        } else {
            CpuVendor::Other
        },
        family: info.family,
    }
}

/// The name of the driver bound to `pdev`, copied into `buf`; `None` when no driver is bound.
/// (A snapshot: the binding can change right after.)
pub(crate) fn driver_name<'b>(pdev: &pci::Device, buf: &'b mut [u8; 32]) -> Option<&'b str> {
    // SAFETY: `raw(pdev)` is a live device; `buf` is writable for its length.
    let bound =
        unsafe { bindings::p2pmem_pci_driver_name(raw(pdev), buf.as_mut_ptr().cast(), buf.len()) };
    if !bound {
        return None;
    }
    let len = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    Some(core::str::from_utf8(&buf[..len]).unwrap_or("?"))
}

/// The nearest PCI function at or above `dev` (as `find_parent_pci_dev()` in p2pdma.c): `dev`
/// itself, or the function a block device or an RDMA device sits on.
pub(crate) fn pci_parent_of(dev: &device::Device) -> Option<&pci::Device> {
    // SAFETY: `dev` is a live device; the result is it or one of its parents, or NULL.
    let up = unsafe { bindings::p2pmem_pci_parent_of(super::dev_raw(dev)) };
    if up.is_null() {
        return None;
    }
    // SAFETY: `up` is `dev` or one of its parents, which live at least as long as `dev`.
    let up = unsafe { device::Device::from_raw(up) };
    <&pci::Device>::try_from(up).ok()
}
