// SPDX-License-Identifier: GPL-2.0
/*
 * Exports of the C API functions that are implemented in Rust (src/ffi/exports.rs). Including
 * the public header makes the compiler check each Rust definition's C prototype.
 */

#include <linux/export.h>
#include <linux/p2pmem.h>

/* Defined in Rust; the declaration comes from <linux/p2pmem.h>. */
extern typeof(p2pmem_distance_many) p2pmem_distance_many;
EXPORT_SYMBOL_GPL(p2pmem_distance_many);
