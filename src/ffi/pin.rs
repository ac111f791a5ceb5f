// SPDX-License-Identifier: GPL-2.0

//! `p2pmem_pinnable()`: whether user mappings of a provider may be pinned ([`pin::pinnable`]),
//! for `mmap` in `rust/chardev.c`.

use super::{
    bindings,
    provider::ProviderView, //
};
use crate::pin::{
    self,
    PinAllowed, //
};

/// `p2pmem_pinnable()`: see `rust/helpers.h`.
///
/// # Safety
///
/// `p` is a live provider for the call.
#[no_mangle]
unsafe extern "C" fn p2pmem_pinnable(
    p: *mut bindings::p2pmem_provider,
    any_client: bool,
    through_iommu: bool,
    when_bouncing: bool,
) -> bool {
    // SAFETY: `p` is live for the call (caller's contract).
    let Some(p) = (unsafe { ProviderView::from_raw(p) }) else {
        return false;
    };
    pin::pinnable(
        p,
        PinAllowed {
            any_client,
            through_iommu,
            when_bouncing,
        },
    )
}

const _: () = {
    type Check = unsafe extern "C" fn(*mut bindings::p2pmem_provider, bool, bool, bool) -> bool;
    let _: [Check; 2] = [bindings::p2pmem_pinnable, p2pmem_pinnable];
};
