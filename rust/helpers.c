// SPDX-License-Identifier: GPL-2.0
/*
 * C glue of p2pmem.ko: the "p2pmem" device class and wrappers of static inlines.
 * The Rust side (src/ffi.rs) is the only caller.
 */

#include <linux/device/class.h>
#include <linux/genalloc.h>

#include "helpers.h"

static const struct class p2pmem_class = {
	.name = "p2pmem",
};

int p2pmem_class_register(void)
{
	return class_register(&p2pmem_class);
}

void p2pmem_class_unregister(void)
{
	class_unregister(&p2pmem_class);
}

bool p2pmem_class_registered(void)
{
	return class_is_registered(&p2pmem_class);
}

unsigned long p2pmem_helper_gen_pool_alloc_owner(struct gen_pool *pool, size_t size,
						 void **owner)
{
	return gen_pool_alloc_owner(pool, size, owner);
}
