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
 * - cross-CPU: a page freed on one CPU, where it goes to that CPU's cache, and again on another
 *   CPU (work_on_cpu()), where it would go to that one's. The next allocation of a page on
 *   each CPU must not return the same address. Each CPU's order-0 cache is emptied first (four
 *   pages allocated and held), so both frees find room. Skipped (logged) with one CPU online.
 * - indexed: a three-page allocation (not cached: not a power of two) freed twice. The index
 *   refuses the second free; the allocation count and the pagemap reference must stay.
 *
 *   insmod p2pmem_double_free.ko provider=0000:05:00.0
 *
 * Logs "p2pmem_double_free: cached: distinct" (or "SAME ADDRESS"),
 * "p2pmem_double_free: referenced: done", "p2pmem_double_free: cross-CPU: distinct" (or
 * "SAME ADDRESS") and "p2pmem_double_free: indexed: done"; the load fails (-EIO) on the same
 * address.
 */

#include <linux/device.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/p2pmem.h>
#include <linux/pci.h>
#include <linux/workqueue.h>

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

/* One step of the cross-CPU case, run on a chosen CPU. */
struct double_free_step {
	struct p2pmem_provider *p;
	void *hold[4];		/* empty this CPU's order-0 cache; freed by free_held() */
	bool fill;		/* allocate hold[] first */
	void *free;		/* a page to free, or NULL */
	bool alloc;		/* then allocate a page into @got */
	void *got;
};

static long double_free_step(void *arg)
{
	struct double_free_step *s = arg;
	int i;

	preempt_disable();
	for (i = 0; s->fill && i < ARRAY_SIZE(s->hold); i++)
		s->hold[i] = p2pmem_alloc(s->p, PAGE_SIZE);
	if (s->free)
		p2pmem_free(s->p, s->free, PAGE_SIZE);
	s->got = s->alloc ? p2pmem_alloc(s->p, PAGE_SIZE) : NULL;
	preempt_enable();
	return 0;
}

static void free_held(struct double_free_step *s)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(s->hold); i++)
		if (s->hold[i])
			p2pmem_free(s->p, s->hold[i], PAGE_SIZE);
}

static int double_free_cross_cpu(struct p2pmem_provider *p)
{
	struct double_free_step a = { .p = p }, b = { .p = p };
	int this, other, ret = 0;
	void *page, *x, *y;

	cpus_read_lock();
	this = cpumask_first(cpu_online_mask);
	other = cpumask_next(this, cpu_online_mask);
	if (other >= nr_cpu_ids) {
		cpus_read_unlock();
		pr_info("p2pmem_double_free: cross-CPU: skipped (one CPU online)\n");
		return 0;
	}
	/* Both caches emptied; a page allocated and freed on "this": it sits in its cache. */
	b.fill = true;
	work_on_cpu(other, double_free_step, &b);
	a.fill = true;
	a.alloc = true;
	work_on_cpu(this, double_free_step, &a);
	page = a.got;
	a.fill = false;
	a.alloc = false;
	a.free = page;
	if (page)
		work_on_cpu(this, double_free_step, &a);
	/* The bug: freed again on the other CPU, which then allocates a page. */
	b.fill = false;
	b.free = page;
	b.alloc = true;
	if (page)
		work_on_cpu(other, double_free_step, &b);
	a.free = NULL;
	a.alloc = true;
	if (page)
		work_on_cpu(this, double_free_step, &a);
	cpus_read_unlock();
	x = a.got;
	y = b.got;
	if (!page) {
		ret = -ENOMEM;
	} else if (x && x == y) {
		ret = -EIO;
		y = NULL;
	}
	if (x)
		p2pmem_free(p, x, PAGE_SIZE);
	if (y)
		p2pmem_free(p, y, PAGE_SIZE);
	free_held(&a);
	free_held(&b);
	pr_info("p2pmem_double_free: cross-CPU: %s\n",
		ret == -EIO ? "SAME ADDRESS" : ret ? "no memory" : "distinct");
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
	ret = double_free_cross_cpu(p) ?: ret;
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
