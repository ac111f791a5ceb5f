/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The provider object, shared by the C files of p2pmem.ko (rust/provider.c owns it,
 * rust/shim.c reads it). Not part of the public API: consumers see an opaque pointer.
 */
#ifndef P2PMEM_RUST_PROVIDER_H
#define P2PMEM_RUST_PROVIDER_H

#include <linux/device.h>
#include <linux/genalloc.h>
#include <linux/list.h>
#include <linux/fs.h>
#include <linux/memremap.h>
#include <linux/miscdevice.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/sched.h>

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
	struct mutex revoke_lock;	/* protects revokers and revoked */
	struct list_head revokers;	/* struct p2pmem_revoke.node */
	bool revoked;			/* teardown has called them */
	/* rust/chardev.c: /dev/p2pmemN and the user mappings of the memory */
	struct miscdevice misc;
	struct mutex umap_lock;		/* protects umaps, umaps_revoked, cfiles, last_mapper* */
	struct list_head umaps;		/* struct p2pmem_umap.node */
	struct list_head cfiles;	/* struct p2pmem_cfile.node: open /dev/p2pmemN files */
	bool umaps_revoked;		/* p2pmem_chardev_revoke() ran: no new mappings */
	pid_t last_mapper;
	char last_mapper_comm[TASK_COMM_LEN];
};

extern const struct bin_attribute p2pmem_allocate_attr;
int p2pmem_chardev_add(struct p2pmem_provider *p);
void p2pmem_chardev_del(struct p2pmem_provider *p);
void p2pmem_chardev_revoke(struct p2pmem_provider *p);
void p2pmem_chardev_report_busy(struct p2pmem_provider *p);

#endif /* P2PMEM_RUST_PROVIDER_H */
