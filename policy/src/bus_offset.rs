// SPDX-License-Identifier: GPL-2.0

//! CPU physical versus PCI bus addresses of a BAR.
//!
//! A BAR decodes bus addresses; the CPU reaches it at a physical address that may differ by an
//! offset fixed by the host bridge (non-zero on e.g. ppc64 pseries, where CPU 0x2000_8000_0000
//! is bus 0x8000_0000). A peer device must be given the bus address.

/// A memory window: `len` bytes at `cpu_start` for the CPU and `bus_start` on the bus.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    /// First CPU physical address.
    pub cpu_start: u64,
    /// First bus address.
    pub bus_start: u64,
    /// Length in bytes.
    pub len: u64,
}

impl Window {
    /// `bus - cpu`, wrapping as the in-tree `pci_bus_address() - pci_resource_start()` does,
    /// so that `cpu.wrapping_add(offset)` gives the bus address for negative offsets too.
    pub const fn bus_offset(&self) -> u64 {
        self.bus_start.wrapping_sub(self.cpu_start)
    }

    /// Whether `[start, start + len)` lies inside the window's CPU range.
    fn contains_cpu(&self, start: u64, len: u64) -> bool {
        let Some(off) = start.checked_sub(self.cpu_start) else {
            return false;
        };
        len <= self.len && off <= self.len - len
    }

    /// The bus address of CPU range `[cpu, cpu + len)`; `None` when it leaves the window.
    pub fn cpu_to_bus(&self, cpu: u64, len: u64) -> Option<u64> {
        self.contains_cpu(cpu, len)
            .then(|| cpu.wrapping_add(self.bus_offset()))
    }

    /// The CPU address of bus range `[bus, bus + len)`; `None` when it leaves the window.
    pub fn bus_to_cpu(&self, bus: u64, len: u64) -> Option<u64> {
        let off = bus.checked_sub(self.bus_start)?;
        (len <= self.len && off <= self.len - len).then(|| self.cpu_start + off)
    }
}

/// Whether a device with DMA mask `mask` can address all of `[start, start + len)`.
pub const fn dma_mask_reaches(mask: u64, start: u64, len: u64) -> bool {
    if len == 0 {
        return true;
    }
    match start.checked_add(len - 1) {
        Some(last) => last <= mask,
        None => false,
    }
}
