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
    new_mutex,
    pci,
    prelude::*,
    sync::{
        aref::ARef,
        atomic::{
            AtomicFlag,
            Relaxed, //
        },
        Arc,
        Mutex, //
    },
    time::msecs_to_jiffies,
    workqueue::{
        self,
        impl_has_delayed_work,
        new_delayed_work,
        DelayedWork,
        WorkItem, //
    }, //
};

use crate::{
    display::Shown,
    ffi::{
        c_callback::CCallback,
        dma, iommu,
        params::claim_revoke_timeout,
        pci::{
            self as kpci,
            pci_parent_of,
            PciFn, //
        },
        provider::{
            rand_below,
            ProviderRef,
            Revoke,
            RevokeRegistration,
            Sgl, //
        },
        ratelimit::{
            dev_info_ratelimited,
            pr_info_ratelimited, //
        },
        workqueue::cancel_delayed_sync,
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
    registry::{
        provider_of,
        published,
        published_on, //
    },
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
        pr_info_ratelimited!(
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
            pr_info_ratelimited!("no PCI device {}\n", addr);
            Err(ENODEV)
        }
        Some(pdev) if !published_on(&pdev) => {
            dev_info_ratelimited!(
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

/// The most seconds `claim_revoke_timeout` counts for.
const REVOKE_TIMEOUT_MAX: u32 = 3600;

/// What [`Expire`] changes under its lock.
struct ExpireState {
    /// The owner's callback (`p2pmem_claim_set_expire()`), `None` for none.
    callback: Option<CCallback>,
    /// The provider was revoked.
    revoked: bool,
    /// The deadline was started (at most once per claim), with this many seconds.
    armed: Option<u32>,
}

/// A claim's deadline after its provider's revocation: if the provider still has allocations
/// `claim_revoke_timeout` seconds after it, the owner's callback runs, once, from the system
/// workqueue. The claim cancels it, and waits for it, before it is freed.
#[pin_data]
struct Expire {
    #[pin]
    work: DelayedWork<Expire>,
    provider: ProviderRef,
    who: [u8; WHO_LEN],
    who_len: usize,
    #[pin]
    state: Mutex<ExpireState>,
}

impl_has_delayed_work! {
    impl HasDelayedWork<Self> for Expire { self.work }
}

impl Expire {
    fn who(&self) -> &str {
        text(&self.who[..self.who_len])
    }

    /// Starts the deadline once the provider is revoked and a callback is set, unless it was
    /// started already.
    fn arm(this: &Arc<Self>, s: &mut ExpireState) {
        if !s.revoked || s.callback.is_none() || s.armed.is_some() {
            return;
        }
        let secs = claim_revoke_timeout().min(REVOKE_TIMEOUT_MAX);
        s.armed = Some(secs);
        // Not pending before (armed once): the enqueue cannot fail.
        let _ = workqueue::system().enqueue_delayed(this.clone(), msecs_to_jiffies(secs * 1000));
    }
}

impl WorkItem for Expire {
    type Pointer = Arc<Expire>;

    fn run(this: Arc<Expire>) {
        let held = this.provider.allocations();
        if held == 0 {
            return;
        }
        let (callback, secs) = {
            let s = this.state.lock();
            (s.callback, s.armed.unwrap_or_default())
        };
        let Some(callback) = callback else {
            return;
        };
        pr_warn!(
            "{}: {} allocations of {} still allocated {} s after its revocation; ending its I/O\n",
            this.who(),
            held,
            name_of(this.provider.device()),
            secs
        );
        callback.call();
    }
}

/// A consumer's hold on one provider: allocations fail once the provider starts going away.
///
/// Dropped only once unregistered from the provider (as the data of a [`Held`]), so that no
/// revocation starts its deadline any more.
pub(crate) struct Claim {
    revoked: AtomicFlag,
    expire: Arc<Expire>,
}

impl Claim {
    fn who(&self) -> &str {
        self.expire.who()
    }
}

impl Drop for Claim {
    fn drop(&mut self) {
        // The callback never runs after `p2pmem_unclaim()`: nothing arms it any more.
        cancel_delayed_sync(&self.expire);
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
        let mut s = self.expire.state.lock();
        s.revoked = true;
        Expire::arm(&self.expire, &mut s);
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
        Some(pdev) => provider_of(pdev).ok_or_else(|| {
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
    let mut who_buf = [0; WHO_LEN];
    who_buf[..kept.len()].copy_from_slice(kept);
    let expire_provider = provider.clone();
    let expire = Arc::pin_init(
        pin_init!(Expire {
            work <- new_delayed_work!("p2pmem_claim::expire"),
            provider: expire_provider,
            who: who_buf,
            who_len: kept.len(),
            state <- new_mutex!(ExpireState {
                callback: None,
                revoked: false,
                armed: None,
            }),
        }),
        GFP_KERNEL,
    )?;
    let c = Claim {
        revoked: AtomicFlag::new(false),
        expire,
    };
    RevokeRegistration::new(provider, c)
}

/// `p2pmem_claim_set_expire()`: sets (or with `None` clears) the owner's callback; starts the
/// deadline if the provider was revoked already.
pub(crate) fn set_expire(c: &Held, callback: Option<CCallback>) {
    let mut s = c.expire.state.lock();
    s.callback = callback;
    Expire::arm(&c.expire, &mut s);
}

/// `p2pmem_claim_alloc_sgl()`: `None` once the provider is going away, or when its pool is
/// exhausted.
pub(crate) fn alloc_sgl(c: &Held, length: u32, pages: bool) -> Option<Sgl<'_>> {
    if c.revoked.load(Relaxed) {
        return None;
    }
    c.provider().alloc_sgl(length, pages)
}
