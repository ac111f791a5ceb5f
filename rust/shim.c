// SPDX-License-Identifier: GPL-2.0
/*
 * The DMA map shim: maps scatterlists that mix RAM and p2pmem pages, and BAR ranges without
 * struct pages, for a client device. Per segment, RAM goes through the DMA API as usual and
 * provider memory takes the route its verdict gives (p2pmem_shim_route(), in Rust): a bus
 * address that nothing maps or unmaps (BUS_ADDR), or dma_map_resource() so an IOMMU translates
 * it and dma-direct never bounces it (THRU_HOST_BRIDGE). How each DMA entry was mapped is kept
 * in a state object the caller passes back to unmap: this kernel has no sg->dma_flags.
 *
 * Segments are mapped one by one, never handed to dma_map_sg() together, so an IOMMU cannot
 * coalesce RAM with BAR memory; adjacent bus-address segments merge only when contiguous in
 * bus space (p2pmem_shim_route_merges()). The route is worked out once per provider in a
 * scatterlist, so a segment costs a page-to-provider lookup and a little arithmetic.
 */

#include <linux/dma-mapping.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/p2pmem.h>
#include <linux/pci.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>

#include "helpers.h"
#include "provider.h"

enum p2pmem_seg_kind {
	P2PMEM_SEG_PAGE,	/* dma_map_page_attrs() */
	P2PMEM_SEG_BUS,		/* a bus address: nothing to unmap */
	P2PMEM_SEG_HOST,	/* dma_map_resource() */
};

struct p2pmem_map_state {
	int nents;		/* DMA entries written */
	u8 kind[];		/* enum p2pmem_seg_kind of each */
};

static void p2pmem_unmap_entry(struct device *dev, u8 kind, dma_addr_t addr, size_t len,
			       enum dma_data_direction dir, unsigned long attrs)
{
	switch (kind) {
	case P2PMEM_SEG_PAGE:
		dma_unmap_page_attrs(dev, addr, len, dir, attrs);
		break;
	case P2PMEM_SEG_HOST:
		dma_unmap_resource(dev, addr, len, dir, attrs);
		break;
	}
}

/*
 * Carries out @plan (P2PMEM_PLAN_* or a negative errno from the planner, which logged why) for
 * provider memory [phys, phys + len) of @provider: fills *addr and returns the kind.
 */
static int p2pmem_map_kind(struct device *dev, int plan, u64 bus, struct pci_dev *provider,
			   phys_addr_t phys, size_t len, enum dma_data_direction dir,
			   unsigned long attrs, dma_addr_t *addr)
{
	if (plan < 0)
		return plan;
	if (plan == P2PMEM_PLAN_BUS) {
		*addr = bus;
		return P2PMEM_SEG_BUS;
	}
	*addr = dma_map_resource(dev, phys, len, dir, attrs);
	if (dma_mapping_error(dev, *addr)) {
		dev_warn_ratelimited(dev, "p2pmem: cannot map %zu bytes of %s through the host bridge\n",
				     len, pci_name(provider));
		return -EIO;
	}
	return P2PMEM_SEG_HOST;
}

/* Maps provider memory along a route from p2pmem_shim_route(). */
static int p2pmem_map_route(struct device *dev, const struct p2pmem_route *route,
			    struct pci_dev *provider, u64 bus_offset, phys_addr_t phys, size_t len,
			    enum dma_data_direction dir, unsigned long attrs, dma_addr_t *addr)
{
	u64 bus = 0;
	int plan = p2pmem_shim_segment(dev, route, phys, len, bus_offset, &bus);

	return p2pmem_map_kind(dev, plan, bus, provider, phys, len, dir, attrs, addr);
}

/* The same for one range: works out the route first. */
static int p2pmem_map_provider_range(struct device *dev, struct pci_dev *provider,
				     u64 bus_offset, phys_addr_t phys, size_t len,
				     enum dma_data_direction dir, unsigned long attrs,
				     dma_addr_t *addr)
{
	struct p2pmem_route route;
	int ret = p2pmem_shim_route(dev, provider, &route);

	if (ret)
		return ret;
	return p2pmem_map_route(dev, &route, provider, bus_offset, phys, len, dir, attrs, addr);
}

int p2pmem_map_sg(struct device *dev, struct scatterlist *sgl, int nents,
		  enum dma_data_direction dir, unsigned long attrs,
		  struct p2pmem_map_state **statep)
{
	struct p2pmem_map_state *state;
	struct scatterlist *sg, *out = sgl, *prev = NULL;
	struct p2pmem_provider *route_of = NULL;
	struct p2pmem_route route;
	int i, ret, count = 0;

	if (nents <= 0)
		return -EINVAL;
	state = kzalloc_flex(*state, kind, nents, GFP_ATOMIC);
	if (!state)
		return -ENOMEM;

	for_each_sg(sgl, sg, nents, i) {
		struct page *page = sg_page(sg);
		struct p2pmem_provider *p = p2pmem_page_provider(page);
		phys_addr_t phys = page_to_phys(page) + sg->offset;
		dma_addr_t addr;
		int kind;

		if (!p) {
			addr = dma_map_page_attrs(dev, page, sg->offset, sg->length, dir, attrs);
			if (dma_mapping_error(dev, addr)) {
				ret = -EIO;
				goto unwind;
			}
			kind = P2PMEM_SEG_PAGE;
		} else {
			if (phys + sg->length - 1 > p->pgmap.range.end) {
				dev_warn_ratelimited(dev, "p2pmem: a segment leaves the memory of %s\n",
						     dev_name(&p->dev));
				ret = -EINVAL;
				goto unwind;
			}
			if (p != route_of) {
				ret = p2pmem_shim_route(dev, p->pdev, &route);
				if (ret)
					goto unwind;
				route_of = p;
			}
			kind = p2pmem_map_route(dev, &route, p->pdev, p->bus_offset, phys,
						sg->length, dir, attrs, &addr);
			if (kind < 0) {
				ret = kind;
				goto unwind;
			}
			if (kind == P2PMEM_SEG_BUS && prev &&
			    state->kind[count - 1] == P2PMEM_SEG_BUS &&
			    p2pmem_shim_route_merges(&route, sg_dma_address(prev), sg_dma_len(prev),
						     addr, sg->length)) {
				sg_dma_len(prev) += sg->length;
				continue;
			}
		}
		sg_dma_address(out) = addr;
		sg_dma_len(out) = sg->length;
		state->kind[count++] = kind;
		prev = out;
		out = sg_next(out);
	}
	state->nents = count;
	*statep = state;
	return count;

unwind:
	for_each_sg(sgl, sg, count, i)
		p2pmem_unmap_entry(dev, state->kind[i], sg_dma_address(sg), sg_dma_len(sg), dir,
				   attrs);
	kfree(state);
	return ret;
}
EXPORT_SYMBOL_GPL(p2pmem_map_sg);

void p2pmem_unmap_sg(struct device *dev, struct scatterlist *sgl, enum dma_data_direction dir,
		     unsigned long attrs, struct p2pmem_map_state *state)
{
	struct scatterlist *sg;
	int i;

	for_each_sg(sgl, sg, state->nents, i)
		p2pmem_unmap_entry(dev, state->kind[i], sg_dma_address(sg), sg_dma_len(sg), dir,
				   attrs);
	kfree(state);
}
EXPORT_SYMBOL_GPL(p2pmem_unmap_sg);

int p2pmem_map_sgtable(struct device *dev, struct sg_table *sgt, enum dma_data_direction dir,
		       unsigned long attrs, struct p2pmem_map_state **statep)
{
	int n = p2pmem_map_sg(dev, sgt->sgl, sgt->orig_nents, dir, attrs, statep);

	if (n < 0)
		return n;
	sgt->nents = n;
	return 0;
}
EXPORT_SYMBOL_GPL(p2pmem_map_sgtable);

void p2pmem_unmap_sgtable(struct device *dev, struct sg_table *sgt, enum dma_data_direction dir,
			  unsigned long attrs, struct p2pmem_map_state *state)
{
	p2pmem_unmap_sg(dev, sgt->sgl, dir, attrs, state);
	sgt->nents = 0;
}
EXPORT_SYMBOL_GPL(p2pmem_unmap_sgtable);

int p2pmem_map_range(struct device *dev, struct pci_dev *provider, int bar, u64 offset,
		     size_t len, enum dma_data_direction dir, unsigned long attrs,
		     struct p2pmem_range_map *map)
{
	struct p2pmem_bar_info b;
	int kind, ret;

	ret = p2pmem_bar_info(&provider->dev, bar, &b);
	if (ret)
		return ret;
	if (!len || offset >= b.len || len > b.len - offset)
		return -EINVAL;
	kind = p2pmem_map_provider_range(dev, provider, b.bus_start - b.start, b.start + offset,
					 len, dir, attrs, &map->addr);
	if (kind < 0)
		return kind;
	map->len = len;
	map->kind = kind;
	return 0;
}
EXPORT_SYMBOL_GPL(p2pmem_map_range);

int p2pmem_dma_route(struct p2pmem_provider *p, struct device *client, u64 *bus_offset)
{
	u64 start = p->pgmap.range.start, len = range_len(&p->pgmap.range), bus = 0;
	struct p2pmem_route route;
	int plan;

	plan = p2pmem_shim_route(client, p->pdev, &route);
	if (plan)
		return plan;
	/* The whole pool at once: no segment of it can then be beyond the DMA mask. */
	plan = p2pmem_shim_segment(client, &route, start, len, p->bus_offset, &bus);
	if (plan == P2PMEM_PLAN_BUS) {
		*bus_offset = bus - start;
		return P2PMEM_ROUTE_BUS_ADDR;
	}
	if (plan == P2PMEM_PLAN_HOST)
		return P2PMEM_ROUTE_HOST_BRIDGE;
	return plan;
}
EXPORT_SYMBOL_GPL(p2pmem_dma_route);

void p2pmem_unmap_range(struct device *dev, const struct p2pmem_range_map *map,
			enum dma_data_direction dir, unsigned long attrs)
{
	p2pmem_unmap_entry(dev, map->kind, map->addr, map->len, dir, attrs);
}
EXPORT_SYMBOL_GPL(p2pmem_unmap_range);
