// SPDX-License-Identifier: GPL-2.0
/*
 * C half of a p2pmem provider: the ZONE_DEVICE pagemap over a BAR range, the genalloc pool of
 * its pages, the allocation fast path and the class device with its attributes. The Rust side
 * (src/ffi/provider.rs) owns each provider and decides when it is created and destroyed.
 *
 * Lifetime: the struct embeds its class device and is freed by the device's release, so a
 * reference on the device (a consumer's) keeps the struct, never the memory. Every allocation
 * holds a reference on pgmap.ref. p2pmem_provider_destroy() removes the class device, then
 * memunmap_pages() kills that reference (new allocations fail) and waits until every
 * allocation has been freed; then the pool is unpublished under RCU and destroyed.
 */

#include <linux/device.h>
#include <linux/genalloc.h>
#include <linux/idr.h>
#include <linux/ioport.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/pci.h>
#include <linux/p2pmem.h>
#include <linux/percpu-refcount.h>
#include <linux/random.h>
#include <linux/slab.h>

#include "helpers.h"
#include "provider.h"

static DEFINE_IDA(p2pmem_ida);

static struct p2pmem_provider *to_provider(struct dev_pagemap *pgmap)
{
	return container_of(pgmap, struct p2pmem_provider, pgmap);
}

/* A page handed out one by one (user mappings) went back to refcount 0: back to the pool. */
static void p2pmem_folio_free(struct folio *folio)
{
	struct page *page = folio_page(folio, 0);
	struct p2pmem_provider *p = to_provider(page_pgmap(page));
	struct percpu_ref *ref;

	/* A page is live, so the pagemap is, and so is the pool (destroyed after memunmap). */
	gen_pool_free_owner(rcu_dereference_protected(p->pool, 1),
			    (unsigned long)page_to_virt(page), PAGE_SIZE, (void **)&ref);
	atomic_long_dec(&p->allocations);
	percpu_ref_put(ref);
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
P2PMEM_ATTR(available, "%zu", gen_pool_avail(rcu_dereference_protected(p->pool, 1)));
P2PMEM_ATTR(published, "%d", READ_ONCE(p->published));
P2PMEM_ATTR(bar, "%d", p->bar);
P2PMEM_ATTR(offset, "%llu", p->offset);
P2PMEM_ATTR(bus_offset, "0x%llx", p->bus_offset);
P2PMEM_ATTR(allocations, "%ld", atomic_long_read(&p->allocations));
P2PMEM_ATTR(peak, "%ld", atomic_long_read(&p->peak));
P2PMEM_ATTR(alloc_failures, "%ld", atomic_long_read(&p->alloc_failures));

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
	NULL,
};
ATTRIBUTE_GROUPS(p2pmem_provider);

/* --- creation and teardown --------------------------------------------------------------- */

int p2pmem_bar_info(struct device *dev, int bar, u64 *start, u64 *len, u64 *bus_start)
{
	struct pci_dev *pdev = to_pci_dev(dev);

	if (bar < 0 || bar >= PCI_STD_NUM_BARS)
		return -EINVAL;
	if (!(pci_resource_flags(pdev, bar) & IORESOURCE_MEM))
		return -EINVAL;
	*start = pci_resource_start(pdev, bar);
	*len = pci_resource_len(pdev, bar);
	*bus_start = pci_bus_address(pdev, bar);
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
	struct gen_pool *pool;
	int node = dev_to_node(dev);
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

	pool = gen_pool_create(PAGE_SHIFT, node);
	if (!pool) {
		*err = -ENOMEM;
		goto err_put;
	}

	p->pgmap.range.start = pci_resource_start(pdev, bar) + offset;
	p->pgmap.range.end = p->pgmap.range.start + size - 1;
	p->pgmap.nr_range = 1;
	p->pgmap.type = MEMORY_DEVICE_PCI_P2PDMA;
	p->pgmap.ops = &p2pmem_pgmap_ops;
	addr = memremap_pages(&p->pgmap, node);
	if (IS_ERR(addr)) {
		*err = PTR_ERR(addr);
		goto err_pool;
	}
	p->vaddr = addr;

	/* Chunk "phys" is the bus address, so virt_to_bus is gen_pool_virt_to_phys. */
	*err = gen_pool_add_owner(pool, (unsigned long)addr, p->pgmap.range.start + p->bus_offset,
				  size, node, &p->pgmap.ref);
	if (*err)
		goto err_unmap;
	rcu_assign_pointer(p->pool, pool);

	*err = device_add(&p->dev);
	if (*err)
		goto err_unpublish;
	return p;

err_unpublish:
	RCU_INIT_POINTER(p->pool, NULL);
	synchronize_rcu();
err_unmap:
	memunmap_pages(&p->pgmap);
err_pool:
	gen_pool_destroy(pool);
err_put:
	put_device(&p->dev);
	return NULL;
}

void p2pmem_provider_destroy(struct p2pmem_provider *p)
{
	struct gen_pool *pool;

	device_del(&p->dev);
	/* Kills pgmap.ref (allocations fail from now on), then waits for every allocation. */
	memunmap_pages(&p->pgmap);
	pool = rcu_replace_pointer(p->pool, NULL, true);
	/* Wait for allocators that saw the pool before the reference died. */
	synchronize_rcu();
	gen_pool_destroy(pool);
	put_device(&p->dev);
}

int p2pmem_provider_id(struct p2pmem_provider *p)
{
	return p->id;
}

void p2pmem_provider_publish(struct p2pmem_provider *p, bool publish)
{
	WRITE_ONCE(p->published, publish);
}

/* --- allocation -------------------------------------------------------------------------- */

void *p2pmem_provider_alloc(struct p2pmem_provider *p, size_t size)
{
	struct percpu_ref *ref;
	struct gen_pool *pool;
	void *ret = NULL;
	long n, peak;

	rcu_read_lock();
	pool = rcu_dereference(p->pool);
	if (pool) {
		ret = (void *)gen_pool_alloc_owner(pool, size, (void **)&ref);
		if (ret && unlikely(!percpu_ref_tryget_live_rcu(ref))) {
			gen_pool_free(pool, (unsigned long)ret, size);
			ret = NULL;
		}
	}
	rcu_read_unlock();

	if (!ret) {
		atomic_long_inc(&p->alloc_failures);
		return NULL;
	}
	n = atomic_long_inc_return(&p->allocations);
	peak = atomic_long_read(&p->peak);
	while (n > peak && !atomic_long_try_cmpxchg(&p->peak, &peak, n))
		;
	return ret;
}

/* The caller holds an allocation, hence a pagemap reference: the pool is alive. */
void p2pmem_provider_free(struct p2pmem_provider *p, void *addr, size_t size)
{
	struct percpu_ref *ref;

	gen_pool_free_owner(rcu_dereference_protected(p->pool, 1), (unsigned long)addr, size,
			    (void **)&ref);
	atomic_long_dec(&p->allocations);
	percpu_ref_put(ref);
}

u64 p2pmem_provider_virt_to_bus(struct p2pmem_provider *p, void *addr)
{
	return gen_pool_virt_to_phys(rcu_dereference_protected(p->pool, 1), (unsigned long)addr);
}

size_t p2pmem_provider_avail(struct p2pmem_provider *p)
{
	struct gen_pool *pool;
	size_t avail = 0;

	rcu_read_lock();
	pool = rcu_dereference(p->pool);
	if (pool)
		avail = gen_pool_avail(pool);
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

/* Calls @fn for every published provider, with a reference the callee must take over. */
void p2pmem_for_each_published(void (*fn)(struct p2pmem_provider *p, void *ctx), void *ctx)
{
	struct class_dev_iter iter;
	struct device *dev;

	class_dev_iter_init(&iter, p2pmem_class_get(), NULL, NULL);
	while ((dev = class_dev_iter_next(&iter))) {
		struct p2pmem_provider *p = to_p2pmem_provider(dev);

		if (READ_ONCE(p->published)) {
			get_device(dev);
			fn(p, ctx);
		}
	}
	class_dev_iter_exit(&iter);
}

static int p2pmem_match_parent(struct device *dev, const void *parent)
{
	return dev->parent == parent;
}

struct p2pmem_provider *p2pmem_provider_get(struct pci_dev *pdev)
{
	const struct class *class = p2pmem_class_get();
	struct device *dev;

	dev = class_find_device(class, NULL, &pdev->dev, p2pmem_match_parent);
	return dev ? to_p2pmem_provider(dev) : NULL;
}
EXPORT_SYMBOL_GPL(p2pmem_provider_get);

void p2pmem_provider_ref(struct p2pmem_provider *p)
{
	get_device(&p->dev);
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

u64 p2pmem_virt_to_bus(struct p2pmem_provider *p, void *addr)
{
	return p2pmem_provider_virt_to_bus(p, addr);
}
EXPORT_SYMBOL_GPL(p2pmem_virt_to_bus);

void p2pmem_publish(struct pci_dev *pdev, bool publish)
{
	struct class_dev_iter iter;
	struct device *dev;

	class_dev_iter_init(&iter, p2pmem_class_get(), NULL, NULL);
	while ((dev = class_dev_iter_next(&iter)))
		if (dev->parent == &pdev->dev)
			p2pmem_provider_publish(to_p2pmem_provider(dev), publish);
	class_dev_iter_exit(&iter);
}
EXPORT_SYMBOL_GPL(p2pmem_publish);

static void p2pmem_devm_release(void *provider)
{
	p2pmem_provider_drop(provider);
}

int p2pmem_devm_add_provider(struct device *dev, void *provider)
{
	return devm_add_action_or_reset(dev, p2pmem_devm_release, provider);
}
