// SPDX-License-Identifier: GPL-2.0

//! Fake sysfs and procfs trees in a temporary directory, laid out as the kernel lays them out:
//! `devices/pci0000:00/0000:00:10.0/0000:01:00.0/...`, the `bus/pci/devices` links, binary
//! `config` files with a PCI Express and an ACS capability, and p2pmem class directories.
//!
//! Also compiled into the integration tests (`tests/cli.rs`), so it uses nothing of the crate.

use std::{
    fs,
    os::unix::fs::symlink,
    path::{
        Path,
        PathBuf, //
    },
};

use p2pmem_policy::{
    pci_addr::PciAddr,
    synthetic::Node,
    topology::{
        Acs,
        PciId,
        PortType, //
    },
};
use tempfile::TempDir;

/// What goes into a function's config space.
#[derive(Clone, Copy, Debug)]
pub struct ConfigSpec {
    /// Vendor and device ID.
    pub id: PciId,
    /// PCIe Device/Port Type (`None`: conventional PCI, a 256-byte config space).
    pub pcie_type: Option<u8>,
    /// The ACS capability, at [`ACS_POS`] (PCIe functions only).
    pub acs: Option<Acs>,
    /// A type 1 (bridge) header.
    pub bridge: bool,
    /// The base class code (`0x06`: bridges, host bridges included).
    pub class: u8,
}

/// Where the ACS capability sits, as on QEMU's pcie-root-port.
pub const ACS_POS: usize = 0x148;

fn put16(c: &mut [u8], off: usize, v: u16) {
    c[off..off + 2].copy_from_slice(&v.to_le_bytes());
}

fn put32(c: &mut [u8], off: usize, v: u32) {
    c[off..off + 4].copy_from_slice(&v.to_le_bytes());
}

/// A config space: 4096 bytes for PCIe functions, 256 for conventional ones. The standard
/// capability list has a power management capability at 0x40, then PCI Express at 0x60; the
/// extended list AER at 0x100, then ACS at [`ACS_POS`].
pub fn config_bytes(spec: &ConfigSpec) -> Vec<u8> {
    let mut c = vec![0u8; if spec.pcie_type.is_some() { 4096 } else { 256 }];
    put16(&mut c, 0x00, spec.id.vendor);
    put16(&mut c, 0x02, spec.id.device);
    put16(&mut c, 0x06, 0x0010); // status: capability list
    c[0x0b] = spec.class;
    c[0x0e] = u8::from(spec.bridge);
    c[0x34] = 0x40;
    c[0x40] = 0x01; // power management
    if let Some(t) = spec.pcie_type {
        c[0x41] = 0x60;
        c[0x60] = 0x10; // PCI Express
        put16(&mut c, 0x62, 0x0002 | (u16::from(t) << 4));
        let next = if spec.acs.is_some() {
            ACS_POS as u32
        } else {
            0
        };
        put32(&mut c, 0x100, 0x0001 | (2 << 16) | (next << 20)); // AER
        if let Some(a) = spec.acs {
            put32(&mut c, ACS_POS, 0x000d | (1 << 16));
            put16(&mut c, ACS_POS + 4, a.cap);
            put16(&mut c, ACS_POS + 6, a.ctrl);
        }
    }
    c
}

/// A conventional PCI function (no PCIe capability).
pub const fn pci(id: PciId) -> ConfigSpec {
    ConfigSpec {
        id,
        pcie_type: None,
        acs: None,
        bridge: false,
        class: 0x01,
    }
}

/// A host bridge or another bridge without a type 1 header (an ISA bridge), on a root bus.
pub const fn host_bridge(id: PciId) -> ConfigSpec {
    ConfigSpec {
        id,
        pcie_type: None,
        acs: None,
        bridge: false,
        class: 0x06,
    }
}

/// A PCIe endpoint.
pub const fn endpoint(id: PciId) -> ConfigSpec {
    ConfigSpec {
        id,
        pcie_type: Some(0),
        acs: None,
        bridge: false,
        class: 0x01,
    }
}

/// A PCIe bridge of type `t` (4 root port, 5 upstream, 6 downstream), with ACS if given.
pub const fn port(id: PciId, t: u8, acs: Option<Acs>) -> ConfigSpec {
    ConfigSpec {
        id,
        pcie_type: Some(t),
        acs,
        bridge: true,
        class: 0x06,
    }
}

/// One function of a topology; parents come before their children.
#[derive(Clone, Copy, Debug)]
pub struct Dev {
    /// Its address.
    pub addr: &'static str,
    /// The bridge above it; `None` on a root bus.
    pub parent: Option<&'static str>,
    /// Its config space.
    pub spec: ConfigSpec,
}

/// A fake `/sys` and `/proc` in a temporary directory, removed when dropped.
pub struct FakeSys {
    dir: TempDir,
}

fn full(addr: &str) -> String {
    match PciAddr::parse(addr) {
        Ok(a) => a.to_string(),
        Err(e) => panic!("bad address {addr}: {e:?}"),
    }
}

impl FakeSys {
    /// An empty tree with a qemu64 CPU (AMD family 15).
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let s = Self { dir };
        fs::create_dir_all(s.sys().join("bus/pci/devices")).unwrap();
        fs::create_dir_all(s.sys().join("devices")).unwrap();
        fs::create_dir_all(s.proc()).unwrap();
        fs::create_dir_all(s.dev()).unwrap();
        // An empty PCI ID database: no names unless a test writes some.
        fs::write(s.pci_ids(), "").unwrap();
        s.set_cpu("AuthenticAMD", 15);
        s
    }

    /// A tree holding `devs`.
    pub fn with(devs: &[Dev]) -> Self {
        let s = Self::new();
        for d in devs {
            s.add(d.addr, d.parent, &d.spec);
        }
        s
    }

    /// The fake `/sys`.
    pub fn sys(&self) -> PathBuf {
        self.dir.path().join("sys")
    }

    /// The fake `/proc`.
    pub fn proc(&self) -> PathBuf {
        self.dir.path().join("proc")
    }

    /// The fake `/dev`.
    pub fn dev(&self) -> PathBuf {
        self.dir.path().join("dev")
    }

    /// The PCI ID database the tool is pointed at.
    pub fn pci_ids(&self) -> PathBuf {
        self.dir.path().join("pci.ids")
    }

    /// `--sysfs ROOT --proc ROOT --dev ROOT --pci-ids FILE` for the command line.
    pub fn args(&self) -> Vec<String> {
        vec![
            "--pci-ids".into(),
            self.pci_ids().display().to_string(),
            "--sysfs".into(),
            self.sys().display().to_string(),
            "--proc".into(),
            self.proc().display().to_string(),
            "--dev".into(),
            self.dev().display().to_string(),
        ]
    }

    /// The real directory of a function.
    pub fn dev_dir(&self, addr: &str) -> PathBuf {
        fs::canonicalize(self.sys().join("bus/pci/devices").join(full(addr))).unwrap()
    }

    /// Adds a function below `parent` (or on the root bus of its own bus number).
    pub fn add(&self, addr: &str, parent: Option<&str>, spec: &ConfigSpec) {
        let a = PciAddr::parse(addr).unwrap();
        let name = a.to_string();
        let dir = match parent {
            Some(p) => self.dev_dir(p).join(&name),
            None => self
                .sys()
                .join("devices")
                .join(format!("pci{:04x}:{:02x}", a.domain(), a.bus()))
                .join(&name),
        };
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("config"), config_bytes(spec)).unwrap();
        fs::write(dir.join("vendor"), format!("0x{:04x}\n", spec.id.vendor)).unwrap();
        fs::write(dir.join("device"), format!("0x{:04x}\n", spec.id.device)).unwrap();
        let devices = fs::canonicalize(self.sys().join("devices")).unwrap();
        let rel = dir.strip_prefix(&devices).unwrap();
        symlink(
            Path::new("../../../devices").join(rel),
            self.sys().join("bus/pci/devices").join(&name),
        )
        .unwrap();
    }

    /// Binds `driver` to a function: its `driver` link, into `bus/pci/drivers/DRIVER`.
    pub fn set_driver(&self, addr: &str, driver: &str) {
        let drv = self.sys().join("bus/pci/drivers").join(driver);
        fs::create_dir_all(&drv).unwrap();
        let dir = self.dev_dir(addr);
        let _ = fs::remove_file(dir.join("driver"));
        let devices = fs::canonicalize(self.sys().join("devices")).unwrap();
        let depth = dir.strip_prefix(&devices).unwrap().components().count();
        let up = "../".repeat(depth + 1);
        symlink(format!("{up}bus/pci/drivers/{driver}"), dir.join("driver")).unwrap();
    }

    /// Writes a function's `resource` file: BARs `(number, start, size, IORESOURCE_* flags)`,
    /// the other lines zero, 13 lines as for an endpoint.
    pub fn set_bars(&self, addr: &str, bars: &[(usize, u64, u64, u64)]) {
        let mut lines = vec![(0u64, 0u64, 0u64); 13];
        for &(n, start, size, flags) in bars {
            lines[n] = (start, start + size - 1, flags);
        }
        let text: String = lines
            .iter()
            .map(|(s, e, f)| format!("0x{s:016x} 0x{e:016x} 0x{f:016x}\n"))
            .collect();
        fs::write(self.dev_dir(addr).join("resource"), text).unwrap();
    }

    /// Writes `/proc/iomem`.
    pub fn set_iomem(&self, text: &str) {
        fs::write(self.proc().join("iomem"), text).unwrap();
    }

    /// Writes `/sys/kernel/security/lockdown` with `mode` the current one.
    pub fn set_lockdown(&self, mode: &str) {
        let dir = self.sys().join("kernel/security");
        fs::create_dir_all(&dir).unwrap();
        let text: Vec<String> = ["none", "integrity", "confidentiality"]
            .iter()
            .map(|m| {
                if *m == mode {
                    format!("[{m}]")
                } else {
                    m.to_string()
                }
            })
            .collect();
        fs::write(dir.join("lockdown"), text.join(" ") + "\n").unwrap();
    }

    /// Rewrites the ACS Control register of a function.
    pub fn set_acs_ctrl(&self, addr: &str, ctrl: u16) {
        let path = self.dev_dir(addr).join("config");
        let mut c = fs::read(&path).unwrap();
        put16(&mut c, ACS_POS + 6, ctrl);
        fs::write(&path, c).unwrap();
    }

    /// Cuts a function's config file to `len` bytes (as a non-root read sees it).
    pub fn truncate_config(&self, addr: &str, len: usize) {
        let path = self.dev_dir(addr).join("config");
        let mut c = fs::read(&path).unwrap();
        c.truncate(len);
        fs::write(&path, c).unwrap();
    }

    /// Writes `/proc/cpuinfo` for two processors of this vendor and family.
    pub fn set_cpu(&self, vendor_id: &str, family: u32) {
        let mut text = String::new();
        for n in 0..2 {
            text += &format!(
                "processor\t: {n}\nvendor_id\t: {vendor_id}\ncpu family\t: {family}\n\
                 model\t\t: 6\nflags\t\t: fpu vme\n\n"
            );
        }
        fs::write(self.proc().join("cpuinfo"), text).unwrap();
    }

    /// Makes the fake `/dev/kmsg` a FIFO holding `records` (lines as /dev/kmsg reads them) and
    /// returns its write end, which keeps it readable without blocking while it is open. A
    /// FIFO has no end to seek to, so the tool reads everything in it as logged after it
    /// looked.
    pub fn kmsg_pipe(&self, records: &str) -> fs::File {
        let path = self.dev().join("kmsg");
        let st = std::process::Command::new("mkfifo")
            .arg(&path)
            .status()
            .unwrap();
        assert!(st.success(), "mkfifo {}", path.display());
        // Read and write: opening does not wait for a reader.
        let mut f = fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .unwrap();
        std::io::Write::write_all(&mut f, records.as_bytes()).unwrap();
        f
    }

    /// Adds process `pid` to the fake `/proc`, with its `comm` and `maps` text.
    pub fn add_process(&self, pid: u32, comm: &str, maps: &str) {
        let dir = self.proc().join(pid.to_string());
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("comm"), format!("{comm}\n")).unwrap();
        fs::write(dir.join("maps"), maps).unwrap();
    }

    /// Sets attribute `attr` of provider `p2pmemN` (through its class link).
    pub fn set_provider_attr(&self, n: u32, attr: &str, value: &str) {
        fs::write(
            self.class_dir().join(format!("p2pmem{n}")).join(attr),
            format!("{value}\n"),
        )
        .unwrap();
    }

    /// Says the tool's thread is `tid`: `/proc/thread-self` links to `tid/task/tid`.
    pub fn set_thread(&self, tid: u32) {
        symlink(format!("{tid}/task/{tid}"), self.proc().join("thread-self")).unwrap();
    }

    /// The p2pmem class directory (created: the module is "loaded").
    pub fn class_dir(&self) -> PathBuf {
        let d = self.sys().join("class/p2pmem");
        fs::create_dir_all(&d).unwrap();
        d
    }

    /// Writes a file of the class directory.
    pub fn class_file(&self, name: &str, content: &str) -> PathBuf {
        let p = self.class_dir().join(name);
        fs::write(&p, content).unwrap();
        p
    }

    /// Reads a file of the class directory.
    pub fn read_class_file(&self, name: &str) -> String {
        fs::read_to_string(self.class_dir().join(name)).unwrap()
    }

    /// Adds provider `p2pmemN` on BAR `bar` of `addr` with these attribute values, below
    /// the function as the kernel puts it, linked from the class directory.
    pub fn add_provider(&self, n: u32, addr: &str, bar: u8, size: u64, available: u64) {
        self.add_provider_at(n, addr, bar, 0, size, available);
    }

    /// [`FakeSys::add_provider`] at `offset` in the BAR.
    pub fn add_provider_at(
        &self,
        n: u32,
        addr: &str,
        bar: u8,
        offset: u64,
        size: u64,
        available: u64,
    ) {
        let name = format!("p2pmem{n}");
        let dir = self.dev_dir(addr).join("p2pmem").join(&name);
        fs::create_dir_all(&dir).unwrap();
        for (attr, value) in [
            ("size", size.to_string()),
            ("available", available.to_string()),
            ("published", "1".into()),
            ("bar", bar.to_string()),
            ("offset", offset.to_string()),
            ("bus_offset", "0x0".into()),
            ("allocations", "3".into()),
            ("peak", "5".into()),
            ("alloc_failures", "0".into()),
        ] {
            fs::write(dir.join(attr), format!("{value}\n")).unwrap();
        }
        symlink(format!("../../../{}", full(addr)), dir.join("device")).unwrap();
        let devices = fs::canonicalize(self.sys().join("devices")).unwrap();
        let rel = dir.strip_prefix(&devices).unwrap();
        symlink(
            Path::new("../../devices").join(rel),
            self.class_dir().join(&name),
        )
        .unwrap();
    }
}

/// The same topology as a [`policy::synthetic`](p2pmem_policy::synthetic) node list.
pub fn synthetic(devs: &[Dev]) -> Vec<Node> {
    let mut nodes: Vec<Node> = Vec::new();
    for d in devs {
        let addr = PciAddr::parse(d.addr).unwrap();
        let parent = d.parent.map(|p| {
            let pa = PciAddr::parse(p).unwrap();
            nodes.iter().position(|n| n.addr == pa).unwrap()
        });
        let mut n = Node::new(
            addr,
            d.spec.id,
            PortType::from_pcie_type(d.spec.pcie_type),
            parent,
        );
        n.acs = d.spec.acs;
        nodes.push(n);
    }
    nodes
}

/// Domain 0 and an Intel VMD domain (0x10000), with an NVMe at 00:01.0 in each: q35's host
/// bridge identifies domain 0's root bus, a root port at 00.0 the VMD one.
pub fn vmd_domains() -> Vec<Dev> {
    vec![
        Dev {
            addr: "0000:00:00.0",
            parent: None,
            spec: host_bridge(Q35_HOST),
        },
        Dev {
            addr: "0000:00:01.0",
            parent: None,
            spec: endpoint(NVME),
        },
        Dev {
            addr: "10000:00:00.0",
            parent: None,
            spec: port(ROOT_PORT, 4, None),
        },
        Dev {
            addr: "10000:00:01.0",
            parent: None,
            spec: endpoint(NVME),
        },
    ]
}

/// QEMU q35's host bridge.
pub const Q35_HOST: PciId = PciId::new(0x8086, 0x29c0);
/// QEMU's pcie-root-port.
pub const ROOT_PORT: PciId = PciId::new(0x1b36, 0x000c);
/// QEMU's x3130 switch upstream port.
pub const SW_UP: PciId = PciId::new(0x104c, 0x8232);
/// QEMU's xio3130 switch downstream port.
pub const SW_DOWN: PciId = PciId::new(0x104c, 0x8233);
/// QEMU's NVMe controller.
pub const NVME: PciId = PciId::new(0x1b36, 0x0010);
/// ivshmem.
pub const IVSHMEM: PciId = PciId::new(0x1af4, 0x1110);
/// QEMU's edu device.
pub const EDU: PciId = PciId::new(0x1234, 0x11e8);
/// QEMU's pcie-root-port ACS capability: SV, TB, RR, CR, UF.
pub const QEMU_ACS_CAP: u16 = 0x1f;

const fn qemu_root_port() -> ConfigSpec {
    port(
        ROOT_PORT,
        4,
        Some(Acs {
            cap: QEMU_ACS_CAP,
            ctrl: 0,
        }),
    )
}

/// The VM's `switch` topology: q35, a root port, a switch, two NVMe, ivshmem and edu.
pub fn q35_switch() -> Vec<Dev> {
    vec![
        Dev {
            addr: "00:00.0",
            parent: None,
            spec: host_bridge(Q35_HOST),
        },
        Dev {
            addr: "00:1f.0",
            parent: None,
            spec: host_bridge(PciId::new(0x8086, 0x2918)),
        },
        Dev {
            addr: "00:10.0",
            parent: None,
            spec: qemu_root_port(),
        },
        Dev {
            addr: "01:00.0",
            parent: Some("00:10.0"),
            spec: port(SW_UP, 5, None),
        },
        Dev {
            addr: "02:00.0",
            parent: Some("01:00.0"),
            spec: port(SW_DOWN, 6, None),
        },
        Dev {
            addr: "02:01.0",
            parent: Some("01:00.0"),
            spec: port(SW_DOWN, 6, None),
        },
        Dev {
            addr: "02:02.0",
            parent: Some("01:00.0"),
            spec: port(SW_DOWN, 6, None),
        },
        Dev {
            addr: "02:03.0",
            parent: Some("01:00.0"),
            spec: port(SW_DOWN, 6, None),
        },
        Dev {
            addr: "03:00.0",
            parent: Some("02:00.0"),
            spec: endpoint(NVME),
        },
        Dev {
            addr: "04:00.0",
            parent: Some("02:01.0"),
            spec: endpoint(NVME),
        },
        Dev {
            addr: "05:00.0",
            parent: Some("02:02.0"),
            spec: pci(IVSHMEM),
        },
        Dev {
            addr: "06:00.0",
            parent: Some("02:03.0"),
            spec: pci(EDU),
        },
    ]
}

/// A PLX PEX 8747 switch port.
pub const PLX_8747: PciId = PciId::new(0x10b5, 0x8747);
/// An Intel client host bridge that is on no allowlist.
pub const CLIENT_HOST: PciId = PciId::new(0x8086, 0x3e30);
/// ACS control as the kernel sets it when an IOMMU asks for isolation: SV, RR, CR, UF.
pub const ACS_ISOLATED: u16 = Acs::SV | Acs::RR | Acs::CR | Acs::UF;

/// A workstation: a PLX switch on an Intel client root port, with an NVMe SSD and a GPU below
/// downstream ports whose ACS redirects P2P (IOMMU on).
pub fn plx_workstation() -> Vec<Dev> {
    let acs = Some(Acs {
        cap: 0x5f,
        ctrl: ACS_ISOLATED,
    });
    vec![
        Dev {
            addr: "0000:00:00.0",
            parent: None,
            spec: host_bridge(CLIENT_HOST),
        },
        Dev {
            addr: "0000:00:01.0",
            parent: None,
            spec: port(PciId::new(0x8086, 0x1901), 4, None),
        },
        Dev {
            addr: "0000:01:00.0",
            parent: Some("00:01.0"),
            spec: port(PLX_8747, 5, None),
        },
        Dev {
            addr: "0000:02:08.0",
            parent: Some("01:00.0"),
            spec: port(PLX_8747, 6, acs),
        },
        Dev {
            addr: "0000:02:10.0",
            parent: Some("01:00.0"),
            spec: port(PLX_8747, 6, acs),
        },
        Dev {
            addr: "0000:03:00.0",
            parent: Some("02:08.0"),
            spec: endpoint(PciId::new(0x144d, 0xa808)),
        },
        Dev {
            addr: "0000:04:00.0",
            parent: Some("02:10.0"),
            spec: endpoint(PciId::new(0x10de, 0x1db6)),
        },
        Dev {
            addr: "0000:04:00.1",
            parent: Some("02:10.0"),
            spec: endpoint(PciId::new(0x10de, 0x10f2)),
        },
    ]
}

/// The VM's `rootports` topology: NVMe on two root ports of q35's host bridge.
pub fn q35_rootports() -> Vec<Dev> {
    vec![
        Dev {
            addr: "00:00.0",
            parent: None,
            spec: host_bridge(Q35_HOST),
        },
        Dev {
            addr: "00:11.0",
            parent: None,
            spec: qemu_root_port(),
        },
        Dev {
            addr: "00:11.1",
            parent: None,
            spec: qemu_root_port(),
        },
        Dev {
            addr: "07:00.0",
            parent: Some("00:11.0"),
            spec: endpoint(NVME),
        },
        Dev {
            addr: "08:00.0",
            parent: Some("00:11.1"),
            spec: endpoint(NVME),
        },
    ]
}

/// The `all` topology of policy/src/tests.rs (ACS where it has it), plus the pxb-pcie host
/// bridge device: q35, the switch, two root ports of one slot, a pxb-pcie root bus 0x40, a
/// switch whose downstream ports are ACS-capable root ports, and a multifunction NVMe.
pub fn all() -> Vec<Dev> {
    let acs = Some(Acs { cap: 0x5f, ctrl: 0 });
    let mut d = vec![Dev {
        addr: "00:00.0",
        parent: None,
        spec: host_bridge(Q35_HOST),
    }];
    d.extend(
        q35_switch()
            .into_iter()
            .skip(1)
            .filter(|x| x.addr != "00:10.0"),
    );
    d.insert(
        1,
        Dev {
            addr: "00:10.0",
            parent: None,
            spec: port(ROOT_PORT, 4, None),
        },
    );
    d.extend([
        Dev {
            addr: "00:11.0",
            parent: None,
            spec: port(ROOT_PORT, 4, None),
        },
        Dev {
            addr: "00:11.1",
            parent: None,
            spec: port(ROOT_PORT, 4, None),
        },
        Dev {
            addr: "07:00.0",
            parent: Some("00:11.0"),
            spec: endpoint(NVME),
        },
        Dev {
            addr: "08:00.0",
            parent: Some("00:11.1"),
            spec: endpoint(NVME),
        },
        Dev {
            addr: "00:12.0",
            parent: None,
            spec: pci(PciId::new(0x1b36, 0x000b)),
        },
        Dev {
            addr: "00:14.0",
            parent: None,
            spec: port(ROOT_PORT, 4, None),
        },
        Dev {
            addr: "0d:00.0",
            parent: Some("00:14.0"),
            spec: endpoint(NVME),
        },
        Dev {
            addr: "40:00.0",
            parent: None,
            spec: port(ROOT_PORT, 4, None),
        },
        Dev {
            addr: "41:00.0",
            parent: Some("40:00.0"),
            spec: endpoint(NVME),
        },
        Dev {
            addr: "00:13.0",
            parent: None,
            spec: port(ROOT_PORT, 4, None),
        },
        Dev {
            addr: "09:00.0",
            parent: Some("00:13.0"),
            spec: port(SW_UP, 5, None),
        },
        Dev {
            addr: "0a:00.0",
            parent: Some("09:00.0"),
            spec: port(ROOT_PORT, 4, acs),
        },
        Dev {
            addr: "0a:01.0",
            parent: Some("09:00.0"),
            spec: port(ROOT_PORT, 4, acs),
        },
        Dev {
            addr: "0b:00.0",
            parent: Some("0a:00.0"),
            spec: endpoint(NVME),
        },
        Dev {
            addr: "0c:00.0",
            parent: Some("0a:01.0"),
            spec: endpoint(NVME),
        },
        Dev {
            addr: "00:16.0",
            parent: None,
            spec: port(ROOT_PORT, 4, acs),
        },
        Dev {
            addr: "0e:00.0",
            parent: Some("00:16.0"),
            spec: endpoint(NVME),
        },
        Dev {
            addr: "0e:00.1",
            parent: Some("00:16.0"),
            spec: endpoint(NVME),
        },
    ]);
    d
}
