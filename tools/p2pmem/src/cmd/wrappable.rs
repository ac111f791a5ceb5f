// SPDX-License-Identifier: GPL-2.0

//! `p2pmem wrappable [FUNCTION]`: which memory BARs `wrap` would take whole, with or without
//! `force`, and why not for the others.
//!
//! The rules are the module's, from the policy crate: placement and prefetchability
//! (`policy::bar::check_placed`, `check_own`), alignment (`policy::provider_range::resolve`),
//! overlap with a provider (`policy::provider_range::overlaps`), the driver binding
//! (`policy::wrap::driver_rule`), and the line is checked by the module's parser. The facts come
//! from sysfs (`resource`, the `driver` link, the providers), `/proc/iomem` (whether the BAR is
//! in the resource tree, and what is requested inside it; root only) and the lockdown mode.

use std::io::{
    self,
    Write, //
};

use anyhow::{
    anyhow,
    Result, //
};
use p2pmem_policy::{
    bar::{
        check_own,
        check_placed,
        BarFacts,
        BarRefusal, //
    },
    pci_addr::PciAddr,
    provider_range::{
        overlaps,
        resolve, //
    },
    wrap::{
        driver_rule,
        DriverRule, //
    },
};
use serde::Serialize;

use crate::{
    cmd::wrap::{
        wrap_line,
        WrapArgs, //
    },
    output::{
        size_text,
        Out,
        Render, //
    },
    providers::{
        self,
        Provider, //
    },
    resources::{
        self,
        Iomem,
        Resource,
        IORESOURCE_DISABLED,
        IORESOURCE_MEM_64,
        IORESOURCE_PREFETCH,
        IORESOURCE_UNSET, //
    },
    sysfs::{
        self,
        Roots, //
    },
    topology::Topology,
};

/// The alignment `memremap_pages()` needs at both ends of a provider:
/// `memremap_compat_align()`, which is `SUBSECTION_SIZE` (2 MiB) on x86 and arm64. The module
/// asks the kernel; user space cannot, so this is that value (powerpc's is larger).
pub const COMPAT_ALIGN: u64 = 2 << 20;

/// Why a BAR cannot be wrapped as it is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Refusal {
    /// A stable name: `lockdown`, `unset`, `disabled`, `not_in_tree`, `not_prefetchable`,
    /// `range`, `provider`, `driver`, `busy`.
    pub rule: &'static str,
    /// Whether `force` overrides it.
    pub force_allows: bool,
    /// The reason, as a sentence.
    pub reason: String,
}

/// Whether `wrap` would take the whole BAR.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// As it is.
    Yes,
    /// Only with `force`.
    Force,
    /// Not even with `force`.
    No,
}

/// One memory BAR.
#[derive(Clone, Debug, Serialize)]
pub struct BarJson {
    /// The PCI function.
    pub function: String,
    /// The BAR number.
    pub bar: u8,
    /// CPU physical start, bytes.
    pub start: u64,
    /// Length, bytes.
    pub size: u64,
    /// `IORESOURCE_PREFETCH`.
    pub prefetchable: bool,
    /// A 64-bit BAR.
    pub mem64: bool,
    /// The driver bound to the function, `null` when none is.
    pub driver: Option<String>,
    /// Whether the BAR is in the resource tree; `null` when /proc/iomem hides it (not root).
    pub in_tree: Option<bool>,
    /// What has requested ranges inside it in /proc/iomem (a driver's name, `p2pmem`); `null`
    /// when that cannot be seen.
    pub requested_by: Option<Vec<String>>,
    /// Providers on this BAR.
    pub providers: Vec<String>,
    /// `yes`, `force` or `no`.
    pub verdict: Verdict,
    /// Why not, or why only with `force`; empty for `yes`.
    pub refusals: Vec<Refusal>,
    /// The line to write to /sys/class/p2pmem/wrap, `null` for `no`.
    pub wrap_line: Option<String>,
}

/// `wrappable --json`.
#[derive(Clone, Debug, Serialize)]
pub struct Wrappable {
    /// Whether the p2pmem class exists (wrap needs the module).
    pub module_loaded: bool,
    /// The kernel's lockdown mode (`none`, `integrity`, `confidentiality`), `null` when it
    /// cannot be read.
    pub lockdown: Option<String>,
    /// Whether /proc/iomem could be read with its addresses (root).
    pub iomem_known: bool,
    /// The memory BARs, by function and BAR.
    pub bars: Vec<BarJson>,
    /// The functions without a memory BAR.
    pub without_memory_bars: Vec<String>,
}

fn bar_refusal(bar: u8, why: BarRefusal, force_allows: bool) -> Refusal {
    Refusal {
        rule: match why {
            BarRefusal::Unset => "unset",
            BarRefusal::Disabled => "disabled",
            BarRefusal::NotInTree => "not_in_tree",
            BarRefusal::NotPrefetchable => "not_prefetchable",
        },
        force_allows,
        reason: format!("BAR {bar} {why}"),
    }
}

/// What is known of the system, shared by every BAR.
struct Facts<'a> {
    providers: &'a [Provider],
    iomem: &'a Iomem,
    lockdown: Option<&'a str>,
}

fn evaluate(
    addr: PciAddr,
    bar: u8,
    r: &Resource,
    driver: Option<&str>,
    facts: &Facts<'_>,
) -> Result<BarJson> {
    let name = addr.to_string();
    let claim = facts.iomem.claim(&name, r);
    let bar_facts = BarFacts {
        start: r.start,
        unset: r.flags & IORESOURCE_UNSET != 0,
        disabled: r.flags & IORESOURCE_DISABLED != 0,
        // Unknown (not root): the PCI core claims what it assigns, so assume it did.
        in_tree: claim.as_ref().is_none_or(|c| c.in_tree),
        prefetchable: r.flags & IORESOURCE_PREFETCH != 0,
    };
    let mut refusals = Vec::new();
    if let Some(mode) = facts.lockdown.filter(|m| *m != "none") {
        refusals.push(Refusal {
            rule: "lockdown",
            force_allows: false,
            reason: format!(
                "the kernel is locked down ({mode}), which forbids user space access to PCI BARs"
            ),
        });
    }
    match check_placed(&bar_facts) {
        Err(why) => refusals.push(bar_refusal(bar, why, false)),
        Ok(()) => {
            if let Err(why) = check_own(&bar_facts, false) {
                refusals.push(bar_refusal(bar, why, check_own(&bar_facts, true).is_ok()));
            }
            if let Err(e) = resolve(r.start, r.len(), 0, 0, COMPAT_ALIGN) {
                refusals.push(Refusal {
                    rule: "range",
                    force_allows: false,
                    reason: format!("BAR {bar}: {e}"),
                });
            }
        }
    }
    let on_bar: Vec<&Provider> = facts
        .providers
        .iter()
        .filter(|p| p.function.as_deref() == Some(name.as_str()) && p.bar == bar)
        .collect();
    let overlapping: Vec<&&Provider> = on_bar
        .iter()
        .filter(|p| overlaps(r.start, r.len(), r.start.wrapping_add(p.offset), p.size))
        .collect();
    if !overlapping.is_empty() {
        let covered: u64 = overlapping.iter().map(|p| p.size).sum();
        let names: Vec<&str> = overlapping.iter().map(|p| p.name.as_str()).collect();
        let rest = if covered < r.len() {
            "; the rest of the BAR can be wrapped with SIZE and OFFSET"
        } else {
            ""
        };
        refusals.push(Refusal {
            rule: "provider",
            force_allows: false,
            reason: format!("already a provider: {}{rest}", names.join(", ")),
        });
    }
    if let DriverRule::NeedsForce(d) = driver_rule(driver, false) {
        refusals.push(Refusal {
            rule: "driver",
            force_allows: true,
            reason: format!("bound to driver {d}, which may use it"),
        });
    }
    if let Some(c) = &claim {
        // A provider's own range is requested as p2pmem: the provider rule says it.
        let by: Vec<&str> = c
            .requested_by
            .iter()
            .map(String::as_str)
            .filter(|n| overlapping.is_empty() || *n != "p2pmem")
            .collect();
        if !by.is_empty() {
            refusals.push(Refusal {
                rule: "busy",
                force_allows: false,
                reason: format!("requested in /proc/iomem by {}", by.join(", ")),
            });
        }
    }
    let verdict = if refusals.iter().any(|r| !r.force_allows) {
        Verdict::No
    } else if refusals.is_empty() {
        Verdict::Yes
    } else {
        Verdict::Force
    };
    let wrap_line = match verdict {
        Verdict::No => None,
        v => Some(wrap_line(&WrapArgs {
            function: addr,
            bar,
            size: None,
            offset: None,
            force: v == Verdict::Force,
        })?),
    };
    Ok(BarJson {
        function: name,
        bar,
        start: r.start,
        size: r.len(),
        prefetchable: bar_facts.prefetchable,
        mem64: r.flags & IORESOURCE_MEM_64 != 0,
        driver: driver.map(str::to_string),
        in_tree: claim.as_ref().map(|c| c.in_tree),
        requested_by: claim.map(|c| c.requested_by),
        providers: on_bar.iter().map(|p| p.name.clone()).collect(),
        verdict,
        refusals,
        wrap_line,
    })
}

/// Evaluates every memory BAR of every function (or of `only`).
pub fn build(roots: &Roots, only: Option<PciAddr>) -> Result<Wrappable> {
    let topo = Topology::load(roots)?;
    if let Some(a) = only {
        topo.function(a)
            .ok_or_else(|| anyhow!("{a}: no such PCI function"))?;
    }
    let provs = providers::load(roots)?;
    let module_loaded = provs.is_some();
    let provs = provs.unwrap_or_default();
    let iomem = Iomem::load(&roots.proc)?;
    let lockdown = resources::lockdown(&roots.sys);
    let facts = Facts {
        providers: &provs,
        iomem: &iomem,
        lockdown: lockdown.as_deref(),
    };
    let mut bars = Vec::new();
    let mut without = Vec::new();
    for n in topo.nodes() {
        if only.is_some_and(|a| a != n.addr) {
            continue;
        }
        let dir = roots.pci_device(n.addr);
        let resources = resources::read_bars(&dir)?.unwrap_or_default();
        let driver = sysfs::driver(&dir)?;
        let mut any = false;
        for (i, r) in resources.iter().enumerate() {
            if !r.is_memory() {
                continue;
            }
            any = true;
            // CAST: at most 6 BARs.
            bars.push(evaluate(n.addr, i as u8, r, driver.as_deref(), &facts)?);
        }
        if !any {
            without.push(n.addr.to_string());
        }
    }
    Ok(Wrappable {
        module_loaded,
        lockdown,
        iomem_known: iomem.known(),
        bars,
        without_memory_bars: without,
    })
}

impl Render for Wrappable {
    fn text(&self, w: &mut dyn Write) -> io::Result<()> {
        for b in &self.bars {
            let mut kind = format!(
                "{} {}",
                size_text(b.size),
                if b.prefetchable {
                    "prefetchable"
                } else {
                    "non-prefetchable"
                }
            );
            if b.mem64 {
                kind += " 64-bit";
            }
            let driver = b
                .driver
                .as_ref()
                .map_or_else(|| "no driver".to_string(), |d| format!("driver {d}"));
            let verdict = match (b.verdict, &b.wrap_line) {
                (Verdict::Yes, Some(l)) => format!("yes: echo {l} > /sys/class/p2pmem/wrap"),
                (Verdict::Force, Some(l)) => {
                    format!("with force: echo {l} > /sys/class/p2pmem/wrap")
                }
                _ => "no".to_string(),
            };
            writeln!(
                w,
                "{} BAR {} ({kind}, {driver}): {verdict}",
                b.function, b.bar
            )?;
            for r in &b.refusals {
                let force = if r.force_allows {
                    " (force allows)"
                } else {
                    ""
                };
                writeln!(w, "  {}{force}", r.reason)?;
            }
        }
        if !self.without_memory_bars.is_empty() {
            writeln!(w, "no memory BAR: {}", self.without_memory_bars.join(" "))?;
        }
        Ok(())
    }
}

/// Prints the BARs; exit status 0.
pub fn run(roots: &Roots, only: Option<PciAddr>, out: &mut Out<'_>) -> Result<u8> {
    let wr = build(roots, only)?;
    if !wr.module_loaded {
        out.note(format!(
            "no {}: the p2pmem module is not loaded; wrap needs it",
            roots.class_dir().display()
        ));
    }
    if !wr.iomem_known {
        out.note(
            "/proc/iomem shows no addresses (not root?): whether each BAR is in the resource \
             tree, and whether a driver requested it (which force does not override), is not \
             known",
        );
    }
    out.emit(&wr)?;
    Ok(0)
}
