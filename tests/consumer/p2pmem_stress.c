// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel-side stress of a p2pmem provider, for the VM tests: one thread per online CPU, bound to
 * it, allocates and frees for the given time (random sizes, 16 allocations held at most per
 * thread, now and then a scatterlist). Each allocation is tagged at both ends with its owner and
 * a sequence number, checked before it is freed, so memory handed out twice is caught. The load
 * returns when every thread is done and everything is freed; it fails (-EIO) on any corruption.
 *
 *   insmod p2pmem_stress.ko provider=0000:05:00.0 seconds=60
 *
 * One line at the end, counting the threads that ran: "p2pmem_stress: N threads, N allocations,
 * N frees, N sgls, N failed allocations, N corrupted".
 */

#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/device.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/p2pmem.h>
#include <linux/pci.h>
#include <linux/prandom.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/wait.h>

static char *provider;
module_param(provider, charp, 0444);
MODULE_PARM_DESC(provider, "PCI address of a p2pmem provider");
static int seconds = 60;
module_param(seconds, int, 0444);
MODULE_PARM_DESC(seconds, "how long every thread runs");

#define HELD 16

static struct p2pmem_provider *prov;
static unsigned long deadline;
static atomic_long_t allocs, frees, sgls, alloc_failures, corrupted;
/* Threads that have not finished their run yet; the last one to finish wakes the loader. */
static atomic_t running = ATOMIC_INIT(0), started = ATOMIC_INIT(0);
static DECLARE_WAIT_QUEUE_HEAD(finished);

struct tag {
	u64 owner;
	u64 seq;
};

struct slot {
	void *addr;
	size_t size;
	u64 seq;
};

static void tag_write(void *addr, size_t size, u64 owner, u64 seq)
{
	struct tag t = { owner, seq };

	memcpy_toio((void __iomem *)addr, &t, sizeof(t));
	memcpy_toio((void __iomem *)addr + size - sizeof(t), &t, sizeof(t));
}

static bool tag_ok(void *addr, size_t size, u64 owner, u64 seq)
{
	struct tag a, b;

	memcpy_fromio(&a, (void __iomem *)addr, sizeof(a));
	memcpy_fromio(&b, (void __iomem *)addr + size - sizeof(b), sizeof(b));
	return a.owner == owner && a.seq == seq && b.owner == owner && b.seq == seq;
}

static void slot_free(struct slot *s, u64 owner)
{
	if (!tag_ok(s->addr, s->size, owner, s->seq)) {
		pr_err("p2pmem_stress: an allocation of %zu bytes was overwritten\n", s->size);
		atomic_long_inc(&corrupted);
	}
	p2pmem_free(prov, s->addr, s->size);
	atomic_long_inc(&frees);
	s->addr = NULL;
}

static void one_sgl(void)
{
	unsigned int nents = 0;
	struct scatterlist *sgl;

	sgl = p2pmem_alloc_sgl(prov, &nents, SZ_4K * (1 + get_random_u32_below(64)));
	if (!sgl) {
		atomic_long_inc(&alloc_failures);
		return;
	}
	atomic_long_inc(&sgls);
	p2pmem_free_sgl(prov, sgl);
}

static int stress_thread(void *data)
{
	u64 owner = (unsigned long)data, seq = 0;
	struct slot held[HELD] = {};
	int i;

	atomic_inc(&started);
	while (time_before(jiffies, deadline)) {
		struct slot *s = &held[get_random_u32_below(HELD)];

		if (s->addr) {
			slot_free(s, owner);
		} else if (!get_random_u32_below(32)) {
			one_sgl();
		} else {
			/* 4 KiB .. 1 MiB, power of two or not. */
			size_t size = SZ_4K << get_random_u32_below(9);

			if (get_random_u32_below(2))
				size -= get_random_u32_below(size / 2) & ~(size_t)15;
			s->addr = p2pmem_alloc(prov, size);
			if (!s->addr) {
				atomic_long_inc(&alloc_failures);
			} else {
				s->size = size;
				s->seq = ++seq;
				tag_write(s->addr, size, owner, s->seq);
				atomic_long_inc(&allocs);
			}
		}
		cond_resched();
	}
	for (i = 0; i < HELD; i++)
		if (held[i].addr)
			slot_free(&held[i], owner);
	if (atomic_dec_and_test(&running))
		wake_up(&finished);
	/* kthread_stop_put() reaps it. */
	while (!kthread_should_stop())
		schedule_timeout_interruptible(HZ / 10);
	return 0;
}

static int __init p2pmem_stress_init(void)
{
	struct task_struct **threads;
	unsigned int cpu, n = 0, i;
	struct device *dev;

	if (!provider || seconds <= 0)
		return -EINVAL;
	dev = bus_find_device_by_name(&pci_bus_type, NULL, provider);
	if (!dev)
		return -ENODEV;
	prov = p2pmem_provider_get(to_pci_dev(dev));
	put_device(dev);
	if (!prov)
		return -ENODEV;
	threads = kcalloc(num_online_cpus(), sizeof(*threads), GFP_KERNEL);
	if (!threads) {
		p2pmem_provider_put(prov);
		return -ENOMEM;
	}

	deadline = jiffies + seconds * HZ;
	for_each_online_cpu(cpu) {
		struct task_struct *t;

		if (n == num_online_cpus())
			break;
		t = kthread_create_on_cpu(stress_thread, (void *)(unsigned long)cpu, cpu,
					  "p2pmem_stress/%u");
		if (IS_ERR(t))
			continue;
		get_task_struct(t);
		atomic_inc(&running);
		wake_up_process(t);
		threads[n++] = t;
	}
	/*
	 * Each thread runs until the deadline, frees what it holds, then waits to be stopped. Wait
	 * for all of them first: kthread_stop() on a thread that has not been scheduled yet makes
	 * it exit without ever calling stress_thread().
	 */
	wait_event_idle(finished, !atomic_read(&running));
	for (i = 0; i < n; i++)
		kthread_stop_put(threads[i]);
	kfree(threads);
	p2pmem_provider_put(prov);

	pr_info("p2pmem_stress: %d threads, %ld allocations, %ld frees, %ld sgls, %ld failed allocations, %ld corrupted\n",
		atomic_read(&started), atomic_long_read(&allocs), atomic_long_read(&frees),
		atomic_long_read(&sgls), atomic_long_read(&alloc_failures),
		atomic_long_read(&corrupted));
	return atomic_long_read(&corrupted) || !n || atomic_read(&started) != n ? -EIO : 0;
}

static void __exit p2pmem_stress_exit(void)
{
}

module_init(p2pmem_stress_init);
module_exit(p2pmem_stress_exit);
MODULE_DESCRIPTION("Kernel-side stress test of a p2pmem provider");
MODULE_LICENSE("GPL");
