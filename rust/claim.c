// SPDX-License-Identifier: GPL-2.0
/*
 * Claims: a consumer's verified, revocable hold on one provider for a set of clients, and the
 * "0 / 1 / PCI address" control values that select it (the in-tree pci_p2pdma_enable_store()
 * and _show() helpers). nvmet is the user this was written for; see
 * Documentation/p2pmem/nvmet.rst.
 *
 * The decisions are Rust: parsing the value (policy::selection, through
 * p2pmem_parse_selection()), choosing a provider (p2pmem_find_many()) and checking each
 * client's DMA path (policy::dma_api, through p2pmem_dma_api_check()). This file holds the
 * references and the revocation callback.
 */

#include <linux/device.h>
#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/iommu.h>
#include <linux/p2pmem.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/swiotlb.h>

#include "helpers.h"
#include "provider.h"

/**
 * struct p2pmem_claim - a consumer's hold on one provider
 * @p: the provider (referenced)
 * @revoke: registered with @p until p2pmem_unclaim()
 * @revoked: @p is going away; allocations fail from then on
 * @who: the consumer, for messages
 */
struct p2pmem_claim {
	struct p2pmem_provider *p;
	struct p2pmem_revoke revoke;
	bool revoked;
	char who[32];
};

int p2pmem_enable_store(const char *page, struct pci_dev **p2p_dev, bool *use)
{
	struct p2pmem_selection sel;
	struct pci_dev *pdev;
	int ret;

	ret = p2pmem_parse_selection(page, strlen(page), &sel);
	if (ret) {
		pr_err("p2pmem: '%.*s' is not 0, 1 or a PCI address such as 0000:03:00.0\n",
		       (int)min_t(size_t, strcspn(page, "\n"), 64), page);
		return ret;
	}
	*p2p_dev = NULL;
	*use = sel.kind != P2PMEM_SELECT_OFF;
	if (sel.kind != P2PMEM_SELECT_PROVIDER)
		return 0;

	pdev = pci_get_domain_bus_and_slot((int)sel.domain, sel.bus, sel.devfn);
	if (!pdev) {
		pr_err("p2pmem: no PCI device %04x:%02x:%02x.%d\n", sel.domain, sel.bus,
		       PCI_SLOT(sel.devfn), PCI_FUNC(sel.devfn));
		return -ENODEV;
	}
	if (!p2pmem_published_on(pdev)) {
		pci_err(pdev, "p2pmem: this device has no published peer-to-peer memory (see /sys/class/p2pmem)\n");
		pci_dev_put(pdev);
		return -ENODEV;
	}
	*p2p_dev = pdev;
	return 0;
}
EXPORT_SYMBOL_GPL(p2pmem_enable_store);

ssize_t p2pmem_enable_show(char *page, struct pci_dev *p2p_dev, bool use)
{
	if (!use)
		return sysfs_emit(page, "0\n");
	if (!p2p_dev)
		return sysfs_emit(page, "1\n");
	return sysfs_emit(page, "%s\n", pci_name(p2p_dev));
}
EXPORT_SYMBOL_GPL(p2pmem_enable_show);

void p2pmem_dma_api_facts(struct p2pmem_provider *p, struct device *dev,
			  struct p2pmem_dma_api_facts *f)
{
	u64 mask = dma_get_mask(dev);

	if (dev->bus_dma_limit)
		mask = min(mask, dev->bus_dma_limit);
	f->bus_offset = p->bus_offset;
	f->bus_start = p->pgmap.range.start + p->bus_offset;
	f->len = range_len(&p->pgmap.range);
	f->dma_mask = mask;
	f->force_bounce = is_swiotlb_force_bounce(dev);
	f->iommu_translates = false;
#ifdef CONFIG_IOMMU_API
	{
		struct iommu_domain *d = iommu_get_domain_for_dev(dev);

		f->iommu_translates = d && (d->type & __IOMMU_DOMAIN_PAGING);
	}
#endif
}

static void p2pmem_claim_revoke(struct p2pmem_revoke *r)
{
	struct p2pmem_claim *c = container_of(r, struct p2pmem_claim, revoke);

	WRITE_ONCE(c->revoked, true);
	pr_info("p2pmem: %s: %s is going away; using system memory from now on\n", c->who,
		dev_name(&c->p->dev));
}

struct p2pmem_claim *p2pmem_claim(struct pci_dev *p2p_dev, struct device **clients,
				  int num_clients, const char *who)
{
	struct p2pmem_provider *p;
	struct p2pmem_claim *c;
	int i, ret;

	if (num_clients < 1)
		return ERR_PTR(-EINVAL);
	for (i = 0; i < num_clients; i++) {
		if (!clients[i]) {
			pr_err("p2pmem: %s: a client has no device, so no P2P DMA\n", who);
			return ERR_PTR(-EINVAL);
		}
	}

	if (p2p_dev) {
		p = p2pmem_provider_get(p2p_dev);
		if (!p) {
			pci_err(p2p_dev, "p2pmem: %s: this device provides no p2pmem\n", who);
			return ERR_PTR(-ENODEV);
		}
	} else {
		p = p2pmem_find_many(clients, num_clients);
		if (!p) {
			pr_err("p2pmem: %s: no published provider can be reached by %s%s\n", who,
			       dev_name(clients[0]),
			       num_clients > 1 ? " and the other clients" : "");
			return ERR_PTR(-ENODEV);
		}
	}

	/* The clients' drivers map the pages with the plain DMA API: it must be correct. */
	for (i = 0; i < num_clients; i++) {
		ret = p2pmem_dma_api_check(p, clients[i], true);
		if (ret) {
			pr_err("p2pmem: %s: %s cannot use %s (see the reason above)\n", who,
			       dev_name(clients[i]), dev_name(&p->dev));
			goto err_put;
		}
	}

	c = kzalloc_obj(*c);
	if (!c) {
		ret = -ENOMEM;
		goto err_put;
	}
	c->p = p;
	c->revoke.revoke = p2pmem_claim_revoke;
	strscpy(c->who, who);
	ret = p2pmem_register_revoke(p, &c->revoke);
	if (ret) {
		kfree(c);
		goto err_put;
	}
	return c;

err_put:
	p2pmem_provider_put(p);
	return ERR_PTR(ret);
}
EXPORT_SYMBOL_GPL(p2pmem_claim);

void p2pmem_unclaim(struct p2pmem_claim *c)
{
	if (IS_ERR_OR_NULL(c))
		return;
	p2pmem_unregister_revoke(c->p, &c->revoke);
	p2pmem_provider_put(c->p);
	kfree(c);
}
EXPORT_SYMBOL_GPL(p2pmem_unclaim);

struct p2pmem_provider *p2pmem_claim_provider(struct p2pmem_claim *c)
{
	return c->p;
}
EXPORT_SYMBOL_GPL(p2pmem_claim_provider);

struct scatterlist *p2pmem_claim_alloc_sgl(struct p2pmem_claim *c, unsigned int *nents,
					   u32 length, bool pages)
{
	if (READ_ONCE(c->revoked))
		return NULL;
	return pages ? p2pmem_alloc_sgl_pages(c->p, nents, length) :
		       p2pmem_alloc_sgl(c->p, nents, length);
}
EXPORT_SYMBOL_GPL(p2pmem_claim_alloc_sgl);
