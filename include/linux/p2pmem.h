/* SPDX-License-Identifier: GPL-2.0 */
/*
 * p2pmem: peer-to-peer PCI memory, the C interface of p2pmem.ko.
 *
 * Consumers build against this header and p2pmem.ko's Module.symvers (KBUILD_EXTRA_SYMBOLS).
 * Every function here is EXPORT_SYMBOL_GPL.
 */
#ifndef _LINUX_P2PMEM_H
#define _LINUX_P2PMEM_H

#include <linux/types.h>

/* Name of the device class every p2pmem provider belongs to (/sys/class/p2pmem). */
#define P2PMEM_CLASS_NAME "p2pmem"

struct device;
struct pci_dev;
struct p2pmem_provider;

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
 * Context: any context, atomic included.
 * Return: the kernel virtual address of the memory, or NULL when the pool is exhausted or the
 * provider is being torn down. Each allocation holds the provider's memory until it is freed
 * with p2pmem_free(): teardown waits for it.
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

#endif /* _LINUX_P2PMEM_H */
