// SPDX-License-Identifier: GPL-2.0
/*
 * Exports of the C API functions that are implemented in Rust (src/ffi/exports.rs, exports/). Each
 * is declared with the type of its prototype in <linux/p2pmem.h>, so the compiler checks that the
 * header and the symbol agree. (scripts/checkpatch allows these externs in this file only.)
 */

#include <linux/export.h>
#include <linux/p2pmem.h>

extern typeof(p2pmem_add_resource) p2pmem_add_resource;
EXPORT_SYMBOL_GPL(p2pmem_add_resource);

extern typeof(p2pmem_publish) p2pmem_publish;
EXPORT_SYMBOL_GPL(p2pmem_publish);

extern typeof(p2pmem_provider_get) p2pmem_provider_get;
EXPORT_SYMBOL_GPL(p2pmem_provider_get);

extern typeof(p2pmem_alloc_sgl) p2pmem_alloc_sgl;
EXPORT_SYMBOL_GPL(p2pmem_alloc_sgl);

extern typeof(p2pmem_alloc_sgl_pages) p2pmem_alloc_sgl_pages;
EXPORT_SYMBOL_GPL(p2pmem_alloc_sgl_pages);

extern typeof(p2pmem_free_sgl) p2pmem_free_sgl;
EXPORT_SYMBOL_GPL(p2pmem_free_sgl);

extern typeof(p2pmem_distance_many) p2pmem_distance_many;
EXPORT_SYMBOL_GPL(p2pmem_distance_many);

extern typeof(p2pmem_find_many) p2pmem_find_many;
EXPORT_SYMBOL_GPL(p2pmem_find_many);

extern typeof(p2pmem_dma_api_check) p2pmem_dma_api_check;
EXPORT_SYMBOL_GPL(p2pmem_dma_api_check);

extern typeof(p2pmem_enable_store) p2pmem_enable_store;
EXPORT_SYMBOL_GPL(p2pmem_enable_store);

extern typeof(p2pmem_enable_show) p2pmem_enable_show;
EXPORT_SYMBOL_GPL(p2pmem_enable_show);

extern typeof(p2pmem_claim) p2pmem_claim;
EXPORT_SYMBOL_GPL(p2pmem_claim);

extern typeof(p2pmem_unclaim) p2pmem_unclaim;
EXPORT_SYMBOL_GPL(p2pmem_unclaim);

extern typeof(p2pmem_claim_set_expire) p2pmem_claim_set_expire;
EXPORT_SYMBOL_GPL(p2pmem_claim_set_expire);

extern typeof(p2pmem_claim_provider) p2pmem_claim_provider;
EXPORT_SYMBOL_GPL(p2pmem_claim_provider);

extern typeof(p2pmem_claim_alloc_sgl) p2pmem_claim_alloc_sgl;
EXPORT_SYMBOL_GPL(p2pmem_claim_alloc_sgl);

extern typeof(p2pmem_map_sg) p2pmem_map_sg;
EXPORT_SYMBOL_GPL(p2pmem_map_sg);

extern typeof(p2pmem_unmap_sg) p2pmem_unmap_sg;
EXPORT_SYMBOL_GPL(p2pmem_unmap_sg);

extern typeof(p2pmem_map_sgtable) p2pmem_map_sgtable;
EXPORT_SYMBOL_GPL(p2pmem_map_sgtable);

extern typeof(p2pmem_unmap_sgtable) p2pmem_unmap_sgtable;
EXPORT_SYMBOL_GPL(p2pmem_unmap_sgtable);

extern typeof(p2pmem_map_range) p2pmem_map_range;
EXPORT_SYMBOL_GPL(p2pmem_map_range);

extern typeof(p2pmem_unmap_range) p2pmem_unmap_range;
EXPORT_SYMBOL_GPL(p2pmem_unmap_range);

extern typeof(p2pmem_dma_route) p2pmem_dma_route;
EXPORT_SYMBOL_GPL(p2pmem_dma_route);
