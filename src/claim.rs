// SPDX-License-Identifier: GPL-2.0

//! Claims: a consumer's verified, revocable hold on one provider for a set of clients, and the
//! "0 / 1 / PCI address" control values that select it (the in-tree `pci_p2pdma_enable_store()`
//! and `_show()` helpers). nvmet is the user this was written for; see
//! Documentation/p2pmem/nvmet.rst.
//!
//! Also whether a client that maps provider pages with the plain DMA API gets correct
//! addresses ([`dma_api_check`]), which a claim checks for every client.

use core::fmt::{
    self,
    Write, //
};

use kernel::{
    device,
    pci,
    prelude::*,
    sync::{
        aref::ARef,
        atomic::{
            AtomicFlag,
            Relaxed, //
        },
    }, //
};

use crate::{
    display::Shown,
    ffi::{
        dma, iommu,
        pci::{
            self as kpci,
            pci_parent_of,
            PciFn, //
        },
        provider::{
            published,
            published_on,
            rand_below,
            ProviderRef,
            Revoke,
            RevokeRegistration,
            Sgl, //
        },
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
        verdict::find_closest,
    },
    refusal,
};

/// Whether an IOMMU translates `dev`'s DMA: the one rule ([`dma_api::iommu_translates`]) on
/// the domain it is attached to now.
pub(crate) fn iommu_translates(dev: &device::Device) -> bool {
    dma_api::iommu_translates(iommu::domain_type(dev))
}

/// How `client`'s DMA API would map `provider`'s memory.
pub(crate) fn dma_api_facts(provider: &ProviderRef, client: &device::Device) -> DmaApiFacts {
    let r = provider.range();
    DmaApiFacts {
        bus_offset: r.bus_offset,
        bus_start: r.start.wrapping_add(r.bus_offset),
        len: r.len,
        dma_mask: dma::limit(client),
        iommu_translates: iommu_translates(client),
        force_bounce: dma::swiotlb_force_bounce(client),
    }
}

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
    if verbose && refusal::may_log() {
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

/// `p2pmem_dma_api_check()`: whether `client` (resolved to the nearest PCI function above it;
/// `EINVAL` when there is none) may map `provider`'s pages with the plain DMA API.
pub(crate) fn dma_api_check_client(
    provider: &ProviderRef,
    client: &device::Device,
    verbose: bool,
) -> Result {
    let client = pci_parent_of(client).ok_or(EINVAL)?;
    let facts = dma_api_facts(provider, client.as_ref());
    dma_api_check(provider.pci(), client, &facts, verbose)
}

/// A control value as written by the user; `EINVAL` when it is neither a boolean nor an address.
pub(crate) fn parse_selection(bytes: &[u8]) -> Result<Selection> {
    let s = core::str::from_utf8(bytes).map_err(|_| EINVAL)?;
    Selection::parse(s).map_err(|_| EINVAL)
}

/// What `p2pmem_enable_store()` makes of a value: whether to use p2pmem, and the provider's
/// PCI function (referenced) when one is named, or why it cannot be used.
pub(crate) struct Enable {
    /// p2pmem is to be used.
    pub(crate) use_p2pmem: bool,
    /// The named function, `None` when none is named; `ENODEV` when it does not exist or has
    /// no published p2pmem (logged).
    pub(crate) provider: Result<Option<ARef<pci::Device>>>,
}

/// `p2pmem_enable_store()`: parses `value`; `EINVAL` (logged) when it is neither a boolean nor
/// a PCI address.
pub(crate) fn enable_store(value: &[u8]) -> Result<Enable> {
    let sel = parse_selection(value).inspect_err(|_| {
        let line = value.split(|&b| b == b'\n').next().unwrap_or_default();
        let shown = &line[..line.len().min(64)];
        pr_err!(
            "'{}' is not 0, 1 or a PCI address such as 0000:03:00.0\n",
            text(shown)
        );
    })?;
    let addr = match sel {
        Selection::Off | Selection::Any => {
            return Ok(Enable {
                use_p2pmem: sel != Selection::Off,
                provider: Ok(None),
            })
        }
        Selection::Provider(addr) => addr,
    };
    let provider = match kpci::get(addr) {
        None => {
            pr_err!("no PCI device {}\n", addr);
            Err(ENODEV)
        }
        Some(pdev) if !published_on(&pdev) => {
            dev_err!(
                pdev.as_ref(),
                "p2pmem: this device has no published peer-to-peer memory (see /sys/class/p2pmem)\n"
            );
            Err(ENODEV)
        }
        Some(pdev) => Ok(Some(pdev)),
    };
    Ok(Enable {
        use_p2pmem: true,
        provider,
    })
}

/// `p2pmem_enable_show()`: `0`, `1` or the address of `provider`, with a newline.
pub(crate) fn enable_show(
    w: &mut impl Write,
    provider: Option<&pci::Device>,
    use_p2pmem: bool,
) -> fmt::Result {
    match (use_p2pmem, provider) {
        (false, _) => w.write_str("0\n"),
        (true, None) => w.write_str("1\n"),
        (true, Some(pdev)) => writeln!(w, "{}", name_of(pdev.as_ref())),
    }
}

/// The published provider closest to `clients` (`p2pmem_find_many()`), referenced; verdicts
/// computed afresh, ties broken at random.
pub(crate) fn find_many(clients: &[&pci::Device]) -> Option<ProviderRef> {
    let mut fns = KVec::with_capacity(clients.len(), GFP_KERNEL).ok()?;
    for &c in clients {
        fns.push(PciFn::new(c), GFP_KERNEL).ok()?;
    }
    let providers = published().ok()?;
    let allowed = Snapshot::take();
    let candidates = providers.iter().map(|p| (p, PciFn::new(p.pci())));
    let chosen = find_closest(
        candidates,
        fns.iter().cloned(),
        &allowed.policy(),
        &mut rand_below,
    );
    chosen.map(|(p, _)| p.clone())
}

/// The longest consumer name a claim keeps (as `strscpy()` into 32 bytes).
const WHO_LEN: usize = 31;

/// `b` as text, for messages: up to its first byte that is not UTF-8.
fn text(b: &[u8]) -> &str {
    match core::str::from_utf8(b) {
        Ok(s) => s,
        Err(e) => core::str::from_utf8(&b[..e.valid_up_to()]).unwrap_or_default(),
    }
}

/// A device's name, for messages.
fn name_of(dev: &device::Device) -> &str {
    text(dev.name().to_bytes())
}

/// A consumer's hold on one provider: allocations fail once the provider starts going away.
pub(crate) struct Claim {
    who: [u8; WHO_LEN],
    who_len: usize,
    revoked: AtomicFlag,
}

impl Claim {
    fn who(&self) -> &str {
        text(&self.who[..self.who_len])
    }
}

impl Revoke for Claim {
    fn revoke(&self, provider: &ProviderRef) {
        self.revoked.store(true, Relaxed);
        pr_info!(
            "{}: {} is going away; using system memory from now on\n",
            self.who(),
            name_of(provider.device())
        );
    }
}

/// A claim as the C API hands it out.
pub(crate) type Held = RevokeRegistration<Claim>;

/// `p2pmem_claim()`: the provider of `p2p_dev`, or the closest published one, checked for every
/// client (`None` entries are clients without a device), and watched for revocation.
pub(crate) fn claim(
    p2p_dev: Option<&pci::Device>,
    clients: &[Option<&device::Device>],
    who: &[u8],
) -> Result<Pin<KBox<Held>>> {
    let name = text(who);
    let Some(&first) = clients.first() else {
        return Err(EINVAL);
    };
    if clients.iter().any(Option::is_none) {
        pr_err!("{}: a client has no device, so no P2P DMA\n", name);
        return Err(EINVAL);
    }
    let devs = || clients.iter().flatten().copied();

    let provider = match p2p_dev {
        Some(pdev) => ProviderRef::get(pdev).ok_or_else(|| {
            dev_err!(
                pdev.as_ref(),
                "p2pmem: {}: this device provides no p2pmem\n",
                name
            );
            ENODEV
        })?,
        None => {
            let mut fns = KVec::with_capacity(clients.len(), GFP_KERNEL)?;
            let mut all_pci = true;
            for d in devs() {
                match pci_parent_of(d) {
                    Some(f) => fns.push(f, GFP_KERNEL)?,
                    None => all_pci = false,
                }
            }
            let found = if all_pci { find_many(&fns) } else { None };
            found.ok_or_else(|| {
                pr_err!(
                    "{}: no published provider can be reached by {}{}\n",
                    name,
                    first.map_or("?", name_of),
                    if clients.len() > 1 {
                        " and the other clients"
                    } else {
                        ""
                    }
                );
                ENODEV
            })?
        }
    };

    // The clients' drivers map the pages with the plain DMA API: it must be correct.
    for c in devs() {
        dma_api_check_client(&provider, c, true).inspect_err(|_| {
            pr_err!(
                "{}: {} cannot use {} (see the reason above)\n",
                name,
                name_of(c),
                name_of(provider.device())
            );
        })?;
    }

    let kept = &who[..who.len().min(WHO_LEN)];
    let mut c = Claim {
        who: [0; WHO_LEN],
        who_len: kept.len(),
        revoked: AtomicFlag::new(false),
    };
    c.who[..kept.len()].copy_from_slice(kept);
    RevokeRegistration::new(provider, c)
}

/// `p2pmem_claim_alloc_sgl()`: `None` once the provider is going away, or when its pool is
/// exhausted.
pub(crate) fn alloc_sgl(c: &Held, length: u32, pages: bool) -> Option<Sgl<'_>> {
    if c.revoked.load(Relaxed) {
        return None;
    }
    c.provider().alloc_sgl(length, pages)
}
