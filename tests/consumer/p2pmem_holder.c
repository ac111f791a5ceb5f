// SPDX-License-Identifier: GPL-2.0
/*
 * Test module for the hot-unplug test (tests/vm/hotplug.sh): holds a 64 KiB allocation, filled
 * with a pattern, on each named provider, and registers a revoke callback that checks the
 * pattern, frees the allocation and asks the dying provider for a new page, which it must
 * refuse. Writing anything to the parameter try_alloc asks every held provider for a page again
 * (one that has gone away must refuse it). With keep=1 the callback keeps the allocation: a
 * user that does not let go, which teardown waits for until rmmod frees it. Each outcome is
 * logged with the provider's name.
 *
 *   insmod p2pmem_holder.ko providers=0000:03:00.0,0000:05:00.0 [keep=1]
 */

#include <linux/module.h>
#include <linux/p2pmem.h>
#include <linux/pci.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>

#define HOLDER_MAX 4
#define HOLDER_PATTERN 0x5a

/**
 * struct holder - what is held on one provider
 * @revoke: registered with @p while @mem is held
 * @p: the provider, with a reference from p2pmem_provider_get()
 * @mem: the allocation, NULL once freed
 * @name: the provider's PCI function
 */
struct holder {
	struct p2pmem_revoke revoke;
	struct p2pmem_provider *p;
	void *mem;
	char name[32];
};

static struct holder holders[HOLDER_MAX];
static int nholders;

static char *providers;
module_param(providers, charp, 0444);
MODULE_PARM_DESC(providers, "comma-separated PCI addresses of p2pmem providers");

static bool keep;
module_param(keep, bool, 0444);
MODULE_PARM_DESC(keep, "1: the revoke callback keeps the allocation (rmmod frees it)");

static bool holder_intact(struct holder *h)
{
	return !memchr_inv(h->mem, HOLDER_PATTERN, SZ_64K);
}

/* One page from @h's provider, given back at once: true when the provider refused it. */
static bool holder_refused(struct holder *h)
{
	void *page = p2pmem_alloc(h->p, PAGE_SIZE);

	if (!page)
		return true;
	p2pmem_free(h->p, page, PAGE_SIZE);
	return false;
}

static void holder_revoke(struct p2pmem_revoke *r)
{
	struct holder *h = container_of(r, struct holder, revoke);
	bool intact = holder_intact(h);

	if (keep) {
		pr_info("p2pmem_holder: %s revoked: pattern %s, keeping the allocation\n", h->name,
			intact ? "intact" : "CORRUPTED");
		return;
	}
	p2pmem_free(h->p, h->mem, SZ_64K);
	h->mem = NULL;
	pr_info("p2pmem_holder: %s revoked: pattern %s, allocation freed, new allocation %s\n",
		h->name, intact ? "intact" : "CORRUPTED",
		holder_refused(h) ? "refused" : "GRANTED");
}

static int holder_try_alloc(const char *val, const struct kernel_param *kp)
{
	int i;

	for (i = 0; i < nholders; i++)
		pr_info("p2pmem_holder: %s: new allocation %s\n", holders[i].name,
			holder_refused(&holders[i]) ? "refused" : "granted");
	return 0;
}

static const struct kernel_param_ops holder_try_alloc_ops = { .set = holder_try_alloc };
module_param_cb(try_alloc, &holder_try_alloc_ops, NULL, 0200);
MODULE_PARM_DESC(try_alloc, "write anything: ask every held provider for a page");

static void holder_release(struct holder *h)
{
	p2pmem_unregister_revoke(h->p, &h->revoke);
	if (h->mem) {
		if (!holder_intact(h))
			pr_err("p2pmem_holder: %s: pattern CORRUPTED\n", h->name);
		p2pmem_free(h->p, h->mem, SZ_64K);
	}
	p2pmem_provider_put(h->p);
}

static int holder_take(struct holder *h, const char *name)
{
	struct device *dev = bus_find_device_by_name(&pci_bus_type, NULL, name);
	int ret;

	if (!dev) {
		pr_err("p2pmem_holder: no PCI device %s\n", name);
		return -ENODEV;
	}
	strscpy(h->name, name);
	h->p = p2pmem_provider_get(to_pci_dev(dev));
	put_device(dev);
	if (!h->p) {
		pr_err("p2pmem_holder: %s is not a p2pmem provider\n", name);
		return -ENODEV;
	}
	h->mem = p2pmem_alloc(h->p, SZ_64K);
	if (!h->mem) {
		p2pmem_provider_put(h->p);
		return -ENOMEM;
	}
	memset(h->mem, HOLDER_PATTERN, SZ_64K);
	h->revoke.revoke = holder_revoke;
	ret = p2pmem_register_revoke(h->p, &h->revoke);
	if (ret) {
		p2pmem_free(h->p, h->mem, SZ_64K);
		p2pmem_provider_put(h->p);
	}
	return ret;
}

static int __init p2pmem_holder_init(void)
{
	char *list, *cur, *name;
	int ret = 0;

	if (!providers)
		return -EINVAL;
	list = kstrdup(providers, GFP_KERNEL);
	if (!list)
		return -ENOMEM;
	cur = list;
	while ((name = strsep(&cur, ","))) {
		if (nholders == HOLDER_MAX) {
			ret = -E2BIG;
			break;
		}
		ret = holder_take(&holders[nholders], name);
		if (ret)
			break;
		pr_info("p2pmem_holder: %s: holding 64 KiB\n", name);
		nholders++;
	}
	kfree(list);
	if (ret)
		while (nholders)
			holder_release(&holders[--nholders]);
	return ret;
}

static void __exit p2pmem_holder_exit(void)
{
	while (nholders)
		holder_release(&holders[--nholders]);
}

module_init(p2pmem_holder_init);
module_exit(p2pmem_holder_exit);
MODULE_DESCRIPTION("Holds p2pmem allocations across a hot-unplug (test module)");
MODULE_LICENSE("GPL");
