/* SPDX-License-Identifier: GPL-2.0 */
/*
 * p2pmem: peer-to-peer PCI memory, the C interface of p2pmem.ko.
 *
 * Consumers build against this header and p2pmem.ko's Module.symvers (KBUILD_EXTRA_SYMBOLS).
 * Every function here is EXPORT_SYMBOL_GPL.
 */
#ifndef _LINUX_P2PMEM_H
#define _LINUX_P2PMEM_H

#include <linux/dma-direction.h>
#include <linux/list.h>
#include <linux/types.h>

/* Name of the device class every p2pmem provider belongs to (/sys/class/p2pmem). */
#define P2PMEM_CLASS_NAME "p2pmem"

struct device;
struct page;
struct pci_dev;
struct p2pmem_map_state;
struct p2pmem_provider;
struct scatterlist;
struct sg_table;

/**
 * p2pmem_add_resource() - make a BAR range of the caller's device a provider
 * @pdev: a PCI function bound to the calling driver
 * @bar: a memory BAR of @pdev
 * @size: bytes to provide; 0 is the rest of the BAR
 * @offset: offset inside the BAR
 *
 * The range must be aligned to memremap_compat_align() (2 MiB on x86) at both ends and must
 * not overlap another provider. The provider is device-managed: it goes away when the driver
 * unbinds, once every allocation from it is freed. It is not published (see p2pmem_publish()).
 *
 * Context: process context (probe).
 * Return: 0, or a negative errno (logged with the device name and the reason).
 */
int p2pmem_add_resource(struct pci_dev *pdev, int bar, size_t size, u64 offset);

/**
 * p2pmem_publish() - offer (or stop offering) a device's providers to consumers
 * @pdev: the PCI function
 * @publish: true to offer its providers to consumers that look for any provider
 */
void p2pmem_publish(struct pci_dev *pdev, bool publish);

/**
 * p2pmem_provider_get() - find a provider of a PCI function's memory
 * @pdev: the PCI function whose BAR memory is wanted
 *
 * Context: process context.
 * Return: a referenced provider (the first one of @pdev when it has several), or NULL when
 * @pdev provides no p2pmem. Release it with p2pmem_provider_put(). The reference keeps the
 * provider object, not its memory: once the provider is torn down, allocations fail.
 */
struct p2pmem_provider *p2pmem_provider_get(struct pci_dev *pdev);

/**
 * p2pmem_provider_put() - release a reference from p2pmem_provider_get()
 * @p: the provider; NULL is ignored
 */
void p2pmem_provider_put(struct p2pmem_provider *p);

/**
 * p2pmem_alloc() - allocate memory from a provider
 * @p: the provider
 * @size: bytes, rounded up to pages
 *
 * Every page of the allocation has refcount 1, owned by the allocation. get_page() and
 * put_page() on these pages are legal (the network stack takes page references): p2pmem_free()
 * drops the allocation's references, and a page goes back to the pool only when its last
 * reference is gone.
 *
 * Context: any context, atomic included.
 * Return: the kernel virtual address of the memory, or NULL when the pool is exhausted or the
 * provider is being torn down. Each allocation holds the provider's memory until it is freed
 * with p2pmem_free() and its pages are no longer referenced: teardown waits for it.
 */
void *p2pmem_alloc(struct p2pmem_provider *p, size_t size);

/**
 * p2pmem_free() - free memory from p2pmem_alloc()
 * @p: the provider it came from
 * @addr: the address p2pmem_alloc() returned
 * @size: the size passed to p2pmem_alloc()
 *
 * Context: any context, atomic included.
 */
void p2pmem_free(struct p2pmem_provider *p, void *addr, size_t size);

/**
 * p2pmem_available() - bytes free in a provider's pool
 * @p: the provider
 *
 * Context: any context.
 * Return: the bytes free now (0 once the provider is torn down).
 */
size_t p2pmem_available(struct p2pmem_provider *p);

/**
 * p2pmem_alloc_sgl() - allocate provider memory as a one-entry scatterlist
 * @p: the provider
 * @nents: set to the number of entries (1)
 * @length: bytes
 *
 * Context: process context.
 * Return: the scatterlist (contiguous memory), or NULL. Free it with p2pmem_free_sgl().
 */
struct scatterlist *p2pmem_alloc_sgl(struct p2pmem_provider *p, unsigned int *nents, u32 length);

/**
 * p2pmem_alloc_sgl_pages() - allocate provider memory as PAGE_SIZE scatterlist entries
 * @p: the provider
 * @nents: set to the number of entries
 * @length: bytes
 *
 * For consumers that assume one page per entry (nvmet-tcp): every entry but the last is
 * PAGE_SIZE long, each at offset 0 of its own page; the pages need not be contiguous.
 *
 * Context: process context.
 * Return: the scatterlist, or NULL (nothing stays allocated). Free it with p2pmem_free_sgl().
 */
struct scatterlist *p2pmem_alloc_sgl_pages(struct p2pmem_provider *p, unsigned int *nents,
					   u32 length);

/**
 * p2pmem_free_sgl() - free a scatterlist from p2pmem_alloc_sgl() or p2pmem_alloc_sgl_pages()
 * @p: the provider it came from
 * @sgl: the scatterlist; NULL is ignored
 */
void p2pmem_free_sgl(struct p2pmem_provider *p, struct scatterlist *sgl);

/**
 * struct p2pmem_revoke - a user's request to hear that a provider is going away
 * @revoke: called once, in process context, when the provider is being torn down (driver
 *          unbind, unwrap, hot-unplug, rmmod), before teardown waits for its memory: stop new
 *          I/O on it and free what you hold. It must not call p2pmem_register_revoke() or
 *          p2pmem_unregister_revoke().
 * @node: private to p2pmem
 */
struct p2pmem_revoke {
	void (*revoke)(struct p2pmem_revoke *r);
	struct list_head node;
};

/**
 * p2pmem_register_revoke() - ask to be told before a provider goes away
 * @p: the provider (the caller holds a reference on it until it unregisters)
 * @r: the request, with @r->revoke set; it must stay valid until unregistered or revoked
 *
 * Context: process context.
 * Return: 0, -EINVAL without a callback, or -ENODEV when the provider is already going away.
 */
int p2pmem_register_revoke(struct p2pmem_provider *p, struct p2pmem_revoke *r);

/**
 * p2pmem_unregister_revoke() - withdraw a request
 * @p: the provider
 * @r: the request; nothing happens if it was never registered or was already revoked
 *
 * Waits for a revoke callback in progress, so @r may be freed afterwards.
 *
 * Context: process context.
 */
void p2pmem_unregister_revoke(struct p2pmem_provider *p, struct p2pmem_revoke *r);

/**
 * p2pmem_virt_to_bus() - the PCI bus address of provider memory
 * @p: the provider
 * @addr: an address inside an allocation from @p
 *
 * Return: the bus address a peer device must be given (the CPU physical address plus the host
 * bridge's bus offset).
 */
u64 p2pmem_virt_to_bus(struct p2pmem_provider *p, void *addr);

/**
 * p2pmem_distance_many() - how far clients are from a provider's memory
 * @provider: the PCI function that provides memory
 * @clients: the devices that will DMA to it; each is resolved to the nearest PCI function
 *           above it (so a block device's gendisk or an RDMA device works)
 * @num_clients: number of entries in @clients
 * @verbose: log, rate-limited, why a client cannot use the memory
 *
 * Semantics of the in-tree pci_p2pdma_distance_many(), with the verdicts of
 * /sys/kernel/debug/p2pmem/query.
 *
 * Context: process context.
 * Return: the summed distance, or -1 when any client cannot use the memory or is not a PCI
 * device.
 */
int p2pmem_distance_many(struct pci_dev *provider, struct device **clients, int num_clients,
			 bool verbose);

/**
 * p2pmem_distance() - p2pmem_distance_many() for one client
 * @provider: the PCI function that provides memory
 * @client: the device that will DMA to it
 * @verbose: log, rate-limited, why @client cannot use the memory
 *
 * Return: the distance, or -1 when @client cannot use the memory.
 */
static inline int p2pmem_distance(struct pci_dev *provider, struct device *client, bool verbose)
{
	return p2pmem_distance_many(provider, &client, 1, verbose);
}

/**
 * p2pmem_find_many() - the published provider closest to a set of clients
 * @clients: the devices that will DMA to the memory (resolved to PCI functions as in
 *           p2pmem_distance_many())
 * @num_clients: number of entries in @clients
 *
 * Like the in-tree pci_p2pmem_find_many(): among published providers, the one with the smallest
 * summed distance that every client can use, chosen at random among equals to spread the load.
 * Verdicts are computed afresh (ACS state is read now), not taken from the cache.
 *
 * Context: process context.
 * Return: a referenced provider (release with p2pmem_provider_put()), or NULL.
 */
struct p2pmem_provider *p2pmem_find_many(struct device **clients, int num_clients);

/**
 * p2pmem_find() - p2pmem_find_many() for one client
 * @client: the device that will DMA to the memory
 *
 * Return: a referenced provider, or NULL.
 */
static inline struct p2pmem_provider *p2pmem_find(struct device *client)
{
	return p2pmem_find_many(&client, 1);
}

/**
 * p2pmem_provider_pci_dev() - the PCI function whose BAR a provider's memory is
 * @p: the provider
 *
 * Return: the PCI function; valid as long as the caller's reference on @p.
 */
struct pci_dev *p2pmem_provider_pci_dev(struct p2pmem_provider *p);

/**
 * p2pmem_page_provider() - is this a p2pmem page, and whose
 * @page: any page
 *
 * A constant-time check of the page's pagemap, no reference taken: the caller's reference on
 * @page keeps the provider's memory.
 *
 * Context: any context.
 * Return: the provider @page belongs to, or NULL when it is not p2pmem.
 */
struct p2pmem_provider *p2pmem_page_provider(struct page *page);

/**
 * p2pmem_map_sg() - DMA-map a scatterlist that may hold p2pmem pages, for a client
 * @dev: the client device that will do the DMA
 * @sgl: the scatterlist
 * @nents: its number of entries
 * @dir: DMA direction
 * @attrs: DMA attributes for the DMA API calls
 * @state: set to the mapping state p2pmem_unmap_sg() needs
 *
 * Each segment is mapped on its own. RAM pages go through dma_map_page_attrs(). p2pmem pages
 * take the route of the verdict for (their provider, @dev's PCI function): BUS_ADDR gives the
 * PCI bus address (CPU physical address plus the host bridge's bus offset), not mapped through
 * the DMA API, refused when beyond @dev's DMA mask; THRU_HOST_BRIDGE maps the memory through
 * dma_map_resource() (an IOMMU translates it, nothing bounces); NOT_SUPPORTED fails. Adjacent
 * bus-address segments are merged when contiguous in bus space, within @dev's segment limits.
 *
 * Context: any context (the state is allocated with GFP_ATOMIC).
 * Return: the number of DMA entries (sg_dma_address()/sg_dma_len() of the first entries), or
 * -EREMOTEIO when a provider's memory cannot be reached by @dev, -EIO when an address is beyond
 * its DMA mask or the DMA API fails, -EINVAL or -ENOMEM. On error nothing stays mapped.
 */
int p2pmem_map_sg(struct device *dev, struct scatterlist *sgl, int nents,
		  enum dma_data_direction dir, unsigned long attrs,
		  struct p2pmem_map_state **state);

/**
 * p2pmem_unmap_sg() - undo p2pmem_map_sg()
 * @dev: the client device
 * @sgl: the scatterlist
 * @dir: DMA direction
 * @attrs: DMA attributes
 * @state: the state p2pmem_map_sg() returned; freed
 */
void p2pmem_unmap_sg(struct device *dev, struct scatterlist *sgl, enum dma_data_direction dir,
		     unsigned long attrs, struct p2pmem_map_state *state);

/**
 * p2pmem_map_sgtable() - p2pmem_map_sg() for an sg_table
 * @dev: the client device
 * @sgt: the table; its nents is set to the number of DMA entries
 * @dir: DMA direction
 * @attrs: DMA attributes
 * @state: set to the mapping state
 *
 * Return: 0 or a negative errno as p2pmem_map_sg().
 */
int p2pmem_map_sgtable(struct device *dev, struct sg_table *sgt, enum dma_data_direction dir,
		       unsigned long attrs, struct p2pmem_map_state **state);

/**
 * p2pmem_unmap_sgtable() - undo p2pmem_map_sgtable()
 * @dev: the client device
 * @sgt: the table
 * @dir: DMA direction
 * @attrs: DMA attributes
 * @state: the mapping state; freed
 */
void p2pmem_unmap_sgtable(struct device *dev, struct sg_table *sgt, enum dma_data_direction dir,
			  unsigned long attrs, struct p2pmem_map_state *state);

/**
 * struct p2pmem_range_map - a BAR range mapped for a client by p2pmem_map_range()
 * @addr: the DMA address to give the client
 * @len: length in bytes
 * @kind: how it was mapped (private to p2pmem)
 */
struct p2pmem_range_map {
	dma_addr_t addr;
	size_t len;
	int kind;
};

/**
 * p2pmem_map_range() - DMA-map a BAR range that has no struct pages, for a client
 * @dev: the client device
 * @provider: the PCI function whose BAR holds the memory
 * @bar: a memory BAR of @provider
 * @offset: offset inside the BAR
 * @len: length in bytes
 * @dir: DMA direction
 * @attrs: DMA attributes
 * @map: filled with the DMA address and what p2pmem_unmap_range() needs
 *
 * For exporters without struct pages (dma-buf style, as the in-tree pcim_p2pdma_provider), with
 * the same verdict rules as p2pmem_map_sg().
 *
 * Context: any context.
 * Return: 0, or -EINVAL (bad BAR or range), -EREMOTEIO, -EIO as p2pmem_map_sg().
 */
int p2pmem_map_range(struct device *dev, struct pci_dev *provider, int bar, u64 offset,
		     size_t len, enum dma_data_direction dir, unsigned long attrs,
		     struct p2pmem_range_map *map);

/**
 * p2pmem_unmap_range() - undo p2pmem_map_range()
 * @dev: the client device
 * @map: what p2pmem_map_range() filled in
 * @dir: DMA direction
 * @attrs: DMA attributes
 */
void p2pmem_unmap_range(struct device *dev, const struct p2pmem_range_map *map,
			enum dma_data_direction dir, unsigned long attrs);

#endif /* _LINUX_P2PMEM_H */
