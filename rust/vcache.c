// SPDX-License-Identifier: GPL-2.0
/*
 * The verdict cache: (provider, client) -> map type and distance, as xarray value entries, so
 * a lookup is two lock-free xa_load()s under RCU and storing an entry needs no object. The
 * Rust side (src/verdict_cache.rs) decides what goes in; this file only keeps it.
 *
 * Each function is keyed by its 48-bit id (domain << 16 | bus << 8 | devfn: the domain has 32
 * bits, VMD's are 0x10000 and up), so two ids do not fit one index: the top xarray maps a
 * provider's id to its row, an xarray of the clients' ids. Rows are created on the first store
 * for a provider and freed after an RCU grace period when the cache is flushed.
 *
 * Invalidation: every flush bumps a generation under the top xarray's lock and erases
 * everything. A verdict computed from topology read before a flush is stored only if no flush
 * happened since (checked under the same lock), so a flush can never be undone by a late store.
 * Rows are changed only under that lock too (their own lock nests inside it).
 */

#include <linux/atomic.h>
#include <linux/dma-mapping.h>
#include <linux/pci.h>
#include <linux/ratelimit.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "helpers.h"

struct p2pmem_vcache_row {
	struct xarray clients;
	struct rcu_head rcu;
};

static DEFINE_XARRAY_FLAGS(p2pmem_vcache, XA_FLAGS_LOCK_IRQ);
static atomic_t p2pmem_vcache_gen = ATOMIC_INIT(0);

bool p2pmem_vcache_lookup(unsigned long provider, unsigned long client, unsigned long *val)
{
	struct p2pmem_vcache_row *row;
	void *entry = NULL;

	rcu_read_lock();
	row = xa_load(&p2pmem_vcache, provider);
	if (row)
		entry = xa_load(&row->clients, client);
	rcu_read_unlock();
	if (!xa_is_value(entry))
		return false;
	*val = xa_to_value(entry);
	return true;
}

unsigned int p2pmem_vcache_generation(void)
{
	return atomic_read_acquire(&p2pmem_vcache_gen);
}

/* Any context: a failed allocation only means the verdict is not cached. */
void p2pmem_vcache_store(unsigned long provider, unsigned long client, unsigned long val,
			 unsigned int gen)
{
	const gfp_t gfp = GFP_ATOMIC | __GFP_NOWARN;
	struct p2pmem_vcache_row *row;
	unsigned long flags;

	xa_lock_irqsave(&p2pmem_vcache, flags);
	if (atomic_read(&p2pmem_vcache_gen) != gen)
		goto out;
	row = xa_load(&p2pmem_vcache, provider);
	if (!row) {
		row = kmalloc_obj(*row, gfp);
		if (!row)
			goto out;
		xa_init_flags(&row->clients, XA_FLAGS_LOCK_IRQ);
		if (xa_is_err(__xa_store(&p2pmem_vcache, provider, row, gfp))) {
			kfree(row);
			goto out;
		}
	}
	xa_lock(&row->clients);
	__xa_store(&row->clients, client, xa_mk_value(val), gfp);
	xa_unlock(&row->clients);
out:
	xa_unlock_irqrestore(&p2pmem_vcache, flags);
}

void p2pmem_vcache_flush(void)
{
	struct p2pmem_vcache_row *row;
	unsigned long flags, index;

	xa_lock_irqsave(&p2pmem_vcache, flags);
	atomic_inc(&p2pmem_vcache_gen);
	xa_for_each(&p2pmem_vcache, index, row) {
		__xa_erase(&p2pmem_vcache, index);
		/* Lookups may still walk the row: its nodes and the row go after a grace period. */
		xa_destroy(&row->clients);
		kfree_rcu(row, rcu);
	}
	xa_unlock_irqrestore(&p2pmem_vcache, flags);
}

/* For listing: the first provider at or after *provider; false when there is none. */
bool p2pmem_vcache_next_provider(unsigned long *provider)
{
	return xa_find(&p2pmem_vcache, provider, ULONG_MAX, XA_PRESENT);
}

/* For listing: @provider's first client at or after *client; false when there is none. */
bool p2pmem_vcache_next_client(unsigned long provider, unsigned long *client,
			       unsigned long *val)
{
	struct p2pmem_vcache_row *row;
	void *entry = NULL;

	rcu_read_lock();
	row = xa_load(&p2pmem_vcache, provider);
	if (row)
		entry = xa_find(&row->clients, client, ULONG_MAX, XA_PRESENT);
	rcu_read_unlock();
	if (!xa_is_value(entry))
		return false;
	*val = xa_to_value(entry);
	return true;
}

/* Module exit: nothing can look up any more. */
void p2pmem_vcache_destroy(void)
{
	p2pmem_vcache_flush();
	xa_destroy(&p2pmem_vcache);
}

/* Refusal messages share one budget: 10 lines per 5 s. */
static DEFINE_RATELIMIT_STATE(p2pmem_refusal_rs, 5 * HZ, 10);

bool p2pmem_refusal_ratelimit(void)
{
	return __ratelimit(&p2pmem_refusal_rs);
}

/* The 48-bit id of a PCI function: its whole domain (as u32) << 16 | bus << 8 | devfn. */
u64 p2pmem_pci_addr(struct device *dev)
{
	struct pci_dev *pdev = to_pci_dev(dev);

	return (u64)(u32)pci_domain_nr(pdev->bus) << 16 | pdev->bus->number << 8 | pdev->devfn;
}

/* min(DMA mask, bus limit): the highest address @dev can reach. */
u64 p2pmem_dma_limit(struct device *dev)
{
	u64 mask = dma_get_mask(dev);

	return dev->bus_dma_limit ? min(mask, dev->bus_dma_limit) : mask;
}

void p2pmem_dma_seg_limits(struct device *dev, u64 *max_seg, u64 *boundary)
{
	*max_seg = dma_get_max_seg_size(dev);
	*boundary = dma_get_seg_boundary(dev);
}
