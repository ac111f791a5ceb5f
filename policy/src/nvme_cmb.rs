// SPDX-License-Identifier: GPL-2.0

//! An NVMe Controller Memory Buffer's registers (NVMe base specification, CMBLOC, CMBSZ,
//! CMBMSC): where the CMB is and how to enable it.

/// Where a CMB is: a range of a BAR.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CmbRange {
    /// The BAR (CMBLOC.BIR).
    pub bar: u32,
    /// Offset inside the BAR, in bytes.
    pub offset: u64,
    /// Size in bytes.
    pub size: u64,
    /// CMBSZ.RDS and CMBSZ.WDS: the controller takes the data of reads and writes from it, so
    /// peers may put data there. nvme-pci publishes a CMB only then, and so does p2pmem.
    pub peer_data: bool,
}

/// CMBSZ.RDS, bit 3: read data may be in the CMB.
const CMBSZ_RDS: u32 = 1 << 3;
/// CMBSZ.WDS, bit 4: write data may be in the CMB.
const CMBSZ_WDS: u32 = 1 << 4;

/// The CMB CMBLOC and CMBSZ describe; `None` when CMBSZ is 0 (no CMB, or not enabled) or the
/// fields are out of range.
pub fn decode(cmbloc: u32, cmbsz: u32) -> Option<CmbRange> {
    let szu = (cmbsz >> 8) & 0xf;
    if cmbsz == 0 || szu > 6 {
        return None;
    }
    // Size units: 4 KiB, 64 KiB, 1 MiB, 16 MiB, 256 MiB, 4 GiB, 64 GiB.
    let unit = 1u64 << (12 + 4 * szu);
    let size = u64::from(cmbsz >> 12).checked_mul(unit)?;
    let offset = u64::from(cmbloc >> 12).checked_mul(unit)?;
    let bar = cmbloc & 7;
    let peer_data = cmbsz & (CMBSZ_RDS | CMBSZ_WDS) == CMBSZ_RDS | CMBSZ_WDS;
    (size != 0 && bar != 1 && bar <= 5).then_some(CmbRange {
        bar,
        offset,
        size,
        peer_data,
    })
}

/// CMBMSC.CBA for a CMB whose BAR starts at bus address `bar_bus`: the bus address of the CMB
/// itself, the BAR's start plus CMBLOC's offset (as the patched nvme-pci programs it).
pub const fn controller_base(bar_bus: u64, cmb: &CmbRange) -> u64 {
    bar_bus + cmb.offset
}

/// CMBMSC for controller base address `cba` (bus address, 4 KiB aligned): CRE (register
/// access) always, CMSE (memory space) when `enable_memory`.
pub const fn cmbmsc(cba: u64, enable_memory: bool) -> u64 {
    (cba & !0xfff) | if enable_memory { 3 } else { 1 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qemu_legacy_cmb() {
        // What QEMU 7.2 reports for cmb_size_mb=64 (seen in the VM): BAR 2, offset 0, 64 MiB.
        assert_eq!(
            decode(0x62, 0x4021d),
            Some(CmbRange {
                bar: 2,
                offset: 0,
                size: 64 << 20,
                peer_data: true,
            })
        );
        assert_eq!(cmbmsc(0xf400_0000, true), 0xf400_0003);
        assert_eq!(cmbmsc(0x8_f400_0123, false), 0x8_f400_0001);
    }

    #[test]
    fn no_or_bad_cmb() {
        assert_eq!(decode(0, 0), None);
        // Size unit 7 is reserved.
        assert_eq!(decode(0x2, 0x700 | (1 << 12)), None);
        // BIR 1 is the upper half of BAR 0; 6 and 7 do not exist.
        assert_eq!(decode(0x1, 0x4021d), None);
        assert_eq!(decode(0x6, 0x4021d), None);
        // Offset in size units: 1 MiB unit, offset 3 -> 3 MiB.
        assert_eq!(
            decode((3 << 12) | 4, (16 << 12) | 0x200),
            Some(CmbRange {
                bar: 4,
                offset: 3 << 20,
                size: 16 << 20,
                peer_data: false,
            })
        );
    }

    #[test]
    fn peer_data_needs_reads_and_writes() {
        // SQS and LISTS only (submission queues, PRP lists): no data, not for peers.
        assert_eq!(decode(0x62, 0x40205).map(|c| c.peer_data), Some(false));
        // RDS without WDS, and WDS without RDS.
        assert_eq!(decode(0x62, 0x4020d).map(|c| c.peer_data), Some(false));
        assert_eq!(decode(0x62, 0x40215).map(|c| c.peer_data), Some(false));
        assert_eq!(decode(0x62, 0x40218).map(|c| c.peer_data), Some(true));
    }

    #[test]
    fn controller_base_adds_the_offset() {
        // BAR 4 at bus 0x8_0000_0000, CMBLOC offset 3 units of 1 MiB.
        let cmb = decode((3 << 12) | 4, (16 << 12) | 0x218);
        assert_eq!(
            cmb.map(|c| controller_base(0x8_0000_0000, &c)),
            Some(0x8_0030_0000)
        );
        // QEMU's CMB: offset 0, the BAR's start.
        let qemu = decode(0x62, 0x4021d);
        assert_eq!(
            qemu.map(|c| controller_base(0xf400_0000, &c)),
            Some(0xf400_0000)
        );
    }
}
