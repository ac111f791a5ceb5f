// SPDX-License-Identifier: GPL-2.0
/*
 * A C consumer of p2pmem.ko's exported API (include/linux/p2pmem.h), built against its
 * Module.symvers. At load it exercises the API on one provider (allocation, scatterlists,
 * distance, find, control values, claims) and fails the load (-EINVAL)
 * if any check fails; every check prints one line "p2pmem_consumer: ok|FAIL ...".
 *
 *   insmod p2pmem_consumer.ko provider=0000:05:00.0 bar=2 clients=0000:03:00.0,0000:06:00.0 \
 *          [expect_distance=8] [expect_find=0000:05:00.0|none] [repeat=1] [hold=1]
 */

#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/module.h>
#include <linux/p2pmem.h>
#include <linux/mm.h>
#include <linux/pci.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/string.h>

static char *provider;
module_param(provider, charp, 0444);
MODULE_PARM_DESC(provider, "PCI address of a p2pmem provider");
static int bar = 2;
module_param(bar, int, 0444);
MODULE_PARM_DESC(bar, "its BAR");
static char *clients;
module_param(clients, charp, 0444);
MODULE_PARM_DESC(clients, "comma-separated PCI addresses of clients, for distance_many");
static int expect_distance = -1;
module_param(expect_distance, int, 0444);
MODULE_PARM_DESC(expect_distance, "the distance_many result to expect");

static char *expect_find;
module_param(expect_find, charp, 0444);
MODULE_PARM_DESC(expect_find,
		 "PCI address of the provider find_many of the clients finds (default: provider), or none");
static int repeat = 1;
module_param(repeat, int, 0444);
MODULE_PARM_DESC(repeat, "how many times to call distance_many (verbose)");

static int hold;
module_param(hold, int, 0444);
MODULE_PARM_DESC(hold, "1: keep an allocation until the provider is revoked or the module goes");

static int failures;
static struct p2pmem_provider *held_provider;
static void *held;

/* The provider is going away: give the memory back (teardown waits for it). */
static void consumer_revoke(struct p2pmem_revoke *r)
{
	pr_info("p2pmem_consumer: revoked, freeing the held allocation\n");
	p2pmem_free(held_provider, held, SZ_64K);
	held = NULL;
}

static struct p2pmem_revoke consumer_revoker = { .revoke = consumer_revoke };

static void check(bool ok, const char *what)
{
	pr_info("p2pmem_consumer: %s %s\n", ok ? "ok" : "FAIL", what);
	if (!ok)
		failures++;
}

static struct pci_dev *pci_by_name(const char *name)
{
	struct device *dev = bus_find_device_by_name(&pci_bus_type, NULL, name);

	return dev ? to_pci_dev(dev) : NULL;
}

static void check_allocations(struct pci_dev *pdev, struct p2pmem_provider *p)
{
	static const size_t sizes[] = { SZ_4K, SZ_64K, SZ_1M };
	u64 bus_start = pci_bus_address(pdev, bar);
	u64 bus_end = bus_start + pci_resource_len(pdev, bar);
	void *whole, *more;
	int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		size_t size = sizes[i];
		void *a = p2pmem_alloc(p, size);
		u64 bus;

		check(a, "alloc");
		if (!a)
			continue;
		bus = p2pmem_virt_to_bus(p, a);
		check(bus >= bus_start && bus + size <= bus_end && IS_ALIGNED(bus, PAGE_SIZE),
		      "virt_to_bus inside the BAR");
		check(p2pmem_page_provider(virt_to_page(a)) == p, "page_provider of an allocation");
		memset(a, 0x5a, size);
		check(((u8 *)a)[0] == 0x5a && ((u8 *)a)[size - 1] == 0x5a,
		      "CPU writes and reads back");
		p2pmem_free(p, a, size);
	}
	check(!p2pmem_alloc(p, 0), "alloc of 0 bytes is refused");

	whole = p2pmem_alloc(p, pci_resource_len(pdev, bar));
	check(whole, "alloc of the whole pool");
	more = p2pmem_alloc(p, SZ_4K);
	check(!more, "alloc from an exhausted pool fails");
	if (more)
		p2pmem_free(p, more, SZ_4K);
	if (whole)
		p2pmem_free(p, whole, pci_resource_len(pdev, bar));
	more = p2pmem_alloc(p, SZ_4K);
	check(more, "alloc after freeing");
	if (more)
		p2pmem_free(p, more, SZ_4K);
}

static void check_find(struct pci_dev *pdev, struct device **devs, int n)
{
	struct p2pmem_provider *found;
	void *ram;

	found = p2pmem_find_many(devs, n);
	if (expect_find && !strcmp(expect_find, "none"))
		check(!found, "find_many finds no provider");
	else
		check(found && !strcmp(pci_name(p2pmem_provider_pci_dev(found)),
				       expect_find ?: pci_name(pdev)),
		      "find_many finds the closest provider");
	p2pmem_provider_put(found);
	check(!p2pmem_find_many(devs, 0) && p2pmem_distance_many(pdev, devs, 0, false) == -1,
	      "without clients, find_many finds nothing and distance_many is -1");
	ram = kmalloc(64, GFP_KERNEL);
	check(ram && !p2pmem_page_provider(virt_to_page(ram)), "a RAM page is not p2pmem");
	kfree(ram);
}

static void check_sgl(struct p2pmem_provider *p)
{
	size_t avail = 0;
	struct scatterlist *sgl, *sg;
	unsigned int nents = 0, i;
	bool pages_ok = true;
	struct page *page;

	sgl = p2pmem_alloc_sgl(p, &nents, SZ_64K + 100);
	check(sgl && nents == 1 && sgl->length == SZ_64K + 100 &&
	      p2pmem_page_provider(sg_page(sgl)) == p, "alloc_sgl: one entry");
	p2pmem_free_sgl(p, sgl);

	sgl = p2pmem_alloc_sgl_pages(p, &nents, 3 * PAGE_SIZE + 100);
	check(sgl && nents == 4, "alloc_sgl_pages: one entry per page");
	if (sgl) {
		for_each_sg(sgl, sg, nents, i)
			pages_ok &= sg->offset == 0 && p2pmem_page_provider(sg_page(sg)) == p &&
				    sg->length == (i < 3 ? PAGE_SIZE : 100);
	}
	check(pages_ok, "alloc_sgl_pages: PAGE_SIZE entries of p2pmem");
	p2pmem_free_sgl(p, sgl);

	/* Page references: 1 per page; another user's reference outlives the allocation. */
	sgl = p2pmem_alloc_sgl(p, &nents, PAGE_SIZE);
	if (!sgl) {
		check(false, "alloc_sgl of a page");
		return;
	}
	page = sg_page(sgl);
	check(page_ref_count(page) == 1, "a page is handed out with refcount 1");
	get_page(page);
	avail = p2pmem_available(p);
	p2pmem_free_sgl(p, sgl);
	check(page_ref_count(page) == 1 && p2pmem_available(p) == avail,
	      "a referenced page stays out of the pool after free");
	put_page(page);
	check(p2pmem_available(p) == avail + PAGE_SIZE,
	      "the last put_page returns it to the pool");
}

/* The "0 / 1 / PCI address" control values, as nvmet's p2pmem attribute uses them. */
static void check_enable(struct pci_dev *pdev)
{
	struct pci_dev *dev = NULL;
	char *page;
	bool use;

	check(!p2pmem_enable_store("0\n", &dev, &use) && !use && !dev, "enable_store 0");
	check(!p2pmem_enable_store("on", &dev, &use) && use && !dev, "enable_store on");
	check(p2pmem_enable_store("maybe", &dev, &use) == -EINVAL, "enable_store refuses garbage");
	check(p2pmem_enable_store("0000:03:20.0", &dev, &use) == -EINVAL,
	      "enable_store refuses a bad address");
	check(!p2pmem_enable_store(pci_name(pdev), &dev, &use) && use && dev == pdev,
	      "enable_store names the provider");
	page = (char *)__get_free_page(GFP_KERNEL);
	if (page) {
		check(p2pmem_enable_show(page, dev, true) == strlen(pci_name(pdev)) + 1 &&
		      !strncmp(page, pci_name(pdev), strlen(pci_name(pdev))),
		      "enable_show prints the address");
		check(p2pmem_enable_show(page, NULL, true) == 2 && page[0] == '1' &&
		      p2pmem_enable_show(page, NULL, false) == 2 && page[0] == '0',
		      "enable_show prints 1 and 0");
		free_page((unsigned long)page);
	}
	pci_dev_put(dev);
}

/* p2pmem_dma_route() gives the route p2pmem_map_range() maps along, bus offset included. */
static void check_route(struct pci_dev *pdev, struct p2pmem_provider *p, struct device *client)
{
	struct p2pmem_range_map map;
	u64 off = U64_MAX;
	int route = p2pmem_dma_route(p, client, &off);

	check(route == P2PMEM_ROUTE_BUS_ADDR || route == P2PMEM_ROUTE_HOST_BRIDGE,
	      "dma_route for a client that can reach the provider");
	if (p2pmem_map_range(client, pdev, bar, 0, PAGE_SIZE, DMA_TO_DEVICE, 0, &map)) {
		check(false, "map_range of the provider's first page");
		return;
	}
	if (route == P2PMEM_ROUTE_BUS_ADDR)
		check(off == pci_bus_address(pdev, bar) - pci_resource_start(pdev, bar) &&
		      map.addr == pci_resource_start(pdev, bar) + off,
		      "dma_route: bus addresses with the host bridge's offset, as map_range");
	else
		check(map.addr != DMA_MAPPING_ERROR, "dma_route: through the host bridge");
	p2pmem_unmap_range(client, &map, DMA_TO_DEVICE, 0);
}

/* A claim on the named provider for every client: refused when they cannot reach it. */
static void check_claim(struct pci_dev *pdev, struct device **devs, int n)
{
	struct p2pmem_provider *p;
	struct p2pmem_claim *c;
	struct scatterlist *sgl;
	unsigned int nents = 0;

	check(PTR_ERR(p2pmem_claim(pdev, devs, 0, "p2pmem_consumer")) == -EINVAL,
	      "claim without clients is refused");
	c = p2pmem_claim(pdev, devs, n, "p2pmem_consumer");
	if (expect_distance < 0) {
		check(PTR_ERR(c) == -EREMOTEIO, "claim of unreachable memory is refused");
		p2pmem_unclaim(c);
		return;
	}
	check(!IS_ERR(c), "claim");
	if (IS_ERR(c))
		return;
	p = p2pmem_claim_provider(c);
	check_route(pdev, p, devs[0]);
	check(p2pmem_provider_pci_dev(p) == pdev && !p2pmem_dma_api_check(p, devs[0], true),
	      "the claim holds the named provider, usable through the DMA API");
	sgl = p2pmem_claim_alloc_sgl(c, &nents, 3 * PAGE_SIZE, true);
	check(sgl && nents == 3 && p2pmem_page_provider(sg_page(sgl)) == p,
	      "claim_alloc_sgl gives page-granular p2pmem");
	p2pmem_free_sgl(p, sgl);
	p2pmem_unclaim(c);
}

static void check_distance(struct pci_dev *pdev)
{
	struct device *devs[8];
	char *list, *cur, *name;
	int n = 0, i, d = 0;

	if (!clients)
		return;
	list = kstrdup(clients, GFP_KERNEL);
	if (!list) {
		check(false, "kstrdup");
		return;
	}
	cur = list;
	while ((name = strsep(&cur, ",")) && n < ARRAY_SIZE(devs)) {
		struct pci_dev *c = pci_by_name(name);

		check(c, "client exists");
		if (c)
			devs[n++] = &c->dev;
	}
	for (i = 0; i < repeat; i++)
		d = p2pmem_distance_many(pdev, devs, n, true);
	pr_info("p2pmem_consumer: distance_many=%d\n", d);
	check(d == expect_distance, "distance_many as expected");
	check_find(pdev, devs, n);
	check_claim(pdev, devs, n);
	for (i = 0; i < n; i++)
		put_device(devs[i]);
	kfree(list);
}

static int __init p2pmem_consumer_init(void)
{
	struct p2pmem_provider *p;
	struct pci_dev *pdev;

	if (!provider)
		return -EINVAL;
	pdev = pci_by_name(provider);
	if (!pdev) {
		pr_err("p2pmem_consumer: no PCI device %s\n", provider);
		return -ENODEV;
	}
	p = p2pmem_provider_get(pdev);
	check(p, "provider_get");
	if (p) {
		check_allocations(pdev, p);
		check_sgl(p);
		if (hold) {
			held = p2pmem_alloc(p, SZ_64K);
			check(held && !p2pmem_register_revoke(p, &consumer_revoker),
			      "hold an allocation with a revoke callback");
			held_provider = p;
		} else {
			p2pmem_provider_put(p);
		}
	}
	check_enable(pdev);
	check_distance(pdev);
	pci_dev_put(pdev);
	pr_info("p2pmem_consumer: %d failures\n", failures);
	return failures ? -EINVAL : 0;
}

static void __exit p2pmem_consumer_exit(void)
{
	if (!held_provider)
		return;
	p2pmem_unregister_revoke(held_provider, &consumer_revoker);
	if (held)
		p2pmem_free(held_provider, held, SZ_64K);
	p2pmem_provider_put(held_provider);
}

module_init(p2pmem_consumer_init);
module_exit(p2pmem_consumer_exit);
MODULE_DESCRIPTION("Test consumer of the p2pmem C API");
MODULE_LICENSE("GPL");
