/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The provider object, shared by the C files of p2pmem.ko (rust/provider.c owns it). Not part
 * of the public API: consumers see an opaque pointer.
 */
#ifndef P2PMEM_RUST_PROVIDER_H
#define P2PMEM_RUST_PROVIDER_H

#include <linux/device.h>
#include <linux/list.h>
#include <linux/fs.h>
#include <linux/memremap.h>
#include <linux/mutex.h>
#include <linux/pci.h>

struct p2pmem_provider {
	struct device dev;		/* the class device p2pmemN; its release frees this */
	struct dev_pagemap pgmap;
	void __rcu *index;		/* page index (src/page_index.rs); NULL once torn down */
	struct p2pmem_pcp __percpu *pcp;	/* per-CPU caches of free blocks (provider.c) */
	unsigned long pcp_max;		/* pages one CPU's cache may hold */
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
	struct mutex revoke_lock;	/* protects revokers and revoked */
	struct list_head revokers;	/* struct p2pmem_revoke.node */
	bool revoked;			/* set before the callbacks; no allocation after */
	/* /dev/p2pmemN and the user mappings of the memory (src/user_mapping.rs) */
	void *user_maps;
	/* root's opt-in: user mappings may be pinnable whatever the clients (src/pin.rs) */
	bool pin_any_client;
};

/*
 * Benchmark-only mode: against a kernel with CONFIG_PCI_P2PDMA (the bench flavor) the kernel's
 * own P2PDMA code would take a p2pmem page for one of its pages, so providers are never
 * published or handed out, and have no /dev node or allocate file; only rust/bench.c
 * allocates from them.
 */
/*
 * A CPU's cache of free blocks, in front of the page index: up to P2PMEM_PCP_DEPTH blocks of
 * each order below P2PMEM_PCP_ORDERS (1 MiB with 4 KiB pages). The blocks stay allocated in
 * the index; they count as available.
 */
#define P2PMEM_PCP_ORDERS 9
#define P2PMEM_PCP_DEPTH 4
struct p2pmem_pcp {
	spinlock_t lock;		/* its CPU's allocations and frees, and drains */
	unsigned long pages;		/* pages held */
	u8 count[P2PMEM_PCP_ORDERS];
	unsigned long first[P2PMEM_PCP_ORDERS][P2PMEM_PCP_DEPTH];	/* page numbers */
};

static inline bool p2pmem_bench_only(void)
{
	return IS_ENABLED(CONFIG_PCI_P2PDMA);
}

/* src/ffi/page_index.rs: the pool's page index. */
int p2pmem_index_create(unsigned long pages, void **index);
void p2pmem_index_destroy(void *index);
s64 p2pmem_index_alloc(void *index, unsigned long pages);
int p2pmem_index_free(void *index, unsigned long first, unsigned long pages);
unsigned long p2pmem_index_free_pages(void *index);

#endif /* P2PMEM_RUST_PROVIDER_H */
