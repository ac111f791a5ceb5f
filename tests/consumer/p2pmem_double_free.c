// SPDX-License-Identifier: GPL-2.0
/*
 * Double frees, for the VM tests (tests/vm/double-free.sh). A buggy consumer must not make
 * p2pmem hand a block out twice or drop a pagemap reference it does not hold; p2pmem refuses
 * the second free with a warning instead. Everything runs on one CPU (preemption disabled: the
 * API works in atomic context), so the per-CPU cache is this CPU's:
 *
 * - cached: a page freed twice while it sits in the cache. The next two allocations of a page
 *   must not return the same address.
 * - referenced: a page of a freed three-page allocation that someone still references (a
 *   get_page()) is freed again on its own while the order-0 cache is full, so it goes back to
 *   the index; the last put_page() then finds it free there. The free that put_page() makes
 *   must keep the pagemap reference: the bogus free already dropped one, and teardown (the
 *   test unbinds the provider afterwards) would find the count below zero.
 * - indexed: a three-page allocation (not cached: not a power of two) freed twice. The index
 *   refuses the second free; the allocation count and the pagemap reference must stay.
 *
 *   insmod p2pmem_double_free.ko provider=0000:05:00.0
 *
 * Logs "p2pmem_double_free: cached: distinct" (or "SAME ADDRESS"),
 * "p2pmem_double_free: referenced: done" and "p2pmem_double_free: indexed: done"; the load
 * fails (-EIO) on the same address.
 */

#include <linux/device.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/p2pmem.h>
#include <linux/pci.h>

static char *provider;
module_param(provider, charp, 0444);
MODULE_PARM_DESC(provider, "PCI address of a p2pmem provider");

static int double_free_cached(struct p2pmem_provider *p)
{
	void *a, *x, *y;
	int ret = 0;

	preempt_disable();
	a = p2pmem_alloc(p, PAGE_SIZE);
	if (!a) {
		preempt_enable();
		return -ENOMEM;
	}
	p2pmem_free(p, a, PAGE_SIZE);
	p2pmem_free(p, a, PAGE_SIZE);
	x = p2pmem_alloc(p, PAGE_SIZE);
	y = p2pmem_alloc(p, PAGE_SIZE);
	if (x && x == y) {
		ret = -EIO;
		y = NULL;
	}
	if (x)
		p2pmem_free(p, x, PAGE_SIZE);
	if (y)
		p2pmem_free(p, y, PAGE_SIZE);
	preempt_enable();
	pr_info("p2pmem_double_free: cached: %s\n", ret ? "SAME ADDRESS" : "distinct");
	return ret;
}

static int double_free_referenced(struct p2pmem_provider *p)
{
	void *fill[4] = {}, *a;
	struct page *page;
	int i, ret = 0;

	preempt_disable();
	/* Fill this CPU's order-0 cache (4 blocks deep). */
	for (i = 0; i < ARRAY_SIZE(fill); i++)
		fill[i] = p2pmem_alloc(p, PAGE_SIZE);
	for (i = 0; i < ARRAY_SIZE(fill); i++)
		if (fill[i])
			p2pmem_free(p, fill[i], PAGE_SIZE);
	a = p2pmem_alloc(p, 3 * PAGE_SIZE);
	if (!a) {
		ret = -ENOMEM;
		goto out;
	}
	page = virt_to_page(a);
	get_page(page);
	p2pmem_free(p, a, 3 * PAGE_SIZE);
	/* The bug: that page was freed above; the cache is full, so it goes to the index. */
	p2pmem_free(p, a, PAGE_SIZE);
	/* The last reference: the page goes back once more, and is found free. */
	put_page(page);
out:
	preempt_enable();
	pr_info("p2pmem_double_free: referenced: %s\n", ret ? "no memory" : "done");
	return ret;
}

static int double_free_indexed(struct p2pmem_provider *p)
{
	void *a = p2pmem_alloc(p, 3 * PAGE_SIZE);

	if (!a)
		return -ENOMEM;
	p2pmem_free(p, a, 3 * PAGE_SIZE);
	p2pmem_free(p, a, 3 * PAGE_SIZE);
	pr_info("p2pmem_double_free: indexed: done\n");
	return 0;
}

static int __init p2pmem_double_free_init(void)
{
	struct p2pmem_provider *p;
	struct device *dev;
	int ret;

	if (!provider)
		return -EINVAL;
	dev = bus_find_device_by_name(&pci_bus_type, NULL, provider);
	if (!dev)
		return -ENODEV;
	p = p2pmem_provider_get(to_pci_dev(dev));
	put_device(dev);
	if (!p)
		return -ENODEV;
	ret = double_free_cached(p);
	ret = double_free_referenced(p) ?: ret;
	ret = double_free_indexed(p) ?: ret;
	p2pmem_provider_put(p);
	return ret;
}

static void __exit p2pmem_double_free_exit(void)
{
}

module_init(p2pmem_double_free_init);
module_exit(p2pmem_double_free_exit);
MODULE_DESCRIPTION("Double frees of p2pmem memory (test module)");
MODULE_LICENSE("GPL");
