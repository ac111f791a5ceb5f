// SPDX-License-Identifier: GPL-2.0

//! The Controller Memory Buffer of an NVMe controller bound to the memory-BAR driver: enabled
//! through CMBMSC (NVMe 1.4+), then located with CMBLOC and CMBSZ. Only for controllers bound
//! to this module's driver: registers of a device bound to another driver are never written.

use kernel::{
    device::Core,
    io::Io,
    pci,
    prelude::*, //
};

use crate::{
    ffi::provider::bar_info,
    policy::nvme_cmb::{
        cmbmsc,
        controller_base,
        decode,
        CmbRange, //
    },
};

/// The upper half of CAP (the BAR is accessed 32 bits at a time).
const CAP_HI: usize = 0x04;
const CMBLOC: usize = 0x38;
const CMBSZ: usize = 0x3c;
const CMBMSC_LO: usize = 0x50;
const CMBMSC_HI: usize = 0x54;
/// CAP.CMBS (bit 57): the controller supports CMBMSC.
const CAP_HI_CMBS: u32 = 1 << (57 - 32);

/// Writes CMBMSC, upper half first: the lower half holds the enable bits.
fn write_cmbmsc(regs: &pci::Bar<'_, 0x1000>, v: u64) {
    // CAST: the halves of a 64-bit register.
    regs.write32((v >> 32) as u32, CMBMSC_HI);
    regs.write32(v as u32, CMBMSC_LO);
}

/// Enables the CMB of `pdev` and returns where it is.
pub(crate) fn enable(pdev: &pci::Device<Core<'_>>) -> Result<CmbRange> {
    let regs = pdev.iomap_region_sized::<0x1000>(0, c"p2pmem_membar")?;
    if regs.read32(CAP_HI) & CAP_HI_CMBS != 0 {
        // CBA is the bus address of the CMB: the start of the BAR CMBLOC names plus CMBLOC's
        // offset, which are only valid once CMBMSC.CRE is set. Enable register access first.
        write_cmbmsc(&regs, cmbmsc(0, false));
        if let Some(cmb) = decode(regs.read32(CMBLOC), regs.read32(CMBSZ)) {
            let bus = bar_info(pdev, cmb.bar)?.bus_start;
            write_cmbmsc(&regs, cmbmsc(controller_base(bus, &cmb), true));
        }
    }
    let (loc, sz) = (regs.read32(CMBLOC), regs.read32(CMBSZ));
    decode(loc, sz).ok_or_else(|| {
        dev_err!(
            pdev,
            "p2pmem: no usable CMB (CMBLOC {:#x}, CMBSZ {:#x})\n",
            loc,
            sz
        );
        ENODEV
    })
}
