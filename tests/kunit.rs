// SPDX-License-Identifier: GPL-2.0

//! KUnit suites of p2pmem.ko, compiled in by `make P2PMEM_KUNIT=1` and run by KUnit when the
//! module is loaded (results in dmesg and `/sys/kernel/debug/kunit/<suite>/results`).

#[path = "kunit/cache.rs"]
mod cache;
#[path = "kunit/claim.rs"]
mod claim;
#[path = "kunit/devices.rs"]
mod devices;
#[path = "kunit/policy.rs"]
mod policy;
#[path = "kunit/provider.rs"]
mod provider;
#[path = "kunit/shim.rs"]
mod shim;
#[path = "kunit/user_mapping.rs"]
mod user_mapping;
#[path = "kunit/validation.rs"]
mod validation;
