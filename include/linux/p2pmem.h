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
struct p2pmem_claim;
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
 * Return: the summed distance, or -1 when there are no clients or any client cannot use the
 * memory or is not a PCI device.
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
 * p2pmem_dma_api_check() - is the plain DMA API a correct P2P mapping for this client?
 * @p: the provider
 * @client: a device whose driver maps @p's pages with dma_map_page() or dma_map_sg() rather
 *          than p2pmem_map_sg(), as nvme-pci does for bio pages; resolved to the nearest PCI
 *          function above it
 * @verbose: log, rate-limited, why not
 *
 * Without CONFIG_PCI_P2PDMA the kernel maps a BAR page like RAM: the device gets the CPU
 * physical address, through the IOMMU if one translates its DMA, and swiotlb may bounce it.
 * That is correct only if P2P between the two is possible at all, the host bridge has no bus
 * offset, nothing bounces (the memory lies within the client's DMA mask and swiotlb is not
 * forced) and, when an IOMMU translates the client's DMA, the route through the host bridge is
 * allowed. Give pages to such a client only when this returns 0.
 *
 * Context: process context.
 * Return: 0; -EREMOTEIO when P2P is not possible; -EXDEV when the DMA API would give a wrong
 * address or bounce; -EINVAL when @client is not below a PCI function.
 */
int p2pmem_dma_api_check(struct p2pmem_provider *p, struct device *client, bool verbose);

#define P2PMEM_ROUTE_BUS_ADDR 1	/* program bus addresses: CPU physical + the bus offset */
#define P2PMEM_ROUTE_HOST_BRIDGE 2	/* map through the DMA API as MMIO, never bounced */

/**
 * p2pmem_dma_route() - how a client reaches a provider's memory, for drivers that build their
 * own DMA descriptors from pages (as nvme-pci does from a request's bio_vecs)
 * @p: the provider
 * @client: the device that will do the DMA; resolved to the nearest PCI function above it
 * @bus_offset: set to the PCI bus address minus the CPU physical address, with
 *              P2PMEM_ROUTE_BUS_ADDR
 *
 * The verdict of p2pmem_map_sg() for the provider's whole memory at once. With
 * P2PMEM_ROUTE_BUS_ADDR the client is given CPU physical address + *@bus_offset, mapped through
 * nothing, and every address of @p lies within the client's DMA mask. With
 * P2PMEM_ROUTE_HOST_BRIDGE the client must be given addresses from the DMA API with
 * DMA_ATTR_MMIO (dma_map_phys(), dma_map_resource()): an IOMMU translates them and swiotlb
 * never bounces them. Never map p2pmem pages with the plain DMA API instead: without
 * CONFIG_PCI_P2PDMA it treats them as RAM.
 *
 * Context: any context.
 * Return: P2PMEM_ROUTE_BUS_ADDR or P2PMEM_ROUTE_HOST_BRIDGE; -EREMOTEIO when P2P between them is
 * not possible (logged, rate-limited), -EIO when the memory lies beyond the client's DMA mask,
 * -EINVAL when @client is not below a PCI function.
 */
int p2pmem_dma_route(struct p2pmem_provider *p, struct device *client, u64 *bus_offset);

/**
 * p2pmem_enable_store() - parse a "use p2pmem" control value
 * @page: what the user wrote: a boolean (kstrtobool() spelling) or a PCI address such as
 *        0000:03:00.0; one trailing newline is allowed
 * @p2p_dev: set to the named PCI function, referenced (release with pci_dev_put()), or NULL
 * @use: set to whether p2pmem is to be used
 *
 * The counterpart of the in-tree pci_p2pdma_enable_store(), for configfs or sysfs files such
 * as nvmet's namespace p2pmem attribute. Unlike it, a value containing ':' is always an
 * address: a mistyped address is an error, never read as "0" or "1".
 *
 * Context: process context.
 * Return: 0; -EINVAL for a value that is neither; -ENODEV when no such PCI function exists or
 * it has no published p2pmem (logged).
 */
int p2pmem_enable_store(const char *page, struct pci_dev **p2p_dev, bool *use);

/**
 * p2pmem_enable_show() - print a "use p2pmem" control value
 * @page: a sysfs or configfs page
 * @p2p_dev: the selected PCI function, or NULL
 * @use: whether p2pmem is used
 *
 * Return: the length of "0", "1" or the PCI address of @p2p_dev, with a newline.
 */
ssize_t p2pmem_enable_show(char *page, struct pci_dev *p2p_dev, bool use);

/**
 * p2pmem_claim() - choose a provider for a set of clients and hold it
 * @p2p_dev: the PCI function whose provider to use, or NULL for the closest published one
 *           (p2pmem_find_many())
 * @clients: the devices that will DMA to the memory with the plain DMA API
 * @num_clients: number of entries in @clients, at least 1
 * @who: the consumer, for messages (e.g. "nvmet ctrl 1 nsid 1")
 *
 * Checks every client with p2pmem_dma_api_check() and logs the reason for a refusal. The claim
 * watches the provider: once the provider starts going away, p2pmem_claim_alloc_sgl() fails
 * (the consumer falls back to system memory) and memory already allocated is waited for.
 *
 * Context: process context.
 * Return: the claim (release with p2pmem_unclaim()), or an ERR_PTR: -EINVAL (a client is
 * NULL), -ENODEV (no provider), -EREMOTEIO or -EXDEV (a client cannot use it), -ENOMEM.
 */
struct p2pmem_claim *p2pmem_claim(struct pci_dev *p2p_dev, struct device **clients,
				  int num_clients, const char *who);

/**
 * p2pmem_unclaim() - release a claim
 * @c: the claim; NULL and ERR_PTR values are ignored
 *
 * Frees the claim at once; claims are not reference-counted. The caller must make sure that no
 * call on @c (p2pmem_claim_alloc_sgl(), p2pmem_claim_provider()) is in progress or starts
 * afterwards, for instance by unclaiming only once every request that may look the claim up
 * has finished; p2pmem_unclaim() sleeps, so it cannot run from an RCU callback. Memory
 * allocated through the claim stays valid and may outlive it: free it with p2pmem_free_sgl()
 * on the provider p2pmem_claim_provider() returned.
 *
 * Context: process context.
 */
void p2pmem_unclaim(struct p2pmem_claim *c);

/**
 * p2pmem_claim_set_expire() - be told when a revoked provider's memory is still allocated
 * @c: the claim
 * @expire: the callback, or NULL for none (the default)
 * @data: its argument
 *
 * Revocation waits for every allocation of the provider, and nothing else bounds that wait: a
 * consumer whose buffers wait on a peer (an NVMe/TCP write whose host never sends the data)
 * would keep the teardown waiting forever. With a callback set, the claim starts a deadline
 * when its provider is revoked (or at this call, if it was revoked already): the module
 * parameter claim_revoke_timeout, 10 s by default. If the provider still has allocations
 * then, @expire(@data) is called, once, and must make the consumer free what it holds, for
 * instance by ending the queues or the controller that hold buffers, without waiting for
 * its peer. p2pmem cannot tell which allocation came through which claim: every claim on the
 * provider with a callback is told, including one whose owner holds nothing.
 *
 * @expire runs in a workqueue (process context) and may sleep. It must not call
 * p2pmem_unclaim() on @c, which waits for it; the claim is not freed while it runs.
 *
 * Context: process context.
 */
void p2pmem_claim_set_expire(struct p2pmem_claim *c, void (*expire)(void *data), void *data);

/**
 * p2pmem_claim_provider() - the provider a claim holds
 * @c: the claim
 *
 * Return: the provider, valid while the claim is held or memory allocated through it is.
 * Keep it with each allocation: the claim may be gone when the memory is freed.
 */
struct p2pmem_provider *p2pmem_claim_provider(struct p2pmem_claim *c);

/**
 * p2pmem_claim_alloc_sgl() - allocate a scatterlist through a claim
 * @c: the claim
 * @nents: set to the number of entries
 * @length: bytes
 * @pages: PAGE_SIZE entries (p2pmem_alloc_sgl_pages()) rather than one contiguous entry
 *
 * The caller keeps @c until the call returns (see p2pmem_unclaim()). Calls on one claim may
 * run concurrently with each other and with the claim's revocation.
 *
 * Context: process context.
 * Return: the scatterlist, or NULL when the pool is exhausted (counted in the provider's
 * alloc_failures) or the provider is going away; the caller then uses system memory. Free it
 * with p2pmem_free_sgl(p2pmem_claim_provider(@c), sgl).
 */
struct scatterlist *p2pmem_claim_alloc_sgl(struct p2pmem_claim *c, unsigned int *nents,
					   u32 length, bool pages);

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
