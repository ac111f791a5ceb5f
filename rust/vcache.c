// SPDX-License-Identifier: GPL-2.0
/*
 * The verdict cache: (provider, client) -> map type and distance, as xarray value entries, so
 * a lookup is one lock-free xa_load() under RCU and storing needs no object. The Rust side
 * (src/verdict_cache.rs) decides what goes in; this file only keeps it.
 *
 * Invalidation: every flush bumps a generation under the xarray lock and erases everything. A
 * verdict computed from topology read before a flush is stored only if no flush happened since
 * (checked under the same lock), so a flush can never be undone by a late store.
 */

#include <linux/atomic.h>
#include <linux/dma-mapping.h>
#include <linux/pci.h>
#include <linux/ratelimit.h>
#include <linux/xarray.h>

#include "helpers.h"

static DEFINE_XARRAY_FLAGS(p2pmem_vcache, XA_FLAGS_LOCK_IRQ);
static atomic_t p2pmem_vcache_gen = ATOMIC_INIT(0);

bool p2pmem_vcache_lookup(unsigned long key, unsigned long *val)
{
	void *entry = xa_load(&p2pmem_vcache, key);

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
void p2pmem_vcache_store(unsigned long key, unsigned long val, unsigned int gen)
{
	unsigned long flags;

	xa_lock_irqsave(&p2pmem_vcache, flags);
	if (atomic_read(&p2pmem_vcache_gen) == gen)
		__xa_store(&p2pmem_vcache, key, xa_mk_value(val), GFP_ATOMIC | __GFP_NOWARN);
	xa_unlock_irqrestore(&p2pmem_vcache, flags);
}

void p2pmem_vcache_flush(void)
{
	unsigned long flags, index;
	void *entry;

	xa_lock_irqsave(&p2pmem_vcache, flags);
	atomic_inc(&p2pmem_vcache_gen);
	xa_for_each(&p2pmem_vcache, index, entry)
		__xa_erase(&p2pmem_vcache, index);
	xa_unlock_irqrestore(&p2pmem_vcache, flags);
}

/* The first entry at or after *index, for listing; false when there is none. */
bool p2pmem_vcache_next(unsigned long *index, unsigned long *val)
{
	void *entry = xa_find(&p2pmem_vcache, index, ULONG_MAX, XA_PRESENT);

	if (!xa_is_value(entry))
		return false;
	*val = xa_to_value(entry);
	return true;
}

/* Module exit: nothing can look up any more. */
void p2pmem_vcache_destroy(void)
{
	xa_destroy(&p2pmem_vcache);
}

/* Refusal messages share one budget: 10 lines per 5 s. */
static DEFINE_RATELIMIT_STATE(p2pmem_refusal_rs, 5 * HZ, 10);

bool p2pmem_refusal_ratelimit(void)
{
	return __ratelimit(&p2pmem_refusal_rs);
}

u32 p2pmem_pci_addr(struct device *dev)
{
	struct pci_dev *pdev = to_pci_dev(dev);

	return (u32)(pci_domain_nr(pdev->bus) & 0xffff) << 16 | pdev->bus->number << 8 |
		pdev->devfn;
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
