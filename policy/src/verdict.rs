// SPDX-License-Identifier: GPL-2.0

//! Can a client DMA to a provider's memory, how, over what distance, and why.
//!
//! The semantics are those of `calc_map_type_and_dist()` in Linux 7.3 `drivers/pci/p2pdma.c`:
//!
//! - The distance counts bridge hops from each side up to the common upstream bridge, summed:
//!   same function 0, two functions of one device 2, two devices below one switch 4. Without a
//!   common upstream bridge it is the sum of both chains' lengths.
//! - ACS P2P Request Redirect, Completion Redirect or Egress Control on any function of the
//!   provider's chain up to and including the common bridge, or of the client's chain below it,
//!   sends the traffic through the host bridge.
//! - Traffic through the host bridge is allowed by [`HostBridgePolicy`].
//!
//! One deliberate difference: a provider and client that are the same function are always
//! `BUS_ADDR` at distance 0. The in-tree code reports a redirect when that function itself has
//! ACS redirect bits set, but a function's DMA to its own BAR crosses no port.

use core::fmt;

use super::{
    host_bridge::{
        HostBridgeDecision,
        HostBridgePolicy, //
    },
    pci_addr::PciAddr,
    topology::{
        Acs,
        PciFunction, //
        PciId,
    },
};

/// How a client reaches a provider's memory (`enum pci_p2pdma_map_type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MapType {
    /// Directly, by PCI bus address: the switch routes the TLPs.
    BusAddr,
    /// Through the host bridge, which is allowed to route them; mapped like MMIO.
    ThruHostBridge,
    /// Not at all.
    NotSupported,
}

impl MapType {
    /// The in-tree name: `BUS_ADDR`, `THRU_HOST_BRIDGE`, `NOT_SUPPORTED`.
    pub const fn as_str(&self) -> &'static str {
        match self {
            Self::BusAddr => "BUS_ADDR",
            Self::ThruHostBridge => "THRU_HOST_BRIDGE",
            Self::NotSupported => "NOT_SUPPORTED",
        }
    }
}

impl fmt::Display for MapType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How many redirecting ports a verdict names; more are counted, not named.
pub const MAX_ACS_PORTS: usize = 8;

/// The ports with ACS redirect bits on a path, in walk order (provider side first).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AcsPorts {
    ports: [(PciAddr, u16); MAX_ACS_PORTS],
    len: usize,
    unnamed: usize,
}

impl AcsPorts {
    const fn new() -> Self {
        Self {
            ports: [(PciAddr::from_devfn(0, 0, 0), 0); MAX_ACS_PORTS],
            len: 0,
            unnamed: 0,
        }
    }

    fn push(&mut self, addr: PciAddr, bits: u16) {
        if self.len < MAX_ACS_PORTS {
            self.ports[self.len] = (addr, bits);
            self.len += 1;
        } else {
            self.unnamed += 1;
        }
    }

    /// Whether no port redirects.
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Number of redirecting ports, named or not.
    pub const fn count(&self) -> usize {
        self.len + self.unnamed
    }

    /// The named ports and their redirect bits ([`Acs::REDIRECT`] subset).
    pub fn iter(&self) -> impl Iterator<Item = (PciAddr, u16)> + '_ {
        self.ports[..self.len].iter().copied()
    }

    /// The list as `pci=disable_acs_redir=` takes it: addresses separated by `;`.
    pub fn kernel_param(&self) -> impl fmt::Display + '_ {
        Separated(self, ";")
    }
}

struct Separated<'a>(&'a AcsPorts, &'static str);

impl fmt::Display for Separated<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (addr, _)) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(self.1)?;
            }
            write!(f, "{addr}")?;
        }
        Ok(())
    }
}

/// Names of the ACS redirect bits in `bits`, e.g. "P2P Request Redirect".
struct AcsBitNames(u16);

impl fmt::Display for AcsBitNames {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = [
            (Acs::RR, "P2P Request Redirect"),
            (Acs::CR, "P2P Completion Redirect"),
            (Acs::EC, "P2P Egress Control"),
        ];
        let mut first = true;
        for (bit, name) in names {
            if self.0 & bit != 0 {
                if !first {
                    f.write_str(" and ")?;
                }
                f.write_str(name)?;
                first = false;
            }
        }
        Ok(())
    }
}

/// The path between provider and client, as the walk found it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// Provider and client are the same function.
    SameFunction,
    /// A common upstream bridge with no ACS redirect on the path.
    Common {
        /// The lowest bridge (or function) above both.
        bridge: PciAddr,
    },
    /// A common upstream bridge, but ports on the path redirect P2P traffic upstream.
    AcsRedirect {
        /// The lowest bridge above both.
        bridge: PciAddr,
        /// The redirecting ports.
        ports: AcsPorts,
    },
    /// No common upstream bridge: the path goes through host bridge(s).
    NoCommonBridge,
}

/// The answer for one (provider, client) pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Verdict {
    /// How the client maps the provider's memory.
    pub map_type: MapType,
    /// Bridge hops (see the module documentation).
    pub distance: u32,
    /// The path found.
    pub route: Route,
    /// The host-bridge decision, when the path goes through the host bridge.
    pub host_bridge: Option<HostBridgeDecision>,
}

impl Verdict {
    /// Whether P2P is possible at all.
    pub const fn possible(&self) -> bool {
        !matches!(self.map_type, MapType::NotSupported)
    }

    /// A sentence naming the deciding bridge and cause, and the fix where there is one.
    pub fn reason(&self) -> impl fmt::Display + '_ {
        Reason(self)
    }

    /// A stable name of the path found, for programs: `same_function`,
    /// `common_upstream_bridge`, `acs_redirect` or `no_common_upstream_bridge`; with the
    /// last two, [`HostBridgeDecision::code`] says whether the host bridge routes it.
    pub const fn cause(&self) -> &'static str {
        match self.route {
            Route::SameFunction => "same_function",
            Route::Common { .. } => "common_upstream_bridge",
            Route::AcsRedirect { .. } => "acs_redirect",
            Route::NoCommonBridge => "no_common_upstream_bridge",
        }
    }

    /// What an administrator can change to allow P2P, when it is refused and there is such a
    /// change: the one [`Verdict::reason`] names.
    pub fn fix(&self) -> Option<Fix<'_>> {
        match (&self.route, &self.host_bridge) {
            (_, Some(d)) if d.allowed() => None,
            (Route::AcsRedirect { ports, .. }, Some(_)) => Some(Fix::DisableAcsRedirect(ports)),
            (Route::NoCommonBridge, Some(HostBridgeDecision::NotAllowed(id))) => {
                Some(Fix::AllowHostBridge(*id))
            }
            _ => None,
        }
    }
}

/// A change that allows a refused P2P path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fix<'a> {
    /// Boot with `pci=disable_acs_redir=` naming these ports.
    DisableAcsRedirect(&'a AcsPorts),
    /// Allow this host bridge at run time.
    AllowHostBridge(PciId),
}

impl fmt::Display for Fix<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::DisableAcsRedirect(ports) => {
                write!(
                    f,
                    "boot with pci=disable_acs_redir={}",
                    ports.kernel_param()
                )
            }
            Self::AllowHostBridge(id) => {
                write!(f, "echo {id} > /sys/class/p2pmem/host_bridge_allow")
            }
        }
    }
}

impl fmt::Display for HostBridgeDecision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::AllowedByCpu(cpu) => write!(
                f,
                "the AMD CPU (family {:#x}, Zen or newer) routes P2P through its host bridges",
                cpu.family
            ),
            Self::AllowedSame(id) => write!(f, "host bridge {id} is allowed"),
            Self::AllowedBoth(a, b) => write!(f, "host bridges {a} and {b} are both allowed"),
            Self::Unidentified(hb) => write!(
                f,
                "root bus {} has no device at 00.0 or root port that identifies its host bridge",
                hb.root_bus
            ),
            Self::NotAllowed(id) => write!(f, "host bridge {id} is not allowed"),
            Self::SameBridgeOnly(id) => write!(
                f,
                "host bridge {id} is allowed only for P2P below itself, and the devices are \
                 below two host bridges"
            ),
        }
    }
}

struct Reason<'a>(&'a Verdict);

impl fmt::Display for Reason<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = self.0;
        match (&v.route, &v.host_bridge) {
            (Route::SameFunction, _) => f.write_str("provider and client are the same function"),
            (Route::Common { bridge }, _) => write!(
                f,
                "common upstream bridge {bridge}, no ACS redirect on the path"
            ),
            (Route::AcsRedirect { ports, .. }, hb) => {
                let mut named = ports.iter();
                match (ports.count(), named.next()) {
                    (1, Some((addr, bits))) => {
                        write!(f, "ACS {} set on {addr}", AcsBitNames(bits))?
                    }
                    _ => {
                        f.write_str("ACS redirect set on")?;
                        for (i, (addr, bits)) in ports.iter().enumerate() {
                            let sep = if i == 0 { " " } else { ", " };
                            write!(f, "{sep}{addr} ({})", AcsBitNames(bits))?;
                        }
                        if ports.unnamed > 0 {
                            write!(f, " and {} more", ports.unnamed)?;
                        }
                    }
                }
                match (hb, v.fix()) {
                    (Some(d), _) if d.allowed() => write!(f, "; through the host bridge: {d}"),
                    (Some(d), Some(fix)) => write!(f, "; {d}; {fix} to allow P2P"),
                    (Some(d), None) => write!(f, "; {d}"),
                    (None, _) => Ok(()),
                }
            }
            (Route::NoCommonBridge, Some(d)) if d.allowed() => {
                write!(f, "no common upstream bridge; {d}")
            }
            (Route::NoCommonBridge, Some(d)) => {
                write!(f, "no common upstream bridge and {d}")?;
                match v.fix() {
                    Some(fix) => write!(f, "; if it routes P2P, allow it: {fix}"),
                    None => Ok(()),
                }
            }
            (Route::NoCommonBridge, None) => f.write_str("no common upstream bridge"),
        }
    }
}

/// The verdict for `client` using `provider`'s memory.
pub fn verdict<F: PciFunction>(provider: &F, client: &F, policy: &HostBridgePolicy<'_>) -> Verdict {
    fn note_acs<F: PciFunction>(f: &F, acs: &mut AcsPorts) {
        if let Some(bits) = f.acs().map(|a| a.redirect_bits()).filter(|b| *b != 0) {
            acs.push(f.addr(), bits);
        }
    }
    let mut acs = AcsPorts::new();

    if provider.is(client) {
        return Verdict {
            map_type: MapType::BusAddr,
            distance: 0,
            route: Route::SameFunction,
            host_bridge: None,
        };
    }

    // Walk up from the provider; for each function, look for it on the client's chain.
    let mut dist_a = 0u32;
    let mut dist_b = 0u32;
    let mut a = Some(provider.clone());
    let mut common = None;
    while let Some(af) = a {
        dist_b = 0;
        note_acs(&af, &mut acs);
        let mut bb = Some(client.clone());
        while let Some(bf) = bb {
            if bf.is(&af) {
                common = Some(af.clone());
                break;
            }
            bb = bf.upstream_bridge();
            dist_b += 1;
        }
        if common.is_some() {
            break;
        }
        a = af.upstream_bridge();
        dist_a += 1;
    }
    let distance = dist_a + dist_b;

    let route = match common {
        Some(common) => {
            let bridge = common.addr();
            // The client's side below the common bridge.
            let mut bb = Some(client.clone());
            while let Some(bf) = bb {
                if bf.is(&common) {
                    break;
                }
                note_acs(&bf, &mut acs);
                bb = bf.upstream_bridge();
            }
            if acs.is_empty() {
                return Verdict {
                    map_type: MapType::BusAddr,
                    distance,
                    route: Route::Common { bridge },
                    host_bridge: None,
                };
            }
            Route::AcsRedirect { bridge, ports: acs }
        }
        None => Route::NoCommonBridge,
    };

    let decision = policy.decide_for(provider, client);
    Verdict {
        map_type: if decision.allowed() {
            MapType::ThruHostBridge
        } else {
            MapType::NotSupported
        },
        distance,
        route,
        host_bridge: Some(decision),
    }
}

/// `pci_p2pdma_distance_many()`: the summed distance from `provider` to every client, or the
/// first client (by position) that cannot use it and its verdict.
pub fn distance_many<F, I>(
    provider: &F,
    clients: I,
    policy: &HostBridgePolicy<'_>,
) -> Result<u32, (usize, Verdict)>
where
    F: PciFunction,
    I: IntoIterator<Item = F>,
{
    let mut total = 0u32;
    for (i, c) in clients.into_iter().enumerate() {
        let v = verdict(provider, &c, policy);
        if !v.possible() {
            return Err((i, v));
        }
        total = total.saturating_add(v.distance);
    }
    Ok(total)
}

/// `pci_p2pmem_find_many()`: among `providers`, the one closest to all `clients` (smallest
/// [`distance_many`]), chosen uniformly at random among equals with `rand_below(n)`, which
/// returns a number in `0..n`. Each provider comes with a tag `T` (e.g. the provider object
/// behind the PCI function: one function may have several), returned with the choice and the
/// summed distance. `None` when no provider serves every client.
pub fn find_closest<T, F, P, C>(
    providers: P,
    clients: C,
    policy: &HostBridgePolicy<'_>,
    rand_below: &mut dyn FnMut(u32) -> u32,
) -> Option<(T, u32)>
where
    F: PciFunction,
    P: IntoIterator<Item = (T, F)>,
    C: IntoIterator<Item = F> + Clone,
{
    let mut best: Option<(T, u32)> = None;
    let mut ties = 0u32;
    for (tag, p) in providers {
        let Ok(d) = distance_many(&p, clients.clone(), policy) else {
            continue;
        };
        match &best {
            Some((_, bd)) if d > *bd => {}
            Some((_, bd)) if d == *bd => {
                // Reservoir sampling: the k-th of k equals replaces the choice with chance 1/k.
                ties += 1;
                if rand_below(ties) == 0 {
                    best = Some((tag, d));
                }
            }
            _ => {
                best = Some((tag, d));
                ties = 1;
            }
        }
    }
    best
}
