// SPDX-License-Identifier: GPL-2.0
/*
 * Allocation racing revocation, for the VM tests (tests/vm/alloc-revoke-race.sh). A consumer
 * that allocates without a lock of its own, in atomic context: one thread per online CPU allocates
 * in a loop and records each allocation in the same RCU read-side critical section; the revoke
 * callback marks the consumer told and frees every recorded allocation. p2pmem calls revoke
 * callbacks only after a grace period that began once the provider was marked revoked
 * (Documentation/p2pmem/driver-api.rst), so an allocation either fails or is recorded before
 * the callback runs. One the thread got but could only record after the callback ran is
 * "late": its owner was never told, and teardown waits for it. The thread keeps a late
 * allocation for half a second (teardown then logs "teardown waits"), then frees it.
 *
 * Each cycle takes the provider, registers the callback, starts the threads, lets them run for
 * a few milliseconds, unbinds the provider's PCI function from its driver (the revocation) and
 * binds it again.
 *
 *   insmod p2pmem_revoke_race.ko provider=0000:05:00.0 cycles=100
 *
 * One line at the end: "p2pmem_revoke_race: N cycles, N allocations, N late". The load fails
 * (-EIO) if any allocation was late.
 */

#include <linux/delay.h>
#include <linux/device.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/p2pmem.h>
#include <linux/pci.h>
#include <linux/prandom.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

static char *provider;
module_param(provider, charp, 0444);
MODULE_PARM_DESC(provider, "PCI address of a p2pmem provider bound to a driver");
static int cycles = 100;
module_param(cycles, int, 0444);
MODULE_PARM_DESC(cycles, "unbind and rebind cycles");

#define HELD 32
#define LATE 64

struct block {
	void *addr;
	size_t size;
};

/* One cycle's state, shared by the threads and the callback. */
static struct {
	struct p2pmem_provider *prov;
	struct p2pmem_revoke revoke;
	spinlock_t lock;		/* protects all below */
	bool told;
	unsigned long told_at;
	struct block held[HELD];
	int nheld;
	struct block late[LATE];
	int nlate;
} st;

static atomic_long_t allocs, late;

static void race_revoke(struct p2pmem_revoke *r)
{
	spin_lock(&st.lock);
	st.told = true;
	st.told_at = jiffies;
	while (st.nheld) {
		struct block *b = &st.held[--st.nheld];

		p2pmem_free(st.prov, b->addr, b->size);
	}
	spin_unlock(&st.lock);
}

/* Called with st.lock held: one allocation obtained, to record (or free when full). */
static void race_record(void *addr, size_t size)
{
	atomic_long_inc(&allocs);
	if (st.told) {
		atomic_long_inc(&late);
		if (st.nlate < LATE) {
			st.late[st.nlate++] = (struct block){ addr, size };
			return;
		}
	} else if (st.nheld < HELD) {
		st.held[st.nheld++] = (struct block){ addr, size };
		return;
	}
	p2pmem_free(st.prov, addr, size);
}

static int race_thread(void *data)
{
	while (!kthread_should_stop()) {
		/* One page (per-CPU cache) or three (the index). */
		size_t size = get_random_u32_below(2) ? PAGE_SIZE : 3 * PAGE_SIZE;
		void *addr;

		rcu_read_lock();
		addr = p2pmem_alloc(st.prov, size);
		spin_lock(&st.lock);
		if (addr)
			race_record(addr, size);
		/* Now and then give a recorded one back. */
		if (st.nheld > HELD / 2) {
			struct block *b = &st.held[get_random_u32_below(st.nheld)];

			p2pmem_free(st.prov, b->addr, b->size);
			*b = st.held[--st.nheld];
		}
		if (st.nlate && time_after(jiffies, st.told_at + HZ / 2))
			while (st.nlate) {
				struct block *b = &st.late[--st.nlate];

				p2pmem_free(st.prov, b->addr, b->size);
			}
		spin_unlock(&st.lock);
		rcu_read_unlock();
		cond_resched();
	}
	return 0;
}

static struct p2pmem_provider *race_wait_provider(struct pci_dev *pdev)
{
	struct p2pmem_provider *p;
	int i;

	for (i = 0; i < 250; i++) {
		p = p2pmem_provider_get(pdev);
		if (p)
			return p;
		msleep(20);
	}
	return NULL;
}

static int race_cycle(struct pci_dev *pdev, struct task_struct **threads)
{
	unsigned int cpu, n = 0, i;
	long before = atomic_long_read(&late);
	int ret;

	st.prov = race_wait_provider(pdev);
	if (!st.prov) {
		pr_err("p2pmem_revoke_race: no provider on %s\n", pci_name(pdev));
		return -ENODEV;
	}
	st.told = false;
	st.nheld = 0;
	st.nlate = 0;
	st.revoke = (struct p2pmem_revoke){ .revoke = race_revoke };
	ret = p2pmem_register_revoke(st.prov, &st.revoke);
	if (ret)
		goto out_put;
	for_each_online_cpu(cpu) {
		struct task_struct *t;

		t = kthread_create_on_cpu(race_thread, NULL, cpu, "p2pmem_race/%u");
		if (IS_ERR(t))
			continue;
		get_task_struct(t);
		wake_up_process(t);
		threads[n++] = t;
	}
	fsleep(1000 + get_random_u32_below(10000));
	/* The revocation: the callback runs, teardown waits for the memory, the provider goes. */
	device_release_driver(&pdev->dev);
	for (i = 0; i < n; i++)
		kthread_stop_put(threads[i]);
	/* Teardown waited for every allocation, the late ones too. */
	WARN_ON(st.nheld || st.nlate);
	p2pmem_unregister_revoke(st.prov, &st.revoke);
	if (atomic_long_read(&late) != before)
		pr_err("p2pmem_revoke_race: %ld allocations succeeded after the revoke callback\n",
		       atomic_long_read(&late) - before);
out_put:
	p2pmem_provider_put(st.prov);
	if (device_attach(&pdev->dev) <= 0) {
		pr_err("p2pmem_revoke_race: rebinding %s failed\n", pci_name(pdev));
		return -ENODEV;
	}
	return ret ?: (n ? 0 : -ENOMEM);
}

static int __init p2pmem_revoke_race_init(void)
{
	struct task_struct **threads;
	struct device *dev;
	int i, ret = 0;

	if (!provider || cycles <= 0)
		return -EINVAL;
	dev = bus_find_device_by_name(&pci_bus_type, NULL, provider);
	if (!dev)
		return -ENODEV;
	threads = kcalloc(num_online_cpus(), sizeof(*threads), GFP_KERNEL);
	if (!threads) {
		put_device(dev);
		return -ENOMEM;
	}
	spin_lock_init(&st.lock);
	for (i = 0; i < cycles && !ret; i++)
		ret = race_cycle(to_pci_dev(dev), threads);
	kfree(threads);
	put_device(dev);
	pr_info("p2pmem_revoke_race: %d cycles, %ld allocations, %ld late\n", i,
		atomic_long_read(&allocs), atomic_long_read(&late));
	if (ret)
		return ret;
	return atomic_long_read(&late) ? -EIO : 0;
}

static void __exit p2pmem_revoke_race_exit(void)
{
}

module_init(p2pmem_revoke_race_init);
module_exit(p2pmem_revoke_race_exit);
MODULE_DESCRIPTION("Allocation racing revocation (test module)");
MODULE_LICENSE("GPL");
