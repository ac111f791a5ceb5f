// SPDX-License-Identifier: GPL-2.0

//! User space access to a provider's memory: `/dev/p2pmemN` (a misc device, root only) and the
//! class device's `allocate` file (the in-tree `p2pmem/allocate` semantics). `mmap(MAP_SHARED,
//! offset 0)` hands out pool memory, freed when unmapped.
//!
//! Two kinds of mapping, both uncached (as the kernel maps the pages):
//! - pinnable (`VM_MIXEDMAP`, `vm_insert_page`): the pages can be pinned by GUP, so `O_DIRECT`
//!   and a block device DMA straight into the BAR. Only where the generic DMA path is
//!   equivalent to a correct P2P mapping ([`pin::pinnable`]: no bus offset, no translating
//!   IOMMU and no forced swiotlb bouncing unless root opted in, and every client that user
//!   space can make DMA to the pages reaches them, unless root set the provider's
//!   `pin_any_client`).
//! - CPU-only (`VM_PFNMAP | VM_IO`, `vmf_insert_pfn`): GUP refuses it, so the pages never
//!   reach a generic DMA path; `O_DIRECT` gets `EFAULT`.
//!
//! Memory is zeroed before it is mapped (module parameter `clear_user_memory`).
//!
//! A mapping of `/dev/p2pmemN` owns its allocation until the last VMA that maps it is closed
//! (`mremap()` copies VMAs; `fork()` does not, as `VM_DONTCOPY` stays: `madvise(MADV_DOFORK)`
//! refuses `VM_DONTEXPAND` mappings). Its page tables are filled at the first access, by the
//! fault handler, under the provider's lock and only while the memory is there; so a revocation
//! that runs while the VMA is being created (after `mmap`, before the VMA is linked where
//! revocation's zap reaches it) leaves nothing mapped (the vfio-pci pattern). A mapping of the
//! `allocate` file is filled at once and must be pinnable: kernfs allows it no `close` (and
//! zaps it itself when the file goes), so its pages live by their references.
//!
//! Revocation (teardown of the provider): every user mapping is zapped, then gives its memory
//! back; a page a pin still references goes back with its last reference, and teardown reports
//! it while it waits.

use kernel::{
    fs::File,
    mm::virt::{
        flags,
        VmaNew, //
    },
    new_mutex,
    prelude::*,
    str::CString,
    sync::{
        Arc,
        ArcBorrow,
        LockedBy,
        Mutex, //
    }, //
};

use crate::{
    ffi::{
        address_space::AddressSpace,
        miscdev::{
            MiscFile,
            MiscRegistration, //
        },
        params,
        provider::{
            OwnedAllocation,
            ProviderRef,
            ProviderView, //
        },
        ratelimit::dev_info_ratelimited,
        task::{
            self,
            Comm, //
        },
        vma::{
            Fault,
            VmOperations,
            VmaNewExt, //
        },
    },
    pin::{
        self,
        PinAllowed, //
    },
};

/// Who made the last mapping, for the report of memory still referenced at teardown.
#[derive(Clone, Copy)]
struct Mapper {
    pid: i32,
    comm: Comm,
}

/// The last mapper as the report names it: `pid 42 fio`, or `pid 0 -` if nobody mapped.
struct LastMapper(Option<Mapper>);

impl kernel::fmt::Display for LastMapper {
    fn fmt(&self, f: &mut kernel::fmt::Formatter<'_>) -> kernel::fmt::Result {
        match &self.0 {
            Some(m) => {
                write!(f, "pid {} ", m.pid)?;
                kernel::fmt::Display::fmt(&m.comm, f)
            }
            None => f.write_str("pid 0 -"),
        }
    }
}

/// What the provider's lock protects.
struct Inner {
    /// Live mappings of `/dev/p2pmemN`.
    maps: KVec<Arc<UserMap>>,
    /// Open `/dev/p2pmemN` files, whose address spaces revocation zaps.
    files: KVec<Arc<DevFile>>,
    /// Revocation ran: no new mappings (one made after the zap would escape it).
    revoked: bool,
    last_mapper: Option<Mapper>,
    /// `/dev/p2pmemN`, from `add` to `del`.
    misc: Option<Pin<KBox<MiscRegistration<DevFile>>>>,
}

/// The user mappings of one provider's memory.
#[pin_data]
pub(crate) struct UserMappings {
    #[pin]
    inner: Mutex<Inner>,
}

/// The memory of one mapping and how many VMAs map it, under the provider's lock.
struct MapMem {
    /// `None` once revoked or unmapped.
    alloc: Option<OwnedAllocation>,
    vmas: usize,
}

/// One mapping of `/dev/p2pmemN`, shared by the VMAs that map it: the one `mmap()` made and
/// its copies (`mremap()` copies a VMA, then closes the source).
struct UserMap {
    owner: Arc<UserMappings>,
    mem: LockedBy<MapMem, Inner>,
    /// Struct pages (`VM_MIXEDMAP`), else `VM_PFNMAP`.
    pinnable: bool,
}

/// An open `/dev/p2pmemN`. Its mappings hold the file, so it is released only once they are all
/// gone.
pub(crate) struct DevFile {
    owner: Arc<UserMappings>,
    provider: ProviderRef,
    space: AddressSpace,
}

/// What `/dev/p2pmemN` keeps for its opens.
pub(crate) struct DevNode {
    owner: Arc<UserMappings>,
    provider: ProviderRef,
}

/// Whether a mapping is tracked (`/dev/p2pmemN`: ours to fill, close and revoke) or not (the
/// `allocate` file).
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Tracked,
    Untracked,
}

impl UserMappings {
    /// No mappings yet; before the provider's class device is added.
    pub(crate) fn new() -> Result<Arc<Self>> {
        Arc::pin_init(
            pin_init!(Self {
                inner <- new_mutex!(Inner {
                    maps: KVec::new(),
                    files: KVec::new(),
                    revoked: false,
                    last_mapper: None,
                    misc: None,
                }),
            }),
            GFP_KERNEL,
        )
    }

    /// Registers `/dev/p2pmemN` for `provider`, below its class device. Not in benchmark-only
    /// mode, where no page leaves the module.
    pub(crate) fn add(self: &Arc<Self>, provider: ProviderRef) -> Result {
        if cfg!(CONFIG_PCI_P2PDMA) {
            return Ok(());
        }
        let view = provider.view();
        let name = CString::try_from_fmt(fmt!("p2pmem{}", view.id()))?;
        let node = DevNode {
            owner: self.clone(),
            provider: provider.clone(),
        };
        let reg = KBox::pin_init(
            MiscRegistration::register(name, 0o600, view.device(), node),
            GFP_KERNEL,
        )?;
        self.inner.lock().misc = Some(reg);
        Ok(())
    }

    /// Removes `/dev/p2pmemN`: no new opens; open files keep the provider object (not its
    /// memory) until they are closed.
    pub(crate) fn del(&self) {
        // Dropped outside the lock: an open holds the misc device lock and takes ours.
        let reg = self.inner.lock().misc.take();
        drop(reg);
    }

    /// Maps pool memory of `provider` at `vma`, under the lock, so revocation sees every
    /// mapping made before it.
    fn mmap(self: &Arc<Self>, provider: &ProviderRef, vma: &VmaNew, kind: Kind) -> Result {
        let view = provider.view();
        let dev = view.device();
        let mut inner = self.inner.lock();
        if inner.revoked {
            return Err(ENODEV);
        }
        if vma.flags() & flags::MAYSHARE == 0 {
            dev_info_ratelimited!(dev, "{}: only shared mappings\n", Comm::current());
            return Err(EINVAL);
        }
        if vma.pgoff() != 0 {
            dev_info_ratelimited!(dev, "{}: only mappings at offset 0\n", Comm::current());
            return Err(EINVAL);
        }
        let pinnable = pin::pinnable(
            view,
            PinAllowed {
                any_client: view.pin_any_client(),
                through_iommu: params::pin_through_iommu(),
                when_bouncing: params::pin_when_bouncing(),
            },
        );
        if kind == Kind::Untracked && !pinnable {
            dev_info_ratelimited!(
                dev,
                "{}: CPU-only mappings only through /dev/p2pmem{}\n",
                Comm::current(),
                view.id()
            );
            return Err(EOPNOTSUPP);
        }
        let alloc = provider.alloc(vma.end() - vma.start()).ok_or(ENOMEM)?;
        // The previous user's data stays with the previous user.
        if params::clear_user_memory() {
            alloc.zero();
        }
        vma.set_uncached();
        vma.set_dontcopy();
        vma.set_dontexpand();
        vma.set_dontdump();
        if kind == Kind::Untracked {
            let vma = vma.set_mixedmap();
            for i in 0..alloc.pages() {
                let page = alloc.page(i).ok_or(EINVAL)?;
                // On error mmap fails, and the caller unmaps what was inserted.
                vma.vm_insert_page(vma.start() + i * kernel::page::PAGE_SIZE, &page)?;
            }
            // The mapping holds the pages now; they go back with their last reference.
            return Ok(());
        }
        if pinnable {
            vma.set_mixedmap();
        } else {
            vma.set_pfnmap()?;
        }
        let map = Arc::new(
            UserMap {
                owner: self.clone(),
                mem: LockedBy::new(
                    &self.inner,
                    MapMem {
                        alloc: Some(alloc),
                        vmas: 1,
                    },
                ),
                pinnable,
            },
            GFP_KERNEL,
        )?;
        inner.maps.push(map.clone(), GFP_KERNEL)?;
        vma.set_ops(map);
        inner.last_mapper = Some(Mapper {
            pid: task::current_tgid(),
            comm: Comm::current(),
        });
        Ok(())
    }

    /// The `allocate` file's mmap.
    pub(crate) fn mmap_sysfs(self: &Arc<Self>, provider: &ProviderRef, vma: &VmaNew) -> Result {
        self.mmap(provider, vma, Kind::Untracked)
    }

    /// Revocation: zaps every user mapping and frees the memory of every mapping, whose VMAs
    /// stay (and fault with `SIGBUS`) until unmapped. Pages someone still references (a pin of a
    /// pinnable mapping) go back with their last reference; then says who may hold them.
    pub(crate) fn revoke(&self, provider: ProviderView<'_>) {
        let mut guard = self.inner.lock();
        let inner = &mut *guard;
        inner.revoked = true;
        for f in &inner.files {
            f.space.zap_all();
        }
        let maps = core::mem::take(&mut inner.maps);
        for m in &maps {
            m.mem.access_mut(inner).alloc = None;
        }
        inner.maps = maps;
        let last = inner.last_mapper;
        drop(guard);
        report_busy(provider, last);
    }
}

/// Teardown is about to wait for every page: says who may still hold some.
fn report_busy(provider: ProviderView<'_>, last: Option<Mapper>) {
    let size = provider.size();
    let avail = provider.avail() as u64;
    if avail >= size {
        return;
    }
    dev_warn!(
        provider.device(),
        "teardown waits for {} KiB still referenced ({} allocations; pinned user pages? last \
         mapped by {})\n",
        (size - avail) >> 10,
        provider.allocations(),
        LastMapper(last)
    );
}

impl VmOperations for UserMap {
    fn open(&self) {
        let mut inner = self.owner.inner.lock();
        self.mem.access_mut(&mut inner).vmas += 1;
    }

    fn close(&self) {
        let mut guard = self.owner.inner.lock();
        let inner = &mut *guard;
        let mem = self.mem.access_mut(inner);
        mem.vmas -= 1;
        if mem.vmas > 0 {
            return;
        }
        // Freed under the lock, so revocation frees it once.
        mem.alloc = None;
        inner.maps.retain(|m| !core::ptr::eq::<UserMap>(&**m, self));
    }

    /// Keeps each mapping whole: it owns one allocation.
    fn may_split(&self, _addr: usize) -> Result {
        Err(EINVAL)
    }

    /// Maps the whole VMA at its first access, under the lock: revocation either ran before
    /// (the memory is gone: `SIGBUS`) or runs after and zaps what was mapped here.
    fn fault(&self, fault: &Fault<'_>) -> Result {
        let inner = self.owner.inner.lock();
        let alloc = self.mem.access(&inner).alloc.as_ref().ok_or(EFAULT)?;
        let start = fault.vma().start();
        for i in 0..alloc.pages() {
            let addr = start + i * kernel::page::PAGE_SIZE;
            if self.pinnable {
                let page = alloc.page(i).ok_or(EFAULT)?;
                match fault.insert_page(addr, &page) {
                    // Already mapped: a racing fault of another thread.
                    Err(e) if e == EBUSY => {}
                    r => r?,
                }
            } else {
                fault.insert_pfn(addr, alloc.pfn(i).ok_or(EFAULT)?)?;
            }
        }
        Ok(())
    }
}

impl MiscFile for DevFile {
    type Registration = DevNode;

    fn open(node: &DevNode, file: &File) -> Result<Arc<Self>> {
        let this = Arc::new(
            DevFile {
                owner: node.owner.clone(),
                provider: node.provider.clone(),
                space: AddressSpace::of_file(file)?,
            },
            GFP_KERNEL,
        )?;
        node.owner
            .inner
            .lock()
            .files
            .push(this.clone(), GFP_KERNEL)?;
        Ok(this)
    }

    fn release(this: Arc<Self>) {
        this.owner
            .inner
            .lock()
            .files
            .retain(|f| !Arc::ptr_eq(f, &this));
    }

    fn mmap(this: ArcBorrow<'_, Self>, vma: &VmaNew) -> Result {
        this.owner.mmap(&this.provider, vma, Kind::Tracked)
    }
}
