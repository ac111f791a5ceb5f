// SPDX-License-Identifier: GPL-2.0

//! The command line's definition, and nothing else: `build.rs` includes this file too, to
//! generate the shell completions and the man page from it, so it needs only clap and the
//! policy crate.

use std::path::PathBuf;

use clap::{
    Parser,
    Subcommand, //
};
use p2pmem_policy::{pci_addr::PciAddr, topology::PciId};

/// Peer-to-peer PCI memory: providers, verdicts, the PCI tree and the module's controls.
///
/// Exit status: 0 success (for check: every client can do P2P), 1 check found a client that
/// cannot, 2 error (including a verdict that cannot be decided without root).
#[derive(Debug, Parser)]
#[command(name = "p2pmem", version)]
pub struct Cli {
    /// Print JSON on stdout (field names: tools/p2pmem/README.md)
    #[arg(long, global = true)]
    pub json: bool,

    /// Where sysfs is mounted; debugfs is read at ROOT/kernel/debug
    #[arg(long, global = true, value_name = "ROOT", default_value = "/sys")]
    pub sysfs: PathBuf,

    /// Where procfs is mounted
    #[arg(
        long = "proc",
        global = true,
        value_name = "ROOT",
        default_value = "/proc"
    )]
    pub proc_root: PathBuf,

    /// Where the device nodes are: the kernel log is read at ROOT/kmsg
    #[arg(
        long = "dev",
        global = true,
        value_name = "ROOT",
        default_value = "/dev"
    )]
    pub dev_root: PathBuf,

    /// The PCI ID database for vendor and device names [default: /usr/share/misc/pci.ids, else
    /// /usr/share/hwdata/pci.ids; neither: IDs only]
    #[arg(long, global = true, value_name = "FILE")]
    pub pci_ids: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the providers (/sys/class/p2pmem/p2pmemN)
    List,

    /// Can each CLIENT DMA to PROVIDER's memory: map type, distance and why
    ///
    /// Asks the module's query file when it can be used, else computes the verdicts from
    /// sysfs and config space with the module's policy code (config space must be readable
    /// in full: run as root). Exit status 0 when every client can do P2P, 1 when one cannot,
    /// 2 on error or when the verdict cannot be decided.
    Check {
        /// Compute the verdicts here even when the module could answer
        #[arg(long)]
        compute: bool,

        /// The function whose memory would be used ([DDDD:]BB:DD.F)
        #[arg(value_parser = parse_addr)]
        provider: PciAddr,

        /// The functions that would DMA to it
        #[arg(value_name = "CLIENT", required = true, value_parser = parse_addr)]
        clients: Vec<PciAddr>,
    },

    /// The verdict of every pair of PCI endpoints: rows provide the memory, columns use it
    ///
    /// Bridges are left out. Verdicts come from the module's query file when it can be used,
    /// else are computed from sysfs (run as root).
    Matrix {
        /// Only the rows of PCI functions that have a provider
        #[arg(long)]
        providers: bool,

        /// Compute the verdicts here even when the module could answer
        #[arg(long)]
        compute: bool,
    },

    /// Show the verdicts in-kernel users get now: the module's verdict cache
    /// (/sys/kernel/debug/p2pmem/cache, root only)
    Cache,

    /// Empty the module's verdict cache (/sys/class/p2pmem/flush): needed after ACS was
    /// changed with setpci, which sends no notification
    Flush,

    /// Show the PCI tree: root buses, bridges and endpoints with IDs, PCIe port types, ACS,
    /// bound drivers, providers and names from the PCI ID database
    Topo {
        /// Only this function and the functions below it (a bridge's subtree)
        #[arg(long, value_name = "FUNCTION", value_parser = parse_addr)]
        below: Option<PciAddr>,
    },

    /// Who holds a provider's memory: its counters in sysfs and the processes that map it
    ///
    /// PROVIDER is p2pmemN or the PCI function of its providers. The processes are found in
    /// /proc/PID/maps, mapping /dev/p2pmemN or the provider's allocate file (other users'
    /// processes only as root). In-kernel users (claims, p2pmem_alloc()) are not listed: the
    /// module does not expose them.
    Holders {
        /// p2pmemN, or a PCI function ([DDDD:]BB:DD.F)
        #[arg(value_parser = parse_provider)]
        provider: ProviderArg,
    },

    /// Make a BAR range of a PCI function a provider (/sys/class/p2pmem/wrap)
    #[command(
        override_usage = "p2pmem wrap [OPTIONS] [--force] <FUNCTION> <BAR> [SIZE [OFFSET]]\n       \
                                p2pmem wrap [OPTIONS] --list"
    )]
    Wrap {
        /// List the wraps instead
        #[arg(long, conflicts_with_all = ["function", "bar", "size", "offset", "force"])]
        list: bool,

        /// The PCI function ([DDDD:]BB:DD.F)
        #[arg(required_unless_present = "list", value_parser = parse_addr)]
        function: Option<PciAddr>,

        /// Its memory BAR, 0 to 5
        #[arg(
            required_unless_present = "list",
            value_parser = clap::value_parser!(u8).range(0..=5)
        )]
        bar: Option<u8>,

        /// Bytes to wrap: decimal or 0x, K/M/G suffix; 0 or absent: the rest of the BAR
        size: Option<String>,

        /// Offset inside the BAR (default 0), same syntax
        offset: Option<String>,

        /// Wrap even though another driver is bound to the function or the BAR is not
        /// prefetchable
        #[arg(long)]
        force: bool,
    },

    /// Which memory BARs wrap would take whole, as they are or with --force, and why not
    ///
    /// For every PCI function (or FUNCTION): each memory BAR from its sysfs `resource` file,
    /// with the module's rules: placed by the PCI core (assigned, enabled, in the resource
    /// tree), prefetchable unless forced, aligned to 2 MiB at both ends, not already a
    /// provider, no driver bound (other than p2pmem_membar) unless forced, nothing requested
    /// inside it (/proc/iomem, root), and the kernel not locked down.
    Wrappable {
        /// Only this PCI function ([DDDD:]BB:DD.F)
        #[arg(value_parser = parse_addr)]
        function: Option<PciAddr>,
    },

    /// Remove the providers wrap made on a PCI function (/sys/class/p2pmem/unwrap)
    Unwrap {
        /// The PCI function ([DDDD:]BB:DD.F)
        #[arg(value_parser = parse_addr)]
        function: PciAddr,

        /// Only the wrap of this BAR
        #[arg(value_parser = clap::value_parser!(u8).range(0..=5))]
        bar: Option<u8>,
    },

    /// Allow P2P through a host bridge, stop allowing it, or list the allowlist
    /// (/sys/class/p2pmem/host_bridge_allow)
    #[command(
        override_usage = "p2pmem allow-host-bridge [OPTIONS] [--remove] <VENDOR:DEVICE>\n       \
                                p2pmem allow-host-bridge [OPTIONS] --list"
    )]
    AllowHostBridge {
        /// Remove the runtime entry instead
        #[arg(long)]
        remove: bool,

        /// List the runtime and built-in entries
        #[arg(long, conflicts_with_all = ["remove", "id"])]
        list: bool,

        /// The host bridge's vendor:device ID (hexadecimal, as lspci -n prints it)
        #[arg(
            value_name = "VENDOR:DEVICE",
            required_unless_present = "list",
            value_parser = parse_id
        )]
        id: Option<PciId>,
    },
}

/// A provider as `holders` takes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProviderArg {
    /// `p2pmemN`.
    Name(String),
    /// The PCI function of one or more providers.
    Function(PciAddr),
}

pub fn parse_provider(s: &str) -> Result<ProviderArg, String> {
    if let Some(n) = s.strip_prefix("p2pmem") {
        if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) {
            return Ok(ProviderArg::Name(s.to_string()));
        }
    }
    PciAddr::parse(s)
        .map(ProviderArg::Function)
        .map_err(|_| "not p2pmemN or a PCI address ([DDDD:]BB:DD.F, hexadecimal)".to_string())
}

pub fn parse_addr(s: &str) -> Result<PciAddr, String> {
    PciAddr::parse(s).map_err(|_| "not a PCI address ([DDDD:]BB:DD.F, hexadecimal)".to_string())
}

pub fn parse_id(s: &str) -> Result<PciId, String> {
    PciId::parse(s).ok_or_else(|| "not a vendor:device ID (vvvv:dddd, hexadecimal)".to_string())
}
