// SPDX-License-Identifier: GPL-2.0
/*
 * A C consumer of p2pmem.ko's exported API (include/linux/p2pmem.h), built against its
 * Module.symvers. At load it exercises the API on one provider and fails the load (-EINVAL)
 * if any check fails; every check prints one line "p2pmem_consumer: ok|FAIL ...".
 *
 *   insmod p2pmem_consumer.ko provider=0000:05:00.0 bar=2 clients=0000:03:00.0,0000:06:00.0 \
 *          [expect_distance=8] [expect_find=1] [repeat=1]
 */

#include <linux/module.h>
#include <linux/p2pmem.h>
#include <linux/pci.h>
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

static int expect_find = 1;
module_param(expect_find, int, 0444);
MODULE_PARM_DESC(expect_find, "1: find_many of the clients finds the provider; 0: finds none");
static int repeat = 1;
module_param(repeat, int, 0444);
MODULE_PARM_DESC(repeat, "how many times to call distance_many (verbose)");

static int failures;

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

/* The provider's function is the only one published in the VM's switch topology. */
static void check_find(struct pci_dev *pdev, struct device **devs, int n)
{
	struct p2pmem_provider *found;
	void *ram;

	found = p2pmem_find_many(devs, n);
	if (expect_find)
		check(found && p2pmem_provider_pci_dev(found) == pdev,
		      "find_many finds the provider");
	else
		check(!found, "find_many finds no provider");
	p2pmem_provider_put(found);
	check(!p2pmem_find_many(devs, 0), "find_many without clients finds nothing");
	ram = kmalloc(64, GFP_KERNEL);
	check(ram && !p2pmem_page_provider(virt_to_page(ram)), "a RAM page is not p2pmem");
	kfree(ram);
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
		p2pmem_provider_put(p);
	}
	check_distance(pdev);
	pci_dev_put(pdev);
	pr_info("p2pmem_consumer: %d failures\n", failures);
	return failures ? -EINVAL : 0;
}

static void __exit p2pmem_consumer_exit(void)
{
}

module_init(p2pmem_consumer_init);
module_exit(p2pmem_consumer_exit);
MODULE_DESCRIPTION("Test consumer of the p2pmem C API");
MODULE_LICENSE("GPL");
