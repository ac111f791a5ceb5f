/* SPDX-License-Identifier: GPL-2.0 */
/*
 * C glue of p2pmem.ko for the Rust side: what Rust has no abstraction for (device classes)
 * and static inlines Rust cannot call. Only opaque pointers and scalars cross this boundary.
 */
#ifndef P2PMEM_RUST_HELPERS_H
#define P2PMEM_RUST_HELPERS_H

#include <linux/types.h>

struct gen_pool;

int p2pmem_class_register(void);
void p2pmem_class_unregister(void);
bool p2pmem_class_registered(void);

unsigned long p2pmem_helper_gen_pool_alloc_owner(struct gen_pool *pool, size_t size,
						 void **owner);

#endif /* P2PMEM_RUST_HELPERS_H */
