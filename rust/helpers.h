/* SPDX-License-Identifier: GPL-2.0 */
/*
 * C glue of p2pmem.ko for the Rust side: what Rust has no abstraction for (device classes)
 * and static inlines Rust cannot call. Only opaque pointers and scalars cross this boundary.
 */
#ifndef P2PMEM_RUST_HELPERS_H
#define P2PMEM_RUST_HELPERS_H

#include <linux/types.h>

struct device;
struct page;
struct pci_dev;
struct scatterlist;

/* What the P2P policy needs of a PCI function (see src/ffi/pci.rs). */
struct p2pmem_pci_info {
	u32 domain;	/* pci_domain_nr(), all 32 bits (VMD domains are 0x10000 and up) */
	u8 bus;
	u8 devfn;
	u16 vendor;
	u16 device;
	/* PCI_EXP_TYPE_* of the PCIe capability, or -1 for conventional PCI. */
	int pcie_type;
	/* Whether the function has an ACS capability, and its registers (read now). */
	bool has_acs;
	u16 acs_cap;
	u16 acs_ctrl;
	/* The root bus of its host bridge and the first device on that bus (devfn -1 if none). */
	u32 root_domain;
	u8 root_bus;
	/* Its identity, to compare with another function's; never dereferenced. */
	const void *host_bridge;
	int first_devfn;
	int first_pcie_type;
	u16 first_vendor;
	u16 first_device;
};

struct p2pmem_cpu_info {
	bool amd;
	u32 family;
};

int p2pmem_class_register(void);
const char *p2pmem_param_host_bridge_allow(void);
unsigned int p2pmem_param_claim_revoke_timeout(void);
const struct class *p2pmem_class_get(void);

/* Implemented in Rust (src/ffi/class.rs), called by the class attribute. */
ssize_t p2pmem_host_bridge_allow_show(char *buf);
ssize_t p2pmem_host_bridge_allow_store(const char *buf, size_t count);
ssize_t p2pmem_wrap_show(char *buf);
ssize_t p2pmem_wrap_store(const char *buf, size_t count);
ssize_t p2pmem_unwrap_store(const char *buf, size_t count);
ssize_t p2pmem_flush_store(const char *buf, size_t count);
/* what: 0 being removed, 1 a driver is binding, 2 the driver is unbinding, 3 added, 4 removed */
void p2pmem_pci_event(struct device *dev, int what);

int p2pmem_pci_notifier_register(void);
void p2pmem_pci_notifier_unregister(void);

void p2pmem_class_unregister(void);

struct device *p2pmem_pci_upstream_bridge(struct device *dev);
void p2pmem_pci_info(struct device *dev, struct p2pmem_pci_info *info);
struct device *p2pmem_pci_get(u32 domain, u8 bus, u8 devfn);
void p2pmem_device_lock(struct device *dev);
void p2pmem_device_unlock(struct device *dev);
struct device *p2pmem_pci_dev_device(struct pci_dev *pdev);
struct device *p2pmem_pci_parent_of(struct device *dev);
void p2pmem_pci_put(struct device *dev);
void p2pmem_cpu_info(struct p2pmem_cpu_info *info);

/* rust/provider.c */
struct class;
struct p2pmem_provider;
/* A memory BAR as the PCI core has it: where it is, and the flags p2pmem checks. */
struct p2pmem_bar_info {
	u64 start;
	u64 len;
	u64 bus_start;
	bool unset;		/* IORESOURCE_UNSET */
	bool disabled;		/* IORESOURCE_DISABLED */
	bool prefetchable;	/* IORESOURCE_PREFETCH */
	bool in_tree;		/* has a parent in the resource tree */
};

/* -EINVAL unless @bar is a memory BAR. */
int p2pmem_bar_info(struct device *dev, int bar, struct p2pmem_bar_info *info);
/* security_locked_down(LOCKDOWN_PCI_ACCESS): 0, or -EPERM (static inline without LSMs). */
int p2pmem_pci_access_locked_down(void);
u64 p2pmem_compat_align(void);
bool p2pmem_range_is_ram(u64 start, u64 size);
struct p2pmem_provider *p2pmem_provider_create(const struct class *class, struct device *dev,
					       int bar, u64 offset, u64 size,
					       const u64 *bus_offset, int *err);
void p2pmem_provider_destroy(struct p2pmem_provider *p);
int p2pmem_provider_id(struct p2pmem_provider *p);
void p2pmem_provider_publish(struct p2pmem_provider *p, bool publish);
bool p2pmem_provider_published(struct p2pmem_provider *p);
void *p2pmem_provider_alloc(struct p2pmem_provider *p, size_t size);
void p2pmem_provider_free(struct p2pmem_provider *p, void *addr, size_t size);
u64 p2pmem_provider_virt_to_bus(struct p2pmem_provider *p, void *addr);
size_t p2pmem_provider_avail(struct p2pmem_provider *p);
long p2pmem_provider_allocations(struct p2pmem_provider *p);
void p2pmem_provider_ref(struct p2pmem_provider *p);
/* Where a provider's memory lies, for the map shim and the DMA API check (src/ffi/provider.rs). */
struct p2pmem_provider_span {
	u64 start;		/* CPU physical address of the first byte */
	u64 end;		/* and of the last */
	u64 bus_offset;		/* bus address minus CPU physical address */
};

void p2pmem_provider_span(struct p2pmem_provider *p, struct p2pmem_provider_span *s);
u32 p2pmem_random_below(u32 n);

/*
 * Wrappers of static inlines and macros (src/ffi/ratelimit.rs, xarray.rs, dma.rs, pci.rs).
 * P2PMEM_XA_FLAGS_LOCK_IRQ is XA_FLAGS_LOCK_IRQ, which bindgen cannot evaluate.
 */
struct ratelimit_state;
struct xarray;
#define P2PMEM_XA_FLAGS_LOCK_IRQ 1
void p2pmem_ratelimit_state_init(struct ratelimit_state *rs, int interval, int burst);
unsigned long p2pmem_xa_lock_irqsave(struct xarray *xa);
void p2pmem_xa_unlock_irqrestore(struct xarray *xa, unsigned long flags);
u64 p2pmem_dma_get_mask(struct device *dev);
unsigned int p2pmem_dma_get_max_seg_size(struct device *dev);
unsigned long p2pmem_dma_get_seg_boundary(struct device *dev);
bool p2pmem_is_swiotlb_force_bounce(struct device *dev);
u32 p2pmem_pci_domain_nr(struct pci_dev *pdev);

/* Static inlines of <linux/scatterlist.h> and <linux/dma-mapping.h> (src/ffi/scatterlist.rs). */
struct page *p2pmem_sg_page(struct scatterlist *sg);
void *p2pmem_sg_virt(struct scatterlist *sg);
void p2pmem_sg_set_buf(struct scatterlist *sg, const void *buf, unsigned int len);
phys_addr_t p2pmem_sg_phys(struct scatterlist *sg);
void p2pmem_sg_dma_address_set(struct scatterlist *sg, dma_addr_t addr);
void p2pmem_sg_dma_len_set(struct scatterlist *sg, unsigned int len);
int p2pmem_dma_mapping_error(struct device *dev, dma_addr_t addr);

/* The class device p2pmemN. */
struct device *p2pmem_provider_device(struct p2pmem_provider *p);

/*
 * src/ffi/user_mapping.rs, called by rust/provider.c: /dev/p2pmemN and the user mappings of a
 * provider's memory (src/user_mapping.rs). @maps is what p2pmem_user_maps_new() returned.
 */
struct vm_area_struct;
/* NULL on failure. Before device_add(), which creates the allocate file. */
void *p2pmem_user_maps_new(void);
/* In the class device's release; NULL is ignored. */
void p2pmem_user_maps_free(void *maps);
/* After device_add(): registers /dev/p2pmemN (not in benchmark-only mode). */
int p2pmem_user_maps_add(struct p2pmem_provider *p, void *maps);
/* First in teardown: no new opens. */
void p2pmem_user_maps_del(void *maps);
/* Zaps every user mapping, frees its memory and reports what is still referenced. */
void p2pmem_user_maps_revoke(struct p2pmem_provider *p, void *maps);
/* mmap of the allocate file. */
int p2pmem_user_maps_mmap_sysfs(struct p2pmem_provider *p, void *maps,
				struct vm_area_struct *vma);
/* rust/provider.c: root's opt-in pin_any_client, read at each mmap. */
bool p2pmem_provider_pin_any_client(struct p2pmem_provider *p);

/* rust/helpers.c: module parameters of user mappings, read at each mmap (src/user_mapping.rs). */
bool p2pmem_param_pin_through_iommu(void);
bool p2pmem_param_pin_when_bouncing(void);
bool p2pmem_param_clear_user_memory(void);
/* Static inlines and macros of <linux/mm.h> (src/ffi/vma.rs, src/ffi/provider.rs). */
void p2pmem_vma_set_noncached(struct vm_area_struct *vma);
struct page *p2pmem_virt_to_page(const void *addr);
/* The current task, for messages (src/ffi/task.rs); @comm has P2PMEM_TASK_COMM_LEN bytes. */
#define P2PMEM_TASK_COMM_LEN 16
int p2pmem_current_tgid(void);
void p2pmem_current_comm(char *comm);

/* rust/bench.c, linked only against a kernel with CONFIG_PCI_P2PDMA (the bench flavor) */
int p2pmem_bench_register(void);
void p2pmem_bench_unregister(void);
/* src/ffi/bench.rs: p2pmem_distance_many() as on a cache miss for every client */
int p2pmem_bench_distance_uncached(struct pci_dev *provider, struct device **clients,
				   int num_clients);

/* tests/kunit/helpers.c, linked only into KUnit builds */
int p2pmem_test_map_sg(struct device *dev, void *const *bufs, const u32 *lens, int n, u64 *dma,
		       u32 *dma_len);
u64 p2pmem_test_dma_mask(struct device *dev);
int p2pmem_test_set_dma_mask(struct device *dev, u64 mask);
int p2pmem_test_page_provider_id(void *vaddr);
u64 p2pmem_test_virt_to_phys(void *vaddr);
int p2pmem_test_page_ref(void *vaddr);
void p2pmem_test_get_page(void *vaddr);
void p2pmem_test_put_page(void *vaddr);
void p2pmem_test_wrap_delay(void);

#endif /* P2PMEM_RUST_HELPERS_H */
