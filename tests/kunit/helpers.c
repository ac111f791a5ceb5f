// SPDX-License-Identifier: GPL-2.0
/*
 * C side of the KUnit suites (built only with P2PMEM_KUNIT=1): builds scatterlists for the map
 * shim and reads back what it mapped, so the Rust tests can assert DMA addresses exactly.
 */

#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/p2pmem.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>

#include "helpers.h"

int p2pmem_test_map_sg(struct device *dev, void *const *bufs, const u32 *lens, int n, u64 *dma,
		       u32 *dma_len)
{
	struct p2pmem_map_state *state;
	struct scatterlist *sgl, *sg;
	int i, count;

	sgl = kmalloc_objs(*sgl, n);
	if (!sgl)
		return -ENOMEM;
	sg_init_table(sgl, n);
	for (i = 0; i < n; i++)
		sg_set_buf(&sgl[i], bufs[i], lens[i]);
	count = p2pmem_map_sg(dev, sgl, n, DMA_BIDIRECTIONAL, 0, &state);
	if (count > 0) {
		for_each_sg(sgl, sg, count, i) {
			dma[i] = sg_dma_address(sg);
			dma_len[i] = sg_dma_len(sg);
		}
		p2pmem_unmap_sg(dev, sgl, DMA_BIDIRECTIONAL, 0, state);
	}
	kfree(sgl);
	return count;
}

u64 p2pmem_test_dma_mask(struct device *dev)
{
	return dma_get_mask(dev);
}

int p2pmem_test_set_dma_mask(struct device *dev, u64 mask)
{
	return dma_set_mask(dev, mask);
}

/* The N of the p2pmemN a buffer's page belongs to, or -1. */
int p2pmem_test_page_provider_id(void *vaddr)
{
	struct p2pmem_provider *p = p2pmem_page_provider(virt_to_page(vaddr));

	return p ? p2pmem_provider_id(p) : -1;
}

u64 p2pmem_test_virt_to_phys(void *vaddr)
{
	return virt_to_phys(vaddr);
}

int p2pmem_test_page_ref(void *vaddr)
{
	return page_ref_count(virt_to_page(vaddr));
}

void p2pmem_test_get_page(void *vaddr)
{
	get_page(virt_to_page(vaddr));
}

void p2pmem_test_put_page(void *vaddr)
{
	put_page(virt_to_page(vaddr));
}

/*
 * Test builds only: a pause inside wrap's check-and-insert step (src/wrap.rs), so a VM test can
 * land a driver bind inside it every time (tests/vm/wrap-bind-race.sh).
 */
static unsigned int test_wrap_delay_ms;
module_param(test_wrap_delay_ms, uint, 0644);
MODULE_PARM_DESC(test_wrap_delay_ms, "KUnit builds only: ms wrap sleeps between its driver check and its insertion");

void p2pmem_test_wrap_delay(void)
{
	unsigned int ms = READ_ONCE(test_wrap_delay_ms);

	if (ms)
		msleep(ms);
}
