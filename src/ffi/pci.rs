// SPDX-License-Identifier: GPL-2.0

//! PCI topology as the policy sees it: [`PciFunction`] on live `pci_dev` chains.
//!
//! `kernel::pci` has no upstream bridge, host bridge or ACS accessors; `rust/helpers.c` reads
//! them. A [`PciFn`] borrows a device for `'a`; the bridges above it live at least as long (a
//! device holds a reference to its parent), so they are handed out with the same lifetime.

use core::cell::OnceCell;

use kernel::{
    bindings as kbindings,
    device,
    ffi::{
        c_int,
        c_void, //
    },
    pci,
    str::{
        CStr,
        CStrExt as _, //
    },
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
    // SAFETY: `raw_pci(dev)` is a live `pci_dev`, on its bus for its lifetime.
    let domain = unsafe { bindings::p2pmem_pci_domain_nr(raw_pci(dev)) };
    let [bus, devfn] = dev.dev_id().to_be_bytes();
    PciAddr::from_devfn(domain, bus, devfn)
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

/// The PCI function of a `pci_dev` pointer.
///
/// # Safety
///
/// `pdev` is a live `pci_dev` for `'a`.
pub(crate) unsafe fn pci_device<'a>(pdev: *mut kbindings::pci_dev) -> Option<&'a pci::Device> {
    if pdev.is_null() {
        return None;
    }
    // SAFETY: `pdev` is a live `pci_dev` for `'a` (caller's contract).
    let dev = unsafe { device::Device::from_raw(bindings::p2pmem_pci_dev_device(pdev)) };
    <&pci::Device>::try_from(dev).ok()
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

/// The PCI rescan/remove lock (`pci_lock_rescan_remove()`), held: no PCI function is added or
/// removed while it lives, so one looked up under it is not being removed.
///
/// # Invariants
///
/// The lock is held by this thread from [`RescanRemoveGuard::lock`] until the guard is dropped.
pub(crate) struct RescanRemoveGuard(core::marker::PhantomData<*mut ()>);

impl RescanRemoveGuard {
    /// Takes the lock (it may sleep).
    pub(crate) fn lock() -> Self {
        // SAFETY: no preconditions; the lock is released in `drop`.
        unsafe { kbindings::pci_lock_rescan_remove() };
        // INVARIANT: the lock was taken above.
        Self(core::marker::PhantomData)
    }
}

impl Drop for RescanRemoveGuard {
    fn drop(&mut self) {
        // SAFETY: the lock is held (type invariant).
        unsafe { kbindings::pci_unlock_rescan_remove() };
    }
}

/// A PCI function's device lock (`device_lock()`), held: no driver binds to or unbinds from it
/// while it lives (the driver core binds, unbinds and sends the bus notifier's bind and unbind
/// events under this lock).
///
/// # Invariants
///
/// `pdev`'s device lock is held by this thread from [`DeviceLockGuard::lock`] until the guard is
/// dropped.
pub(crate) struct DeviceLockGuard<'a> {
    pdev: &'a pci::Device,
    _not_send: core::marker::PhantomData<*mut ()>,
}

impl<'a> DeviceLockGuard<'a> {
    /// Takes `pdev`'s device lock (it may sleep).
    pub(crate) fn lock(pdev: &'a pci::Device) -> Self {
        // SAFETY: `raw(pdev)` is a live device; the lock is released in `drop`.
        unsafe { bindings::p2pmem_device_lock(raw(pdev)) };
        // INVARIANT: the lock was taken above.
        Self {
            pdev,
            _not_send: core::marker::PhantomData,
        }
    }

    /// The name of the driver bound to the function, if one is.
    pub(crate) fn driver_name(&self) -> Option<&str> {
        let dev = raw(self.pdev);
        // SAFETY: `dev` is a live device; its `driver` does not change while its device lock is
        // held (type invariant), and a bound driver outlives its binding.
        let drv = unsafe { (*dev).driver };
        if drv.is_null() {
            return None;
        }
        // SAFETY: `drv` is the bound driver (above); its name is a NUL-terminated string that
        // lives as long as the driver, which stays bound while the guard lives.
        let name = unsafe { CStr::from_char_ptr((*drv).name) };
        Some(name.to_str().unwrap_or("?"))
    }
}

impl Drop for DeviceLockGuard<'_> {
    fn drop(&mut self) {
        // SAFETY: the lock is held (type invariant).
        unsafe { bindings::p2pmem_device_unlock(raw(self.pdev)) };
    }
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

/// Every PCI function in turn, referenced while it is the current one (`for_each_pci_dev()`).
/// Functions added or removed meanwhile may or may not be seen.
pub(crate) fn functions() -> Functions {
    Functions {
        cur: core::ptr::null_mut(),
    }
}

/// The iterator of [`functions`].
///
/// # Invariants
///
/// `cur` is NULL or a `pci_dev` on which the iterator holds a reference.
pub(crate) struct Functions {
    cur: *mut kbindings::pci_dev,
}

impl Iterator for Functions {
    type Item = ARef<pci::Device>;

    fn next(&mut self) -> Option<ARef<pci::Device>> {
        // CAST: PCI_ANY_ID is ~0 as an unsigned int.
        let any = !0u32;
        // SAFETY: `self.cur` is NULL or referenced (type invariant); `pci_get_device` drops that
        // reference and returns the next function referenced, or NULL.
        // INVARIANT: `self.cur` is now NULL or referenced.
        self.cur = unsafe { kbindings::pci_get_device(any, any, self.cur) };
        // SAFETY: `self.cur` is NULL or referenced, so live until the next call or drop.
        let dev = unsafe { pci_device(self.cur) }?;
        Some(ARef::from(dev))
    }
}

impl Drop for Functions {
    fn drop(&mut self) {
        if !self.cur.is_null() {
            // SAFETY: drops the reference the iterator holds (type invariant).
            unsafe { kbindings::pci_dev_put(self.cur) };
        }
    }
}

/// Whether bus mastering is enabled for `dev` (`pci_set_master()`). A snapshot.
pub(crate) fn is_bus_master(dev: &pci::Device) -> bool {
    // SAFETY: `raw_pci(dev)` is a live `pci_dev`; `is_busmaster` is a flag the PCI core sets and
    // clears, read here without its lock as C code does (a snapshot).
    unsafe { (*raw_pci(dev)).is_busmaster() != 0 }
}

/// Whether a driver is bound to `dev`. A snapshot, read without the device lock.
pub(crate) fn is_bound(dev: &pci::Device) -> bool {
    // SAFETY: `raw(dev)` is a live device; `device_is_bound` only reads its driver link.
    unsafe { kbindings::device_is_bound(raw(dev)) }
}

/// The first device below `dev` whose class `accept` takes, found depth first without looking
/// below PCI functions under `dev` (a bridge's secondary bus): its class and device names,
/// copied into `buf` as `CLASS NAME` (truncated to fit). `None` when there is none.
pub(crate) fn class_device_below<'b>(
    dev: &pci::Device,
    accept: fn(&str) -> bool,
    buf: &'b mut [u8; 48],
) -> Option<&'b str> {
    let mut below = Below {
        accept,
        buf,
        len: 0,
    };
    // SAFETY: `raw(dev)` is a live device and `below` outlives the walk, which passes it to
    // `visit` only.
    let found = unsafe {
        kbindings::device_for_each_child(
            raw(dev),
            core::ptr::from_mut(&mut below).cast(),
            Some(visit),
        )
    };
    let len = below.len;
    (found != 0).then(|| core::str::from_utf8(&below.buf[..len]).unwrap_or("?"))
}

/// The state of a [`class_device_below`] walk.
struct Below<'b> {
    accept: fn(&str) -> bool,
    buf: &'b mut [u8; 48],
    len: usize,
}

impl Below<'_> {
    fn push(&mut self, s: &[u8]) {
        let room = self.buf.len() - self.len;
        let n = s.len().min(room);
        self.buf[self.len..self.len + n].copy_from_slice(&s[..n]);
        self.len += n;
    }
}

/// `device_for_each_child()` callback of [`class_device_below`]: 1 stops the walk at a match.
///
/// # Safety
///
/// `child` is a device the driver core holds for the call; `ctx` is the walk's [`Below`].
unsafe extern "C" fn visit(child: *mut kbindings::device, ctx: *mut c_void) -> c_int {
    // SAFETY: `ctx` is the `Below` of the walk, not otherwise used while it runs (contract).
    let below = unsafe { &mut *ctx.cast::<Below<'_>>() };
    // SAFETY: `child` is live for the call (contract).
    let dev = unsafe { device::Device::from_raw(child) };
    if <&pci::Device>::try_from(dev).is_ok() {
        return 0;
    }
    // SAFETY: `child` is live; its class, when set, is a registered class, which outlives its
    // devices, and its name a static string.
    let class = unsafe { (*child).class };
    if !class.is_null() {
        // SAFETY: see above: a class's name is a NUL-terminated string that lives as long as it.
        let name = unsafe { CStr::from_char_ptr((*class).name) };
        if name.to_str().is_ok_and(below.accept) {
            below.push(name.to_bytes());
            below.push(b" ");
            below.push(dev.name().to_bytes());
            return 1;
        }
    }
    // SAFETY: `child` is live for the call and `ctx` is the walk's state, as for this call.
    unsafe { kbindings::device_for_each_child(child, ctx, Some(visit)) }
}
