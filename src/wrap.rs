// SPDX-License-Identifier: GPL-2.0

//! `/sys/class/p2pmem/wrap` and `unwrap`: providers made at run time from a PCI address.
//!
//! Allowed on functions bound to no driver or to the module's own memory-BAR driver; a
//! function bound to another driver needs `force`, and is logged loudly, since that driver may
//! use the BAR. The range is requested in the resource tree (busy as `p2pmem` in /proc/iomem),
//! so one a driver has requested is refused even with `force`; a BAR that is not prefetchable
//! needs `force`. Refused under lockdown (`LOCKDOWN_PCI_ACCESS`), as mmap of `resourceN` is.
//! Reading `wrap` lists the wraps as `ADDRESS BAR p2pmemN`. A wrap lasts while its function
//! keeps the binding it was made under: removal, bind or unbind tears it down.

use core::fmt::{
    self,
    Write, //
};

use kernel::prelude::*;

use crate::{
    display::Shown,
    ffi::{
        notifier::PciEvent,
        pci,
        provider::pci_access_locked_down,
        ratelimit::{
            dev_info_ratelimited,
            pr_info_ratelimited, //
        },
        registry,
    },
    policy::{
        pci_addr::PciAddr,
        wrap::{
            driver_rule,
            parse_unwrap,
            parse_wrap,
            DriverRule, //
        },
    },
    provider::{
        Owner,
        Provider, //
    },
    refusal,
    registry::Wrap,
};

/// Handles a write to `wrap`.
pub(crate) fn wrap(s: &str) -> Result {
    let req = parse_wrap(s).map_err(|e| {
        pr_info_ratelimited!(
            "wrap: {}; expected ADDRESS BAR [SIZE [OFFSET]] [force]\n",
            Shown(e)
        );
        EINVAL
    })?;
    // Check and insertion are one step against the function's changes: under the rescan/remove
    // lock it cannot be removed (its removal event would find no wrap to tear down), under its
    // device lock no driver binds or unbinds (likewise), and the wraps lock is taken inside both,
    // as the bus notifier takes it (src/ffi/notifier.rs).
    let _rescan = pci::RescanRemoveGuard::lock();
    let pdev = pci::get(req.addr).ok_or_else(|| {
        pr_info_ratelimited!("wrap: no PCI function {}\n", req.addr);
        ENODEV
    })?;
    // A provider is user space access to the BAR (/dev/p2pmemN): the kernel's rule for
    // /sys/bus/pci/devices/*/resourceN applies.
    pci_access_locked_down().inspect_err(|_| {
        if refusal::may_log() {
            dev_info!(
                pdev,
                "p2pmem: not wrapping BAR {}: the kernel is locked down, which forbids user space \
                 access to PCI BARs\n",
                req.bar
            );
        }
    })?;
    let locked = pci::DeviceLockGuard::lock(&pdev);
    match driver_rule(locked.driver_name(), req.force) {
        DriverRule::Free => {}
        DriverRule::Forced(d) => dev_warn!(
            pdev,
            "p2pmem: wrapping BAR {} although driver {} is bound and may use it (force)\n",
            req.bar,
            d
        ),
        DriverRule::NeedsForce(d) => {
            dev_info_ratelimited!(
                pdev,
                "p2pmem: bound to driver {}, which may use BAR {}; unbind it or add 'force'\n",
                d,
                req.bar
            );
            return Err(EBUSY);
        }
    }
    // Test builds can widen this step, to show a bind waits for it (wrap-bind-race.sh).
    #[cfg(P2PMEM_KUNIT)]
    crate::ffi::testing::wrap_delay();
    let mut wraps = registry::wraps()?;
    let owner = Owner::Wrap { force: req.force };
    let provider = Provider::new(&pdev, req.bar.into(), req.offset, req.size, owner)?;
    provider.publish();
    wraps.0.push(
        Wrap {
            addr: req.addr,
            bar: req.bar,
            provider,
        },
        GFP_KERNEL,
    )?;
    drop(wraps);
    drop(locked);
    Ok(())
}

/// Handles a write to `unwrap`.
pub(crate) fn unwrap(s: &str) -> Result {
    let req = parse_unwrap(s).map_err(|e| {
        pr_info_ratelimited!("unwrap: {}; expected ADDRESS [BAR]\n", Shown(e));
        EINVAL
    })?;
    let matches = |w: &Wrap| w.addr == req.addr && req.bar.is_none_or(|b| b == w.bar);
    let mut removed = KVec::new();
    {
        let mut wraps = registry::wraps()?;
        while let Some(i) = wraps.0.iter().position(matches) {
            removed.push(wraps.0.remove(i)?, GFP_KERNEL)?;
        }
    }
    if removed.is_empty() {
        pr_info_ratelimited!(
            "unwrap: {} has no wrapped BAR{}\n",
            req.addr,
            Shown(BarSuffix(req.bar))
        );
        return Err(ENOENT);
    }
    // Dropped outside the lock: teardown waits until every allocation is freed.
    drop(removed);
    Ok(())
}

struct BarSuffix(Option<u8>);

impl fmt::Display for BarSuffix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(b) => write!(f, " {b}"),
            None => Ok(()),
        }
    }
}

/// Lists the wraps for a read of `wrap`.
pub(crate) fn show(w: &mut impl Write) -> fmt::Result {
    let Ok(wraps) = registry::wraps() else {
        return Ok(());
    };
    for x in wraps.0.iter() {
        writeln!(w, "{} {} p2pmem{}", x.addr, x.bar, x.provider.id())?;
    }
    Ok(())
}

/// Tears down the wraps of `addr`, which is about to be removed or to change driver.
pub(crate) fn device_event(addr: PciAddr, event: PciEvent) {
    let mut removed = KVec::new();
    if let Ok(mut wraps) = registry::wraps() {
        while let Some(i) = wraps.0.iter().position(|w| w.addr == addr) {
            let Ok(w) = wraps.0.remove(i) else { break };
            // On allocation failure the wrap is dropped here, under the lock: still torn down.
            let _ = removed.push(w, GFP_KERNEL);
        }
    }
    let why = match event {
        PciEvent::Removed => "is being removed",
        PciEvent::Binding => "is getting a driver",
        PciEvent::Unbinding => "is losing its driver",
        PciEvent::Added | PciEvent::Gone => return,
    };
    for w in removed.iter() {
        pr_info!(
            "{} {}: unwrapping BAR {} (p2pmem{})\n",
            addr,
            why,
            w.bar,
            w.provider.id()
        );
    }
    drop(removed);
}
