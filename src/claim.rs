// SPDX-License-Identifier: GPL-2.0

//! Claims (`rust/claim.c`): whether a client that maps provider pages with the plain DMA API
//! gets correct addresses, and the "0 / 1 / PCI address" control values that select a provider.

use kernel::{
    pci,
    prelude::*, //
};

use crate::{
    display::Shown,
    ffi::{
        pci::PciFn,
        vcache, //
    },
    host_bridge::Snapshot,
    policy::{
        dma_api::{
            self,
            DmaApiFacts,
            DmaApiRefusal, //
        },
        selection::Selection,
        topology::PciFunction,
    },
};

/// [`dma_api::check`] on the live functions, logging (rate-limited) why not when `verbose`.
///
/// `EREMOTEIO` when P2P is impossible, `EXDEV` when the DMA API would give a wrong address.
pub(crate) fn dma_api_check(
    provider: &pci::Device,
    client: &pci::Device,
    facts: &DmaApiFacts,
    verbose: bool,
) -> Result {
    let allowed = Snapshot::take();
    let r = dma_api::check(
        &PciFn::new(provider),
        &PciFn::new(client),
        &allowed.policy(),
        facts,
    );
    let Err(refusal) = r else {
        return Ok(());
    };
    if verbose && vcache::refusal_ratelimit() {
        dev_err!(
            client,
            "p2pmem: its DMA mappings of {}'s memory would be wrong: {}\n",
            PciFn::new(provider).addr(),
            Shown(refusal)
        );
    }
    match refusal {
        DmaApiRefusal::NotSupported(_) => Err(EREMOTEIO),
        _ => Err(EXDEV),
    }
}

/// A control value as written by the user; `EINVAL` when it is neither a boolean nor an address.
pub(crate) fn parse_selection(bytes: &[u8]) -> Result<Selection> {
    let s = core::str::from_utf8(bytes).map_err(|_| EINVAL)?;
    Selection::parse(s).map_err(|_| EINVAL)
}
