// SPDX-License-Identifier: GPL-2.0

//! The shape of a cached verdict: a key for a (provider, client) pair and a value small enough
//! for an xarray value entry (at most 62 bits), so the kernel's lock-free lookup needs no
//! allocation and no reference counting.

use super::{
    pci_addr::PciAddr,
    verdict::MapType, //
};

/// The key of the pair (`provider`, `client`): each function's full [`PciAddr::id`] (48 bits,
/// domain included), so two functions never share an entry. The kernel keeps one map per
/// provider id, keyed by the client id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Key {
    /// The provider's id.
    pub provider: u64,
    /// The client's id.
    pub client: u64,
}

/// The key of the pair (`provider`, `client`).
pub const fn key(provider: PciAddr, client: PciAddr) -> Key {
    Key {
        provider: provider.id(),
        client: client.id(),
    }
}

/// The pair a [`key`] was made of.
pub const fn pair(key: Key) -> (PciAddr, PciAddr) {
    (PciAddr::from_id(key.provider), PciAddr::from_id(key.client))
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
