/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The provider object, shared by the C files of p2pmem.ko (rust/provider.c owns it,
 * rust/shim.c reads it). Not part of the public API: consumers see an opaque pointer.
 */
#ifndef P2PMEM_RUST_PROVIDER_H
#define P2PMEM_RUST_PROVIDER_H

#include <linux/device.h>
#include <linux/genalloc.h>
#include <linux/memremap.h>
#include <linux/pci.h>

struct p2pmem_provider {
	struct device dev;		/* the class device p2pmemN; its release frees this */
	struct dev_pagemap pgmap;
	struct gen_pool __rcu *pool;	/* NULL once torn down */
	struct pci_dev *pdev;
	int id;
	int bar;
	u64 offset;
	u64 size;
	u64 bus_offset;
	void *vaddr;
	bool published;
	atomic_long_t allocations;
	atomic_long_t peak;
	atomic_long_t alloc_failures;
};

#endif /* P2PMEM_RUST_PROVIDER_H */
