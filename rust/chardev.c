// SPDX-License-Identifier: GPL-2.0
/*
 * Userspace access to a provider's memory: /dev/p2pmemN (a misc device, root only) and the
 * class device's "allocate" file (the in-tree p2pmem/allocate semantics). mmap(MAP_SHARED,
 * offset 0) hands out pool memory, freed when unmapped.
 *
 * In C because the kernel crate's miscdevice has no vm_operations, no VM_PFNMAP mapping and no
 * way to zap every user mapping of a device, which revocation needs.
 *
 * Two kinds of mapping, both uncached (as the kernel maps the pages) and both filled at their
 * first access, by the fault handler:
 * - pinnable (VM_MIXEDMAP, vm_insert_page): the pages can be pinned by GUP, so O_DIRECT and a
 *   block device DMA straight into the BAR. Only where the generic DMA path is equivalent to a
 *   correct P2P mapping: bus offset 0, no translating IOMMU for the provider and no forced
 *   swiotlb bouncing (dma-direct then gives the CPU address, which is the bus address), or
 *   root opted in with pin_through_iommu=1 or pin_when_bouncing=1 (never with a bus offset);
 *   and only when every block, net or RDMA PCI function can reach the provider
 *   unless root set the provider's pin_any_client. The rule is p2pmem_pinnable() (src/pin.rs).
 * - CPU-only (VM_PFNMAP | VM_IO, vmf_insert_pfn): GUP refuses it, so the pages never reach a
 *   generic DMA path; O_DIRECT gets EFAULT.
 * Memory is zeroed before it is mapped (clear_user_memory). A mapping owns its allocation
 * until the last VMA that maps it is closed (mremap() copies VMAs; fork() does not, as
 * VM_DONTCOPY stays: madvise(MADV_DOFORK) refuses VM_DONTEXPAND mappings).
 *
 * Revocation (teardown of the provider): every user mapping is zapped, then gives its memory
 * back; a page a pin still references goes back with its last reference, and teardown reports
 * it while it waits.
 */

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/p2pmem.h>
#include <linux/pagemap.h>
#include <linux/pci.h>
#include <linux/refcount.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "helpers.h"
#include "provider.h"

static bool pin_through_iommu;
module_param(pin_through_iommu, bool, 0644);
MODULE_PARM_DESC(pin_through_iommu,
		 "Let user mappings of p2pmem be pinned (O_DIRECT) even when an IOMMU translates DMA for the provider; never with a bus offset");

static bool pin_when_bouncing;
module_param(pin_when_bouncing, bool, 0644);
MODULE_PARM_DESC(pin_when_bouncing,
		 "Let user mappings of p2pmem be pinned (O_DIRECT) even when swiotlb bounces all DMA: P2P-aware drivers (the patched nvme-pci) map them at bus addresses, any other driver copies the data through RAM; never with a bus offset");

static bool clear_user_memory = true;
module_param(clear_user_memory, bool, 0644);
MODULE_PARM_DESC(clear_user_memory,
		 "Zero pool memory before it is mapped into a process (default on); off hands out what the previous user left");

/*
 * One user mapping of provider memory, shared by the VMAs that map it: the one mmap() made and
 * its copies (mremap() copies a VMA and then closes the source, calling .open on the copy).
 * The last .close gives the memory back. Its PTEs are filled by .fault, under umap_lock and
 * only while the memory is there, so a revocation that runs while the VMA is being created
 * (after ->mmap, before the VMA is linked where revocation's zap reaches it) leaves nothing
 * mapped (the vfio-pci pattern).
 */
struct p2pmem_umap {
	struct list_head node;		/* in p->umaps, under p->umap_lock */
	struct p2pmem_provider *p;	/* referenced (its class device) */
	refcount_t vmas;		/* VMAs that map it */
	void *addr;			/* the allocation it owns; NULL once revoked */
	size_t len;
	bool pinnable;			/* struct pages (VM_MIXEDMAP), else VM_PFNMAP */
};

/* A copy of a VMA (mremap() moving it) maps the same memory. */
static void p2pmem_umap_open(struct vm_area_struct *vma)
{
	struct p2pmem_umap *m = vma->vm_private_data;

	refcount_inc(&m->vmas);
}

static void p2pmem_umap_close(struct vm_area_struct *vma)
{
	struct p2pmem_umap *m = vma->vm_private_data;
	struct p2pmem_provider *p = m->p;

	mutex_lock(&p->umap_lock);
	if (!refcount_dec_and_test(&m->vmas)) {
		mutex_unlock(&p->umap_lock);
		return;
	}
	list_del(&m->node);
	if (m->addr)
		p2pmem_free(p, m->addr, m->len);
	mutex_unlock(&p->umap_lock);
	put_device(&p->dev);
	kfree(m);
}

/* Keep each mapping whole: it owns one allocation. */
static int p2pmem_umap_may_split(struct vm_area_struct *vma, unsigned long addr)
{
	return -EINVAL;
}

/*
 * Maps the whole VMA at its first access, under umap_lock: revocation either ran before (the
 * memory is gone: SIGBUS) or runs after and zaps what was mapped here.
 */
static vm_fault_t p2pmem_umap_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct p2pmem_umap *m = vma->vm_private_data;
	vm_fault_t ret = VM_FAULT_NOPAGE;
	unsigned long off;
	int err;

	mutex_lock(&m->p->umap_lock);
	if (!m->addr) {
		ret = VM_FAULT_SIGBUS;
		goto out;
	}
	for (off = 0; off < m->len; off += PAGE_SIZE) {
		if (m->pinnable) {
			err = vm_insert_page(vma, vma->vm_start + off, virt_to_page(m->addr + off));
			/* -EBUSY: already mapped (a racing fault of another thread) */
			if (err && err != -EBUSY) {
				ret = vmf_error(err);
				break;
			}
		} else {
			ret = vmf_insert_pfn(vma, vma->vm_start + off,
					     PHYS_PFN(virt_to_phys(m->addr + off)));
			if (ret != VM_FAULT_NOPAGE)
				break;
		}
	}
out:
	mutex_unlock(&m->p->umap_lock);
	return ret;
}

static const struct vm_operations_struct p2pmem_umap_ops = {
	.open = p2pmem_umap_open,
	.close = p2pmem_umap_close,
	.may_split = p2pmem_umap_may_split,
	.fault = p2pmem_umap_fault,
};

/*
 * Maps pool memory at @vma, uncached like the kernel's own mapping of the pages
 * (memremap_pages() of MEMORY_DEVICE_PCI_P2PDMA). A @tracked mapping (/dev/p2pmemN) owns its
 * allocation, has our vm_operations, is filled at its first access and is listed for
 * revocation; an untracked one (the sysfs file: kernfs allows no close and zaps the mappings
 * itself at removal) must be pinnable, as its pages then live by their references.
 */
/* Called with p->umap_lock held, so revocation sees every mapping made before it. */
static int p2pmem_mmap_locked(struct p2pmem_provider *p, struct vm_area_struct *vma,
			      bool tracked)
{
	size_t len = vma->vm_end - vma->vm_start;
	struct p2pmem_umap *m;
	bool pinnable;
	size_t off;
	void *addr;
	int ret;

	if (!(vma->vm_flags & VM_MAYSHARE)) {
		dev_info_ratelimited(&p->dev, "%s: only shared mappings\n", current->comm);
		return -EINVAL;
	}
	if (vma->vm_pgoff) {
		dev_info_ratelimited(&p->dev, "%s: only mappings at offset 0\n", current->comm);
		return -EINVAL;
	}
	pinnable = p2pmem_pinnable(p, READ_ONCE(p->pin_any_client), pin_through_iommu,
				   pin_when_bouncing);
	if (!tracked && !pinnable) {
		dev_info_ratelimited(&p->dev, "%s: CPU-only mappings only through /dev/%s\n",
				     current->comm, dev_name(&p->dev));
		return -EOPNOTSUPP;
	}
	m = kzalloc_obj(*m);
	if (!m)
		return -ENOMEM;
	addr = p2pmem_alloc(p, len);
	if (!addr) {
		kfree(m);
		return -ENOMEM;
	}
	/* The previous user's data stays with the previous user. */
	if (clear_user_memory)
		memset(addr, 0, len);
	vma->vm_page_prot = pgprot_noncached(vma->vm_page_prot);
	vm_flags_set(vma, VM_DONTCOPY | VM_DONTEXPAND | VM_DONTDUMP);
	vm_flags_set(vma, pinnable ? VM_MIXEDMAP : VM_IO | VM_PFNMAP);
	if (!tracked) {
		kfree(m);
		for (off = 0; off < len; off += PAGE_SIZE) {
			ret = vm_insert_page(vma, vma->vm_start + off, virt_to_page(addr + off));
			if (ret) {
				/* mmap fails: the caller unmaps what was inserted. */
				p2pmem_free(p, addr, len);
				return ret;
			}
		}
		/* The mapping holds the pages now; they go back with their last reference. */
		p2pmem_free(p, addr, len);
		return 0;
	}
	get_device(&p->dev);
	m->p = p;
	refcount_set(&m->vmas, 1);
	m->addr = addr;
	m->len = len;
	m->pinnable = pinnable;
	vma->vm_private_data = m;
	vma->vm_ops = &p2pmem_umap_ops;
	list_add_tail(&m->node, &p->umaps);
	p->last_mapper = task_tgid_nr(current);
	get_task_comm(p->last_mapper_comm, current);
	return 0;
}

static int p2pmem_mmap_provider(struct p2pmem_provider *p, struct vm_area_struct *vma,
				bool tracked)
{
	int ret = -ENODEV;

	mutex_lock(&p->umap_lock);
	if (!p->umaps_revoked)
		ret = p2pmem_mmap_locked(p, vma, tracked);
	mutex_unlock(&p->umap_lock);
	return ret;
}

/* /sys/class/p2pmem/p2pmemN/allocate; kernfs zaps its mappings when it is removed. */
static int p2pmem_allocate_mmap(struct file *file, struct kobject *kobj,
				const struct bin_attribute *attr, struct vm_area_struct *vma)
{
	return p2pmem_mmap_provider(container_of(kobj_to_dev(kobj), struct p2pmem_provider, dev),
				    vma, false);
}

const struct bin_attribute p2pmem_allocate_attr = {
	.attr = { .name = "allocate", .mode = 0600 },
	.mmap = p2pmem_allocate_mmap,
	/* Userspace (python's mmap) checks the file is at least as large as the mapping. */
	.size = SZ_1T,
};

/*
 * An open /dev/p2pmemN. Its mappings hold the file, so it is released only after they are all
 * gone: revocation zaps the address spaces of the open files to reach every mapping.
 */
struct p2pmem_cfile {
	struct list_head node;		/* in p->cfiles, under p->umap_lock */
	struct p2pmem_provider *p;	/* referenced */
	struct file *file;
};

static int p2pmem_cdev_open(struct inode *inode, struct file *file)
{
	struct miscdevice *misc = file->private_data;
	struct p2pmem_provider *p = container_of(misc, struct p2pmem_provider, misc);
	struct p2pmem_cfile *cf;

	cf = kzalloc_obj(*cf);
	if (!cf)
		return -ENOMEM;
	get_device(&p->dev);
	cf->p = p;
	cf->file = file;
	mutex_lock(&p->umap_lock);
	list_add_tail(&cf->node, &p->cfiles);
	mutex_unlock(&p->umap_lock);
	file->private_data = cf;
	return 0;
}

static int p2pmem_cdev_release(struct inode *inode, struct file *file)
{
	struct p2pmem_cfile *cf = file->private_data;
	struct p2pmem_provider *p = cf->p;

	mutex_lock(&p->umap_lock);
	list_del(&cf->node);
	mutex_unlock(&p->umap_lock);
	kfree(cf);
	put_device(&p->dev);
	return 0;
}

static int p2pmem_cdev_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct p2pmem_cfile *cf = file->private_data;

	return p2pmem_mmap_provider(cf->p, vma, true);
}

static const struct file_operations p2pmem_cdev_fops = {
	.owner = THIS_MODULE,
	.open = p2pmem_cdev_open,
	.release = p2pmem_cdev_release,
	.mmap = p2pmem_cdev_mmap,
};

/* Before device_add(), which creates the allocate file. */
void p2pmem_chardev_init(struct p2pmem_provider *p)
{
	mutex_init(&p->umap_lock);
	INIT_LIST_HEAD(&p->umaps);
	INIT_LIST_HEAD(&p->cfiles);
}

int p2pmem_chardev_add(struct p2pmem_provider *p)
{
	p->misc.minor = MISC_DYNAMIC_MINOR;
	p->misc.name = dev_name(&p->dev);
	p->misc.fops = &p2pmem_cdev_fops;
	p->misc.mode = 0600;
	p->misc.parent = &p->dev;
	/* Benchmark-only mode: no page leaves the module (see p2pmem_bench_only()). */
	if (p2pmem_bench_only())
		return 0;
	return misc_register(&p->misc);
}

/* No new opens; open files keep the provider object (not its memory) until closed. */
void p2pmem_chardev_del(struct p2pmem_provider *p)
{
	if (!p2pmem_bench_only())
		misc_deregister(&p->misc);
}

/*
 * Revocation of user mappings: zap every PTE and free the memory of every mapping, whose VMAs
 * stay (and fault with SIGBUS) until unmapped. Pages someone still references (a pin of a
 * pinnable mapping) go back with their last reference.
 */
void p2pmem_chardev_revoke(struct p2pmem_provider *p)
{
	struct p2pmem_cfile *cf;
	struct p2pmem_umap *m;

	mutex_lock(&p->umap_lock);
	/* No mapping from now on: one made after the zap would escape it. */
	p->umaps_revoked = true;
	list_for_each_entry(cf, &p->cfiles, node)
		unmap_mapping_range(cf->file->f_mapping, 0, 0, 1);
	list_for_each_entry(m, &p->umaps, node) {
		if (m->addr) {
			p2pmem_free(p, m->addr, m->len);
			m->addr = NULL;
		}
	}
	mutex_unlock(&p->umap_lock);
}

/* Teardown is about to wait for every page: say who may still hold some. */
void p2pmem_chardev_report_busy(struct p2pmem_provider *p)
{
	size_t avail = p2pmem_provider_avail(p);

	if (avail >= p->size)
		return;
	mutex_lock(&p->umap_lock);
	dev_warn(&p->dev,
		 "teardown waits for %llu KiB still referenced (%ld allocations; pinned user pages? last mapped by pid %d %s)\n",
		 (p->size - avail) >> 10, atomic_long_read(&p->allocations), p->last_mapper,
		 p->last_mapper ? p->last_mapper_comm : "-");
	mutex_unlock(&p->umap_lock);
}
