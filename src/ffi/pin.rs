// SPDX-License-Identifier: GPL-2.0

//! `p2pmem_pin_check()`, the topology rule of pinnable user mappings (`src/pin.rs`) for
//! `p2pmem_pinnable()` in `rust/chardev.c`.

use kernel::{
    ffi::{
        c_char,
        c_int, //
    },
    prelude::*, //
};

use super::{
    bindings,
    exports::pci_device, //
};
use crate::{
    claim,
    pin,
    policy::pin::PinOptIns, //
};

/// A `core::fmt::Write` into a C buffer that truncates when full, keeping room for the NUL.
struct Truncating<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl core::fmt::Write for Truncating<'_> {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let room = self.buf.len().saturating_sub(1).saturating_sub(self.len);
        let n = s.len().min(room);
        self.buf[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
        self.len += n;
        Ok(())
    }
}

/// `p2pmem_pin_check()`: see `rust/helpers.h`.
///
/// # Safety
///
/// `p` is a live provider; `why` points to `len` writable bytes.
#[no_mangle]
unsafe extern "C" fn p2pmem_pin_check(
    p: *mut bindings::p2pmem_provider,
    any_client: bool,
    through_iommu: bool,
    why: *mut c_char,
    len: usize,
) -> c_int {
    if p.is_null() || why.is_null() || len == 0 {
        return EINVAL.to_errno();
    }
    // SAFETY: `p` is live (caller's contract), and a provider holds its PCI function.
    let Some(provider) = (unsafe { pci_device(bindings::p2pmem_provider_pci_dev(p)) }) else {
        return EINVAL.to_errno();
    };
    let opt = PinOptIns {
        any_client,
        through_iommu,
    };
    let refusal = pin::first_refusal(provider, opt, |dev| claim::iommu_translates(dev.as_ref()));
    // SAFETY: `why` points to `len` writable bytes (caller's contract).
    let buf = unsafe { core::slice::from_raw_parts_mut(why.cast::<u8>(), len) };
    let mut w = Truncating { buf, len: 0 };
    let Some(r) = refusal else {
        w.buf[0] = 0;
        return 0;
    };
    // Truncating never fails.
    let _ = core::fmt::write(&mut w, format_args!("{r}"));
    let end = w.len;
    w.buf[end] = 0;
    EREMOTEIO.to_errno()
}

const _: () = {
    type Check = unsafe extern "C" fn(
        *mut bindings::p2pmem_provider,
        bool,
        bool,
        *mut c_char,
        usize,
    ) -> c_int;
    let _: [Check; 2] = [bindings::p2pmem_pin_check, p2pmem_pin_check];
};
