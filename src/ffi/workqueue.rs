// SPDX-License-Identifier: GPL-2.0

//! What `kernel::workqueue` lacks for delayed work: cancelling it and waiting for a run in
//! progress (`cancel_delayed_work_sync()`).

use kernel::{
    bindings as kbindings,
    sync::Arc,
    workqueue::{
        HasDelayedWork,
        Work,
        WorkItem, //
    },
};

/// Cancels the delayed work of `this` and waits for a run of it in progress
/// (`cancel_delayed_work_sync()`). Unless it is enqueued again meanwhile, it is neither pending
/// nor running when this returns. If it was pending, the reference that its enqueue handed the
/// queue is dropped. Process context; it must not be called from the work item itself.
pub(crate) fn cancel_delayed_sync<T, const ID: u64>(this: &Arc<T>)
where
    T: WorkItem<ID, Pointer = Arc<T>> + HasDelayedWork<T, ID>,
{
    let ptr = Arc::as_ptr(this).cast_mut();
    // SAFETY: `ptr` points to the live value of `this`.
    let work = unsafe { T::raw_get_work(ptr) };
    // SAFETY: `raw_get_work` returns a pointer to a valid `Work`.
    let work = unsafe { Work::raw_get(work) };
    // SAFETY: by `HasDelayedWork`, `work` is the `work` field of a `delayed_work`, in `*ptr`.
    let dwork = unsafe { kernel::container_of!(work, kbindings::delayed_work, work) };
    // SAFETY: `dwork` was initialised by `DelayedWork::new` (the only way to create one) and
    // lives as long as `this`.
    if unsafe { kbindings::cancel_delayed_work_sync(dwork) } {
        // SAFETY: the work was pending and will not run: the reference that `Arc`'s enqueue
        // (`RawWorkItem::__enqueue`) leaked with `Arc::into_raw`, which only its `run` would
        // have reclaimed, is ours to drop.
        drop(unsafe { Arc::from_raw(ptr) });
    }
}
