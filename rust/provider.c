// SPDX-License-Identifier: GPL-2.0
/*
 * C half of a p2pmem provider: the ZONE_DEVICE pagemap over a BAR range, the pool of its pages
 * (a page index with per-CPU caches), the allocation fast path and the class device with its
 * attributes. The Rust side
 * (src/ffi/provider.rs) owns each provider and decides when it is created and destroyed.
 *
 * The pool is a page index (src/page_index.rs: a buddy allocator over page numbers behind an
 * IRQ-safe spinlock) rather than genalloc, whose first-fit bitmap scan slows down with the size
 * and fragmentation of the pool (Documentation/p2pmem/bench.rst).
 *
 * Lifetime: the struct embeds its class device and is freed by the device's release, so a
 * reference on the device (a consumer's) keeps the struct, never the memory. Every allocation
 * holds a reference on pgmap.ref. p2pmem_provider_destroy() removes the class device, then
 * memunmap_pages() kills that reference (new allocations fail) and waits until every
 * allocation has been freed; then the index is unpublished under RCU and destroyed.
 */

#include <linux/device.h>
#include <linux/idr.h>
#include <linux/ioport.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/pci.h>
#include <linux/p2pmem.h>
#include <linux/percpu-refcount.h>
#include <linux/random.h>
#include <linux/scatterlist.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#include "helpers.h"
#include "provider.h"

static DEFINE_IDA(p2pmem_ida);

static struct p2pmem_provider *to_provider(struct dev_pagemap *pgmap)
{
	return container_of(pgmap, struct p2pmem_provider, pgmap);
}

static unsigned long p2pmem_page_nr(struct p2pmem_provider *p, const void *addr)
{
	return (addr - p->vaddr) >> PAGE_SHIFT;
}

/*
 * Per-CPU caches of free blocks. An allocation of 2^order pages (order < P2PMEM_PCP_ORDERS)
 * first looks in its CPU's cache, and its free goes back there while the cache has room; so a
 * CPU that allocates and frees the same sizes neither splits nor merges buddies nor shares a
 * lock with the other CPUs. A CPU's cache holds at most pcp_max pages (1/8 of the pool split
 * over the possible CPUs); when the index is exhausted, every cache is drained into it and the
 * allocation retried.
 */
static int p2pmem_pcp_order(unsigned long pages)
{
	return is_power_of_2(pages) && ilog2(pages) < P2PMEM_PCP_ORDERS ? ilog2(pages) : -1;
}

/*
 * The first page of a block in a cache has zone_device_data set to its provider (the field is
 * the pagemap owner's), so a second free of the block is seen whichever CPU's cache holds it.
 * Only first pages are marked: allocating from a cache writes one struct page.
 */
static struct page *p2pmem_nr_page(struct p2pmem_provider *p, unsigned long nr)
{
	return virt_to_page(p->vaddr + (nr << PAGE_SHIFT));
}

static bool p2pmem_pcp_mark(struct p2pmem_provider *p, unsigned long first)
{
	return !cmpxchg(&p2pmem_nr_page(p, first)->zone_device_data, NULL, p);
}

static void p2pmem_pcp_unmark(struct p2pmem_provider *p, unsigned long first)
{
	WRITE_ONCE(p2pmem_nr_page(p, first)->zone_device_data, NULL);
}

static long p2pmem_pcp_take(struct p2pmem_provider *p, int order)
{
	struct p2pmem_pcp *pcp;
	unsigned long flags;
	long first = -1;

	pcp = raw_cpu_ptr(p->pcp);
	spin_lock_irqsave(&pcp->lock, flags);
	if (pcp->count[order]) {
		first = pcp->first[order][--pcp->count[order]];
		pcp->pages -= 1UL << order;
		p2pmem_pcp_unmark(p, first);
	}
	spin_unlock_irqrestore(&pcp->lock, flags);
	return first;
}

/*
 * Caches a freed block if there is room: 1 if cached, 0 if not, -EEXIST if it overlaps a block
 * this CPU's cache already holds, or its first page is the first of a block in any cache (a
 * double free: caching it would hand it out twice, and the index, which counts cached blocks
 * as allocated, would take it too).
 */
static int p2pmem_pcp_put(struct p2pmem_provider *p, int order, unsigned long first)
{
	unsigned long flags, last = first + (1UL << order);
	struct p2pmem_pcp *pcp;
	int o, i, ret = 0;

	pcp = raw_cpu_ptr(p->pcp);
	spin_lock_irqsave(&pcp->lock, flags);
	for (o = 0; o < P2PMEM_PCP_ORDERS; o++)
		for (i = 0; i < pcp->count[o]; i++)
			if (pcp->first[o][i] < last && first < pcp->first[o][i] + (1UL << o))
				ret = -EEXIST;
	if (!ret && pcp->count[order] < P2PMEM_PCP_DEPTH &&
	    pcp->pages + (1UL << order) <= p->pcp_max) {
		if (!p2pmem_pcp_mark(p, first)) {
			spin_unlock_irqrestore(&pcp->lock, flags);
			return -EEXIST;
		}
		pcp->first[order][pcp->count[order]++] = first;
		pcp->pages += 1UL << order;
		ret = 1;
	}
	spin_unlock_irqrestore(&pcp->lock, flags);
	return ret;
}

/* Gives every cached block back to the index; returns the pages drained. */
static unsigned long p2pmem_pcp_drain(struct p2pmem_provider *p, void *index)
{
	unsigned long flags, drained = 0;
	int cpu, order;

	for_each_possible_cpu(cpu) {
		struct p2pmem_pcp *pcp = per_cpu_ptr(p->pcp, cpu);

		spin_lock_irqsave(&pcp->lock, flags);
		for (order = 0; order < P2PMEM_PCP_ORDERS; order++) {
			while (pcp->count[order]) {
				unsigned long first = pcp->first[order][--pcp->count[order]];

				p2pmem_pcp_unmark(p, first);
				WARN_ON_ONCE(p2pmem_index_free(index, first, 1UL << order));
				drained += 1UL << order;
			}
		}
		pcp->pages = 0;
		spin_unlock_irqrestore(&pcp->lock, flags);
	}
	return drained;
}

static unsigned long p2pmem_pcp_pages(struct p2pmem_provider *p)
{
	unsigned long pages = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		pages += READ_ONCE(per_cpu_ptr(p->pcp, cpu)->pages);
	return pages;
}

/*
 * Page reference contract. Every page of an allocation is handed out with refcount 1, owned by
 * the allocation. Kernel users may take and drop more references (get_page()/put_page(): the
 * network stack does). p2pmem_free() drops the allocation's references; a page goes back to
 * the pool when its last reference is gone, so memory still referenced is never reused.
 *
 * Pages in the pool keep the allocation's reference (refcount 1), so allocating touches no
 * struct page, and freeing only reads the refcount of each page: a page nobody else references
 * goes straight back (in one index call per run of such pages); a page someone still
 * references loses the allocation's reference, takes one on pgmap.ref (teardown waits for it)
 * and comes back here, at refcount 0, with its last put_page().
 */
static void p2pmem_folio_free(struct folio *folio)
{
	struct page *page = folio_page(folio, 0);
	struct p2pmem_provider *p = to_provider(page_pgmap(page));

	/* A page is live, so the pagemap is, and so is the index (destroyed after memunmap). */
	set_page_count(page, 1);
	/*
	 * The index refuses a page it holds as free: the page went back twice, a user freed it
	 * while someone still referenced it. The free that put it back dropped a pagemap reference
	 * already, so this one is kept: at worst a reference leaks (teardown waits for it, after
	 * this warning), where dropping it could take the count below zero (teardown would go on
	 * while pages are in use).
	 */
	if (WARN_ONCE(p2pmem_index_free(rcu_dereference_protected(p->index, 1),
					p2pmem_page_nr(p, page_to_virt(page)), 1),
		      "p2pmem: a page went back to the pool twice"))
		return;
	percpu_ref_put(&p->pgmap.ref);
}

static const struct dev_pagemap_ops p2pmem_pgmap_ops = {
	.folio_free = p2pmem_folio_free,
};

static struct p2pmem_provider *to_p2pmem_provider(struct device *dev)
{
	return container_of(dev, struct p2pmem_provider, dev);
}

/* --- class device attributes ------------------------------------------------------------- */

#define P2PMEM_ATTR(name, fmt, expr)						\
static ssize_t name##_show(struct device *dev, struct device_attribute *attr,	\
			   char *buf)						\
{										\
	struct p2pmem_provider *p = to_p2pmem_provider(dev);			\
										\
	return sysfs_emit(buf, fmt "\n", expr);					\
}										\
static DEVICE_ATTR_RO(name)

/* Attributes are removed (and drained) before the pool is torn down. */
P2PMEM_ATTR(size, "%llu", p->size);
P2PMEM_ATTR(available, "%zu", p2pmem_provider_avail(p));
P2PMEM_ATTR(published, "%d", READ_ONCE(p->published));
P2PMEM_ATTR(bar, "%d", p->bar);
P2PMEM_ATTR(offset, "%llu", p->offset);
P2PMEM_ATTR(bus_offset, "0x%llx", p->bus_offset);
P2PMEM_ATTR(allocations, "%ld", atomic_long_read(&p->allocations));
P2PMEM_ATTR(peak, "%ld", atomic_long_read(&p->peak));
P2PMEM_ATTR(alloc_failures, "%ld", atomic_long_read(&p->alloc_failures));

/* Read by p2pmem_pinnable() at each mmap; existing mappings keep their kind. */
static ssize_t pin_any_client_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", READ_ONCE(to_p2pmem_provider(dev)->pin_any_client));
}

static ssize_t pin_any_client_store(struct device *dev, struct device_attribute *attr,
				    const char *buf, size_t count)
{
	bool v;
	int ret = kstrtobool(buf, &v);

	if (ret)
		return ret;
	WRITE_ONCE(to_p2pmem_provider(dev)->pin_any_client, v);
	return count;
}
static DEVICE_ATTR_RW(pin_any_client);

bool p2pmem_provider_pin_any_client(struct p2pmem_provider *p)
{
	return READ_ONCE(p->pin_any_client);
}

/* /sys/class/p2pmem/p2pmemN/allocate (src/user_mapping.rs); kernfs zaps its mappings itself. */
static int p2pmem_allocate_mmap(struct file *file, struct kobject *kobj,
				const struct bin_attribute *attr, struct vm_area_struct *vma)
{
	struct p2pmem_provider *p = to_p2pmem_provider(kobj_to_dev(kobj));

	return p2pmem_user_maps_mmap_sysfs(p, p->user_maps, vma);
}

static const struct bin_attribute p2pmem_allocate_attr = {
	.attr = { .name = "allocate", .mode = 0600 },
	.mmap = p2pmem_allocate_mmap,
	/* Userspace (python's mmap) checks the file is at least as large as the mapping. */
	.size = SZ_1T,
};

static const struct bin_attribute *const p2pmem_provider_bin_attrs[] = {
	&p2pmem_allocate_attr,
	NULL,
};

static struct attribute *p2pmem_provider_attrs[] = {
	&dev_attr_size.attr,
	&dev_attr_available.attr,
	&dev_attr_published.attr,
	&dev_attr_bar.attr,
	&dev_attr_offset.attr,
	&dev_attr_bus_offset.attr,
	&dev_attr_allocations.attr,
	&dev_attr_peak.attr,
	&dev_attr_alloc_failures.attr,
	&dev_attr_pin_any_client.attr,
	NULL,
};

static umode_t p2pmem_provider_bin_visible(struct kobject *kobj,
					   const struct bin_attribute *attr, int n)
{
	return p2pmem_bench_only() ? 0 : attr->attr.mode;
}

static const struct attribute_group p2pmem_provider_group = {
	.attrs = p2pmem_provider_attrs,
	.is_bin_visible = p2pmem_provider_bin_visible,
	.bin_attrs = p2pmem_provider_bin_attrs,
};

static const struct attribute_group *p2pmem_provider_groups[] = {
	&p2pmem_provider_group,
	NULL,
};

/* --- creation and teardown --------------------------------------------------------------- */

int p2pmem_bar_info(struct device *dev, int bar, struct p2pmem_bar_info *info)
{
	struct pci_dev *pdev = to_pci_dev(dev);
	struct resource *res;

	if (bar < 0 || bar >= PCI_STD_NUM_BARS)
		return -EINVAL;
	res = pci_resource_n(pdev, bar);
	if (!(res->flags & IORESOURCE_MEM))
		return -EINVAL;
	info->start = pci_resource_start(pdev, bar);
	info->len = pci_resource_len(pdev, bar);
	info->bus_start = pci_bus_address(pdev, bar);
	info->unset = res->flags & IORESOURCE_UNSET;
	info->disabled = res->flags & IORESOURCE_DISABLED;
	info->prefetchable = res->flags & IORESOURCE_PREFETCH;
	info->in_tree = res->parent;
	return 0;
}

u64 p2pmem_compat_align(void)
{
	return memremap_compat_align();
}

bool p2pmem_range_is_ram(u64 start, u64 size)
{
	return region_intersects(start, size, IORESOURCE_SYSTEM_RAM, IORES_DESC_NONE) !=
		REGION_DISJOINT;
}

static void p2pmem_provider_release(struct device *dev)
{
	struct p2pmem_provider *p = container_of(dev, struct p2pmem_provider, dev);

	p2pmem_user_maps_free(p->user_maps);
	free_percpu(p->pcp);
	if (p->id >= 0)
		ida_free(&p2pmem_ida, p->id);
	pci_dev_put(p->pdev);
	kfree(p);
}

struct p2pmem_provider *p2pmem_provider_create(const struct class *class, struct device *dev,
					       int bar, u64 offset, u64 size,
					       const u64 *bus_offset, int *err)
{
	struct pci_dev *pdev = to_pci_dev(dev);
	struct p2pmem_provider *p;
	int node = dev_to_node(dev);
	unsigned long i;
	void *index;
	void *addr;

	p = kzalloc_obj(*p);
	if (!p) {
		*err = -ENOMEM;
		return NULL;
	}
	p->pdev = pci_dev_get(pdev);
	p->bar = bar;
	p->offset = offset;
	p->size = size;
	/* A test may pretend a host bridge with a bus offset (none on x86). */
	p->bus_offset = bus_offset ? *bus_offset :
		pci_bus_address(pdev, bar) - pci_resource_start(pdev, bar);
	mutex_init(&p->revoke_lock);
	INIT_LIST_HEAD(&p->revokers);
	device_initialize(&p->dev);
	p->dev.class = class;
	p->dev.parent = dev;
	p->dev.groups = p2pmem_provider_groups;
	p->dev.release = p2pmem_provider_release;
	/* From here on, put_device() frees everything above. */

	p->id = ida_alloc(&p2pmem_ida, GFP_KERNEL);
	if (p->id < 0) {
		*err = p->id;
		goto err_put;
	}
	*err = dev_set_name(&p->dev, "p2pmem%d", p->id);
	if (*err)
		goto err_put;

	p->pcp = alloc_percpu(struct p2pmem_pcp);
	if (!p->pcp) {
		*err = -ENOMEM;
		goto err_put;
	}
	for_each_possible_cpu(i)
		spin_lock_init(&per_cpu_ptr(p->pcp, i)->lock);
	p->pcp_max = (size >> PAGE_SHIFT) / 8 / num_possible_cpus();
	/* Before device_add(), which creates the allocate file. */
	p->user_maps = p2pmem_user_maps_new();
	if (!p->user_maps) {
		*err = -ENOMEM;
		goto err_put;
	}
	*err = p2pmem_index_create(size >> PAGE_SHIFT, &index);
	if (*err)
		goto err_put;

	p->pgmap.range.start = pci_resource_start(pdev, bar) + offset;
	p->pgmap.range.end = p->pgmap.range.start + size - 1;
	p->pgmap.nr_range = 1;
	p->pgmap.type = MEMORY_DEVICE_PCI_P2PDMA;
	p->pgmap.ops = &p2pmem_pgmap_ops;
	addr = memremap_pages(&p->pgmap, node);
	if (IS_ERR(addr)) {
		*err = PTR_ERR(addr);
		goto err_index;
	}
	p->vaddr = addr;
	/* Pool pages hold the reference an allocation hands out (see p2pmem_folio_free()). */
	for (i = 0; i < size >> PAGE_SHIFT; i++)
		set_page_count(virt_to_page(addr + i * PAGE_SIZE), 1);
	rcu_assign_pointer(p->index, index);

	*err = device_add(&p->dev);
	if (*err)
		goto err_unpublish;
	*err = p2pmem_user_maps_add(p, p->user_maps);
	if (*err)
		goto err_del;
	return p;

err_del:
	device_del(&p->dev);
err_unpublish:
	RCU_INIT_POINTER(p->index, NULL);
	synchronize_rcu();
	memunmap_pages(&p->pgmap);
err_index:
	p2pmem_index_destroy(index);
err_put:
	put_device(&p->dev);
	return NULL;
}

/* Tells every registered user that the provider is going, before teardown waits for them. */
static void p2pmem_provider_revoke(struct p2pmem_provider *p)
{
	struct p2pmem_revoke *r, *tmp;

	mutex_lock(&p->revoke_lock);
	WRITE_ONCE(p->revoked, true);
	/*
	 * An allocation checks revoked and takes its memory in one RCU read-side critical section
	 * (p2pmem_provider_alloc()). Wait for every such section, so that when the first callback
	 * starts, every allocation that will ever succeed has its memory, and so has been counted,
	 * and every RCU reader of the provider's users that began before has finished
	 * (Documentation/p2pmem/driver-api.rst, "Revocation callbacks").
	 */
	synchronize_rcu();
	list_for_each_entry_safe(r, tmp, &p->revokers, node) {
		list_del_init(&r->node);
		r->revoke(r);
	}
	mutex_unlock(&p->revoke_lock);
	p2pmem_user_maps_revoke(p, p->user_maps);
}

void p2pmem_provider_destroy(struct p2pmem_provider *p)
{
	void *index;

	p2pmem_user_maps_del(p->user_maps);
	device_del(&p->dev);
	p2pmem_provider_revoke(p);
	/* Kills pgmap.ref (allocations fail from now on), then waits for every allocation. */
	memunmap_pages(&p->pgmap);
	index = rcu_replace_pointer(p->index, NULL, true);
	/* Wait for allocators that saw the index before the reference died. */
	synchronize_rcu();
	p2pmem_index_destroy(index);
	put_device(&p->dev);
}

int p2pmem_provider_id(struct p2pmem_provider *p)
{
	return p->id;
}

void p2pmem_provider_publish(struct p2pmem_provider *p, bool publish)
{
	WRITE_ONCE(p->published, publish && !p2pmem_bench_only());
}

bool p2pmem_provider_published(struct p2pmem_provider *p)
{
	return READ_ONCE(p->published);
}

/* --- allocation -------------------------------------------------------------------------- */

void *p2pmem_provider_alloc(struct p2pmem_provider *p, size_t size)
{
	unsigned long pages = DIV_ROUND_UP(size, PAGE_SIZE);
	void *ret = NULL;
	void *index;
	long n, peak;
	s64 first;

	rcu_read_lock();
	index = rcu_dereference(p->index);
	/*
	 * One pagemap reference per allocation, as pci_alloc_p2pmem() takes. Refused from
	 * revocation on: teardown would wait for what its users had just been told to give back.
	 */
	if (index && !READ_ONCE(p->revoked) && percpu_ref_tryget_live_rcu(&p->pgmap.ref)) {
		int order = p2pmem_pcp_order(pages);

		first = order >= 0 ? p2pmem_pcp_take(p, order) : -1;
		if (first < 0)
			first = p2pmem_index_alloc(index, pages);
		if (first < 0 && p2pmem_pcp_drain(p, index))
			first = p2pmem_index_alloc(index, pages);
		if (first >= 0)
			ret = p->vaddr + (first << PAGE_SHIFT);
		else
			percpu_ref_put(&p->pgmap.ref);
	}

	/* Counted in the read section: revocation waits for it (p2pmem_provider_revoke()). */
	if (!ret) {
		atomic_long_inc(&p->alloc_failures);
	} else {
		n = atomic_long_inc_return(&p->allocations);
		peak = atomic_long_read(&p->peak);
		while (n > peak && !atomic_long_try_cmpxchg(&p->peak, &peak, n))
			;
	}
	rcu_read_unlock();
	return ret;
}

/*
 * Returns each page nobody else references to the index, a run at a time; hands the others to
 * their last put_page() (see p2pmem_folio_free()).
 *
 * A double free is refused, with a warning, where it can be seen: a range holding the first
 * page of a block in any CPU's cache, a block overlapping one in this CPU's cache, or pages the
 * index holds as free. Nothing else changes then: the allocation count and the pagemap
 * reference were dropped by the first free. (If only part of the range was refused, the
 * reference is kept: a leak that teardown waits for, rather than an underflow.) Not seen: a
 * range that overlaps a block another CPU has cached but not its first page; such a block is
 * handed out twice.
 */
void p2pmem_provider_free(struct p2pmem_provider *p, void *addr, size_t size)
{
	unsigned long i, run = 0, pages = DIV_ROUND_UP(size, PAGE_SIZE);
	unsigned long first = p2pmem_page_nr(p, addr);
	/* The allocation's pagemap reference keeps the index. */
	void *index = rcu_dereference_protected(p->index, 1);
	/* ZONE_DEVICE needs SPARSEMEM_VMEMMAP: the struct pages of a range are contiguous. */
	struct page *page = virt_to_page(addr);
	bool refused = false;
	int order, cached;

	/* Before anything changes: a range holding a cached block's first page was freed. */
	for (i = 0; i < pages; i++)
		if (WARN_ONCE(READ_ONCE(page[i].zone_device_data),
			      "p2pmem: double free of a cached block (%lu)", first + i))
			return;
	for (i = 0; i < pages; i++, page++) {
		if (likely(page_ref_count(page) == 1)) {
			run++;
			continue;
		}
		/* Referenced elsewhere: that reference now keeps the pagemap. */
		percpu_ref_get(&p->pgmap.ref);
		if (unlikely(put_page_testzero(page))) {
			/* ... unless it was dropped meanwhile: then the page is ours again. */
			percpu_ref_put(&p->pgmap.ref);
			set_page_count(page, 1);
			run++;
			continue;
		}
		if (run && p2pmem_index_free(index, first + i - run, run))
			refused = true;
		run = 0;
	}
	order = run == pages ? p2pmem_pcp_order(pages) : -1;
	if (order >= 0) {
		cached = p2pmem_pcp_put(p, order, first);
		if (WARN_ONCE(cached < 0, "p2pmem: double free of a cached block (%lu)", first))
			return;
		if (cached)
			run = 0;
	}
	if (run && p2pmem_index_free(index, first + pages - run, run))
		refused = true;
	if (WARN_ONCE(refused, "p2pmem: double free of pages %lu-%lu", first, first + pages - 1))
		return;
	atomic_long_dec(&p->allocations);
	percpu_ref_put(&p->pgmap.ref);
}

u64 p2pmem_provider_virt_to_bus(struct p2pmem_provider *p, void *addr)
{
	return p->pgmap.range.start + p->bus_offset + (addr - p->vaddr);
}

long p2pmem_provider_allocations(struct p2pmem_provider *p)
{
	return atomic_long_read(&p->allocations);
}

size_t p2pmem_provider_avail(struct p2pmem_provider *p)
{
	size_t avail = 0;
	void *index;

	rcu_read_lock();
	index = rcu_dereference(p->index);
	if (index)
		avail = (p2pmem_index_free_pages(index) + p2pmem_pcp_pages(p)) << PAGE_SHIFT;
	rcu_read_unlock();
	return avail;
}

/* --- the exported C API (include/linux/p2pmem.h) ----------------------------------------- */

struct p2pmem_provider *p2pmem_page_provider(struct page *page)
{
	struct dev_pagemap *pgmap;

	if (!page || !is_zone_device_page(page))
		return NULL;
	pgmap = page_pgmap(page);
	return pgmap->ops == &p2pmem_pgmap_ops ? to_provider(pgmap) : NULL;
}
EXPORT_SYMBOL_GPL(p2pmem_page_provider);

struct pci_dev *p2pmem_provider_pci_dev(struct p2pmem_provider *p)
{
	return p->pdev;
}
EXPORT_SYMBOL_GPL(p2pmem_provider_pci_dev);

struct device *p2pmem_provider_device(struct p2pmem_provider *p)
{
	return &p->dev;
}

void p2pmem_provider_ref(struct p2pmem_provider *p)
{
	get_device(&p->dev);
}

void p2pmem_provider_span(struct p2pmem_provider *p, struct p2pmem_provider_span *s)
{
	s->start = p->pgmap.range.start;
	s->end = p->pgmap.range.end;
	s->bus_offset = p->bus_offset;
}

u32 p2pmem_random_below(u32 n)
{
	return get_random_u32_below(n);
}

void p2pmem_provider_put(struct p2pmem_provider *p)
{
	if (p)
		put_device(&p->dev);
}
EXPORT_SYMBOL_GPL(p2pmem_provider_put);

void *p2pmem_alloc(struct p2pmem_provider *p, size_t size)
{
	return size ? p2pmem_provider_alloc(p, size) : NULL;
}
EXPORT_SYMBOL_GPL(p2pmem_alloc);

void p2pmem_free(struct p2pmem_provider *p, void *addr, size_t size)
{
	p2pmem_provider_free(p, addr, size);
}
EXPORT_SYMBOL_GPL(p2pmem_free);

size_t p2pmem_available(struct p2pmem_provider *p)
{
	return p2pmem_provider_avail(p);
}
EXPORT_SYMBOL_GPL(p2pmem_available);

u64 p2pmem_virt_to_bus(struct p2pmem_provider *p, void *addr)
{
	return p2pmem_provider_virt_to_bus(p, addr);
}
EXPORT_SYMBOL_GPL(p2pmem_virt_to_bus);

int p2pmem_register_revoke(struct p2pmem_provider *p, struct p2pmem_revoke *r)
{
	int ret = 0;

	if (!r->revoke)
		return -EINVAL;
	mutex_lock(&p->revoke_lock);
	if (p->revoked)
		ret = -ENODEV;
	else
		list_add_tail(&r->node, &p->revokers);
	mutex_unlock(&p->revoke_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(p2pmem_register_revoke);

void p2pmem_unregister_revoke(struct p2pmem_provider *p, struct p2pmem_revoke *r)
{
	/* Waits for a revoke callback in progress. */
	mutex_lock(&p->revoke_lock);
	if (r->node.next && !list_empty(&r->node))
		list_del_init(&r->node);
	mutex_unlock(&p->revoke_lock);
}
EXPORT_SYMBOL_GPL(p2pmem_unregister_revoke);
