// SPDX-License-Identifier: GPL-2.0
/*
 * C glue of p2pmem.ko: the "p2pmem" device class and wrappers of static inlines.
 * The Rust side (src/ffi.rs) is the only caller.
 */

#include <linux/build_bug.h>
#include <linux/device/class.h>
#include <linux/dma-mapping.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/pci.h>
#include <linux/ratelimit.h>
#include <linux/scatterlist.h>
#include <linux/sched.h>
#include <linux/security.h>
#include <linux/string.h>
#include <linux/swiotlb.h>
#include <linux/xarray.h>
#include <asm/processor.h>

#include "helpers.h"

/* The module! macro of the 7.3 kernel crate has no version field. */
MODULE_VERSION(P2PMEM_VERSION);

static char *host_bridge_allow;
module_param(host_bridge_allow, charp, 0444);
MODULE_PARM_DESC(host_bridge_allow,
		 "Host bridges to allow for P2P besides the built-in list: vvvv:dddd[,vvvv:dddd...]");

const char *p2pmem_param_host_bridge_allow(void)
{
	return host_bridge_allow;
}

static unsigned int claim_revoke_timeout = 10;
module_param(claim_revoke_timeout, uint, 0644);
MODULE_PARM_DESC(claim_revoke_timeout,
		 "Seconds from a provider's revocation until the owners of its claims are told that its memory is still allocated (default 10, at most 3600)");

/* Read at each revocation; src/claim.rs applies the bound. */
unsigned int p2pmem_param_claim_revoke_timeout(void)
{
	return READ_ONCE(claim_revoke_timeout);
}

static bool pin_through_iommu;
module_param(pin_through_iommu, bool, 0644);
MODULE_PARM_DESC(pin_through_iommu,
		 "Let user mappings of p2pmem be pinned (O_DIRECT) even when an IOMMU translates DMA for the provider; never with a bus offset");

bool p2pmem_param_pin_through_iommu(void)
{
	return READ_ONCE(pin_through_iommu);
}

static bool pin_when_bouncing;
module_param(pin_when_bouncing, bool, 0644);
MODULE_PARM_DESC(pin_when_bouncing,
		 "Let user mappings of p2pmem be pinned (O_DIRECT) even when swiotlb bounces all DMA: P2P-aware drivers (the patched nvme-pci) map them at bus addresses, any other driver copies the data through RAM; never with a bus offset");

bool p2pmem_param_pin_when_bouncing(void)
{
	return READ_ONCE(pin_when_bouncing);
}

static bool clear_user_memory = true;
module_param(clear_user_memory, bool, 0644);
MODULE_PARM_DESC(clear_user_memory,
		 "Zero pool memory before it is mapped into a process (default on); off hands out what the previous user left");

bool p2pmem_param_clear_user_memory(void)
{
	return READ_ONCE(clear_user_memory);
}

static ssize_t host_bridge_allow_show(const struct class *class,
				      const struct class_attribute *attr, char *buf)
{
	return p2pmem_host_bridge_allow_show(buf);
}

static ssize_t host_bridge_allow_store(const struct class *class,
				       const struct class_attribute *attr, const char *buf,
				       size_t count)
{
	return p2pmem_host_bridge_allow_store(buf, count);
}
static CLASS_ATTR_RW(host_bridge_allow);

static ssize_t wrap_show(const struct class *class, const struct class_attribute *attr,
			 char *buf)
{
	return p2pmem_wrap_show(buf);
}

static ssize_t wrap_store(const struct class *class, const struct class_attribute *attr,
			  const char *buf, size_t count)
{
	return p2pmem_wrap_store(buf, count);
}
static CLASS_ATTR_RW(wrap);

static ssize_t unwrap_store(const struct class *class, const struct class_attribute *attr,
			    const char *buf, size_t count)
{
	return p2pmem_unwrap_store(buf, count);
}
static CLASS_ATTR_WO(unwrap);

static ssize_t flush_store(const struct class *class, const struct class_attribute *attr,
			   const char *buf, size_t count)
{
	return p2pmem_flush_store(buf, count);
}
static CLASS_ATTR_WO(flush);

static struct attribute *p2pmem_class_attrs[] = {
	&class_attr_flush.attr,
	&class_attr_host_bridge_allow.attr,
	&class_attr_wrap.attr,
	&class_attr_unwrap.attr,
	NULL,
};
ATTRIBUTE_GROUPS(p2pmem_class);

static const struct class p2pmem_class = {
	.name = "p2pmem",
	.class_groups = p2pmem_class_groups,
};

int p2pmem_class_register(void)
{
	return class_register(&p2pmem_class);
}

void p2pmem_class_unregister(void)
{
	class_unregister(&p2pmem_class);
}

const struct class *p2pmem_class_get(void)
{
	return &p2pmem_class;
}

/*
 * PCI topology for the P2P policy. Every struct device here is a PCI function's; the caller
 * holds a reference to it, which keeps the bridges above it and its host bridge alive.
 */
struct device *p2pmem_pci_upstream_bridge(struct device *dev)
{
	struct pci_dev *bridge = pci_upstream_bridge(to_pci_dev(dev));

	return bridge ? &bridge->dev : NULL;
}

void p2pmem_pci_info(struct device *dev, struct p2pmem_pci_info *info)
{
	struct pci_dev *pdev = to_pci_dev(dev);
	struct pci_host_bridge *host = pci_find_host_bridge(pdev->bus);
	struct pci_dev *first;

	info->domain = pci_domain_nr(pdev->bus);
	info->bus = pdev->bus->number;
	info->devfn = pdev->devfn;
	info->vendor = pdev->vendor;
	info->device = pdev->device;
	info->pcie_type = pci_is_pcie(pdev) ? pci_pcie_type(pdev) : -1;
	info->has_acs = pdev->acs_cap != 0;
	info->acs_cap = 0;
	info->acs_ctrl = 0;
	if (info->has_acs) {
		pci_read_config_word(pdev, pdev->acs_cap + PCI_ACS_CAP, &info->acs_cap);
		pci_read_config_word(pdev, pdev->acs_cap + PCI_ACS_CTRL, &info->acs_ctrl);
	}

	info->root_domain = pci_domain_nr(host->bus);
	info->root_bus = host->bus->number;
	info->host_bridge = host;
	/* As pci_host_bridge_dev() in drivers/pci/p2pdma.c: lockless, the first device. */
	first = list_first_entry_or_null(&host->bus->devices, struct pci_dev, bus_list);
	info->first_devfn = first ? first->devfn : -1;
	info->first_pcie_type = first && pci_is_pcie(first) ? pci_pcie_type(first) : -1;
	info->first_vendor = first ? first->vendor : 0;
	info->first_device = first ? first->device : 0;
}

/* A referenced PCI function by address, or NULL; release with p2pmem_pci_put(). */
struct device *p2pmem_pci_get(u32 domain, u8 bus, u8 devfn)
{
	struct pci_dev *pdev = pci_get_domain_bus_and_slot((int)domain, bus, devfn);

	return pdev ? &pdev->dev : NULL;
}

static int p2pmem_pci_notify(struct notifier_block *nb, unsigned long action, void *data)
{
	switch (action) {
	case BUS_NOTIFY_ADD_DEVICE:
		p2pmem_pci_event(data, 3);
		break;
	case BUS_NOTIFY_REMOVED_DEVICE:
		p2pmem_pci_event(data, 4);
		break;
	case BUS_NOTIFY_DEL_DEVICE:
		p2pmem_pci_event(data, 0);
		break;
	case BUS_NOTIFY_BIND_DRIVER:
		p2pmem_pci_event(data, 1);
		break;
	case BUS_NOTIFY_UNBIND_DRIVER:
		p2pmem_pci_event(data, 2);
		break;
	}
	return NOTIFY_DONE;
}

static struct notifier_block p2pmem_pci_nb = {
	.notifier_call = p2pmem_pci_notify,
};

int p2pmem_pci_notifier_register(void)
{
	return bus_register_notifier(&pci_bus_type, &p2pmem_pci_nb);
}

void p2pmem_pci_notifier_unregister(void)
{
	bus_unregister_notifier(&pci_bus_type, &p2pmem_pci_nb);
}

struct device *p2pmem_pci_dev_device(struct pci_dev *pdev)
{
	return &pdev->dev;
}

/*
 * The nearest PCI function at or above @dev (as find_parent_pci_dev() in p2pdma.c), or NULL.
 * No reference is taken: @dev holds its parents.
 */
struct device *p2pmem_pci_parent_of(struct device *dev)
{
	while (dev && !dev_is_pci(dev))
		dev = dev->parent;
	return dev;
}

void p2pmem_device_lock(struct device *dev)
{
	device_lock(dev);
}

void p2pmem_device_unlock(struct device *dev)
{
	device_unlock(dev);
}

/* The kernel's rule for user space access to BARs (drivers/pci/pci-sysfs.c, proc.c). */
int p2pmem_pci_access_locked_down(void)
{
	return security_locked_down(LOCKDOWN_PCI_ACCESS);
}

void p2pmem_pci_put(struct device *dev)
{
	pci_dev_put(to_pci_dev(dev));
}

void p2pmem_cpu_info(struct p2pmem_cpu_info *info)
{
#ifdef CONFIG_X86
	info->amd = boot_cpu_data.x86_vendor == X86_VENDOR_AMD;
	info->family = boot_cpu_data.x86;
#else
	info->amd = false;
	info->family = 0;
#endif
}

/* Static inlines and macros of src/ffi/{ratelimit,xarray,dma,pci}.rs. */
static_assert(P2PMEM_XA_FLAGS_LOCK_IRQ == (__force unsigned int)XA_FLAGS_LOCK_IRQ);

void p2pmem_ratelimit_state_init(struct ratelimit_state *rs, int interval, int burst)
{
	ratelimit_state_init(rs, interval, burst);
}

unsigned long p2pmem_xa_lock_irqsave(struct xarray *xa)
{
	unsigned long flags;

	xa_lock_irqsave(xa, flags);
	return flags;
}

void p2pmem_xa_unlock_irqrestore(struct xarray *xa, unsigned long flags)
{
	xa_unlock_irqrestore(xa, flags);
}

u64 p2pmem_dma_get_mask(struct device *dev)
{
	return dma_get_mask(dev);
}

unsigned int p2pmem_dma_get_max_seg_size(struct device *dev)
{
	return dma_get_max_seg_size(dev);
}

unsigned long p2pmem_dma_get_seg_boundary(struct device *dev)
{
	return dma_get_seg_boundary(dev);
}

bool p2pmem_is_swiotlb_force_bounce(struct device *dev)
{
	return is_swiotlb_force_bounce(dev);
}

u32 p2pmem_pci_domain_nr(struct pci_dev *pdev)
{
	return (u32)pci_domain_nr(pdev->bus);
}

struct page *p2pmem_sg_page(struct scatterlist *sg)
{
	return sg_page(sg);
}

void *p2pmem_sg_virt(struct scatterlist *sg)
{
	return sg_virt(sg);
}

void p2pmem_sg_set_buf(struct scatterlist *sg, const void *buf, unsigned int len)
{
	sg_set_buf(sg, buf, len);
}

phys_addr_t p2pmem_sg_phys(struct scatterlist *sg)
{
	return sg_phys(sg);
}

void p2pmem_sg_dma_address_set(struct scatterlist *sg, dma_addr_t addr)
{
	sg_dma_address(sg) = addr;
}

void p2pmem_sg_dma_len_set(struct scatterlist *sg, unsigned int len)
{
	sg_dma_len(sg) = len;
}

int p2pmem_dma_mapping_error(struct device *dev, dma_addr_t addr)
{
	return dma_mapping_error(dev, addr);
}

void p2pmem_vma_set_noncached(struct vm_area_struct *vma)
{
	vma->vm_page_prot = pgprot_noncached(vma->vm_page_prot);
}

struct page *p2pmem_virt_to_page(const void *addr)
{
	return virt_to_page(addr);
}

static_assert(P2PMEM_TASK_COMM_LEN == TASK_COMM_LEN);

int p2pmem_current_tgid(void)
{
	return task_tgid_nr(current);
}

void p2pmem_current_comm(char *comm)
{
	char c[TASK_COMM_LEN];

	get_task_comm(c, current);
	memcpy(comm, c, TASK_COMM_LEN);
}
