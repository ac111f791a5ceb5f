// SPDX-License-Identifier: GPL-2.0

//! The shape of a cached verdict: a key for a (provider, client) pair and a value small enough
//! for an xarray value entry (at most 62 bits), so the kernel's lock-free lookup needs no
//! allocation and no reference counting.

use super::{
    pci_addr::PciAddr,
    verdict::MapType, //
};

/// The key of the pair (`provider`, `client`): 32 bits each (domain, bus, devfn).
pub const fn key(provider: PciAddr, client: PciAddr) -> u64 {
    (id(provider) << 32) | id(client)
}

const fn id(a: PciAddr) -> u64 {
    ((a.domain() as u64) << 16) | ((a.bus() as u64) << 8) | a.devfn() as u64
}

const fn addr(id: u64) -> PciAddr {
    PciAddr::from_devfn((id >> 16) as u16, (id >> 8) as u8, id as u8)
}

/// The pair a [`key`] was made of.
pub const fn pair(key: u64) -> (PciAddr, PciAddr) {
    (addr(key >> 32), addr(key & 0xffff_ffff))
}

/// What the cache keeps of a verdict: enough to map, not the reason (refusals recompute it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cached {
    /// The route.
    pub map_type: MapType,
    /// The distance.
    pub distance: u32,
}

impl Cached {
    /// The value entry: map type in bits 1:0, distance above.
    pub const fn encode(self) -> u64 {
        let t = match self.map_type {
            MapType::BusAddr => 1,
            MapType::ThruHostBridge => 2,
            MapType::NotSupported => 3,
        };
        ((self.distance as u64) << 2) | t
    }

    /// The verdict behind a value entry; `None` for a value [`Cached::encode`] never makes.
    pub const fn decode(v: u64) -> Option<Self> {
        let map_type = match v & 3 {
            1 => MapType::BusAddr,
            2 => MapType::ThruHostBridge,
            3 => MapType::NotSupported,
            _ => return None,
        };
        if v >> 34 != 0 {
            return None;
        }
        Some(Self {
            map_type,
            distance: (v >> 2) as u32,
        })
    }
}
