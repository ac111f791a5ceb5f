// SPDX-License-Identifier: GPL-2.0
/*
 * p2pmem's in-kernel microbenchmarks, built only against a kernel with CONFIG_PCI_P2PDMA (the
 * bench flavor), where the in-tree implementation can be measured in the same boot. There the
 * module runs in benchmark-only mode: providers are never published or handed out, and have no
 * /dev node or allocate file, so no p2pmem page reaches a path that would take it for an
 * in-tree P2PDMA page (Documentation/p2pmem/bench.rst).
 *
 * debugfs p2pmem/bench: write "run" to run every benchmark (minutes under TCG), then read one
 * line per measurement:
 *
 *   bench NAME IMPL median_ns=N p99_ns=N rounds=N iters=N
 *
 * Each measurement is ROUNDS rounds of ITERS operations timed with ktime_get_ns(); a round's
 * figure is its mean ns per operation; median and p99 (nearest rank) are over the rounds. ITERS
 * is calibrated per measurement so that a round takes about 20 ms. With several CPUs, every
 * online CPU runs the loop at once and a round's figure is the mean over the CPUs.
 */

#define pr_fmt(fmt) "p2pmem: " fmt

#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/genalloc.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/pci.h>
#include <linux/pci-p2pdma.h>
#include <linux/p2pmem.h>
#include <linux/prandom.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/utsname.h>
#include <linux/vmalloc.h>

#include "helpers.h"
#include "provider.h"

#define ROUNDS		21
#define ROUND_NS	(20 * NSEC_PER_MSEC)
#define MAX_ITERS	20000
#define MAP_SEGS	32
#define VERDICT_CLIENTS	8

enum bench_impl { IMPL_P2PMEM, IMPL_INTREE, IMPL_GENALLOC };
static const char *const impl_names[] = { "p2pmem", "in-tree", "genalloc" };

/* One pool under test: a p2pmem provider, the in-tree pool of a PCI function, or raw genalloc. */
struct bench_pool {
	enum bench_impl impl;
	struct p2pmem_provider *p;
	struct pci_dev *pdev;
	struct gen_pool *gp;
	size_t size;
	void **held;		/* pages held to fragment the pool */
	unsigned long nr_held;
};

static void *pool_alloc(struct bench_pool *bp, size_t size)
{
	switch (bp->impl) {
	case IMPL_P2PMEM:
		return p2pmem_provider_alloc(bp->p, size);
	case IMPL_INTREE:
		return pci_alloc_p2pmem(bp->pdev, size);
	default:
		return (void *)gen_pool_alloc(bp->gp, size);
	}
}

static void pool_free(struct bench_pool *bp, void *addr, size_t size)
{
	switch (bp->impl) {
	case IMPL_P2PMEM:
		p2pmem_provider_free(bp->p, addr, size);
		break;
	case IMPL_INTREE:
		pci_free_p2pmem(bp->pdev, addr, size);
		break;
	default:
		gen_pool_free(bp->gp, (unsigned long)addr, size);
	}
}

/* --- results ------------------------------------------------------------------------------- */

static DEFINE_MUTEX(bench_lock);	/* one run at a time; protects the output */
static char *bench_out;
static size_t bench_len;
#define OUT_SIZE	(64 * 1024)

static void out(const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	bench_len += vscnprintf(bench_out + bench_len, OUT_SIZE - bench_len, fmt, args);
	va_end(args);
}

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static void report(const char *name, const char *impl, u64 *rounds, unsigned int iters)
{
	sort(rounds, ROUNDS, sizeof(*rounds), cmp_u64, NULL);
	/* Nearest rank: the ceil(0.99 * n)-th smallest. */
	out("bench %s %s median_ns=%llu p99_ns=%llu rounds=%d iters=%u\n", name, impl,
	    rounds[ROUNDS / 2], rounds[DIV_ROUND_UP(99 * ROUNDS, 100) - 1], ROUNDS, iters);
	pr_info("bench %s %s: median %llu ns\n", name, impl, rounds[ROUNDS / 2]);
}

/* --- timed loops --------------------------------------------------------------------------- */

/* What one loop does; fn returns false if an operation failed. */
struct bench_op {
	bool (*fn)(struct bench_op *op, unsigned int iters);
	struct bench_pool *pool;
	size_t size;
	/* map_sg */
	struct device *client;
	struct scatterlist *sgl;
	/* verdicts */
	struct pci_dev *provider;
	struct device **clients;
	int nr_clients;
	bool uncached;
};

static bool op_alloc_free(struct bench_op *op, unsigned int iters)
{
	unsigned int i;

	for (i = 0; i < iters; i++) {
		void *a = pool_alloc(op->pool, op->size);

		if (!a)
			return false;
		pool_free(op->pool, a, op->size);
	}
	return true;
}

static bool op_map_p2pmem(struct bench_op *op, unsigned int iters)
{
	unsigned int i;

	struct p2pmem_map_state *state;

	for (i = 0; i < iters; i++) {
		if (p2pmem_map_sg(op->client, op->sgl, MAP_SEGS, DMA_TO_DEVICE, 0, &state) <= 0)
			return false;
		p2pmem_unmap_sg(op->client, op->sgl, DMA_TO_DEVICE, 0, state);
	}
	return true;
}

static bool op_map_ram(struct bench_op *op, unsigned int iters)
{
	unsigned int i;

	for (i = 0; i < iters; i++) {
		if (dma_map_sg(op->client, op->sgl, MAP_SEGS, DMA_TO_DEVICE) <= 0)
			return false;
		dma_unmap_sg(op->client, op->sgl, MAP_SEGS, DMA_TO_DEVICE);
	}
	return true;
}

static bool op_verdict_p2pmem(struct bench_op *op, unsigned int iters)
{
	unsigned int i;
	int d;

	for (i = 0; i < iters; i++) {
		if (op->uncached)
			d = p2pmem_bench_distance_uncached(op->provider, op->clients,
							   op->nr_clients);
		else
			d = p2pmem_distance_many(op->provider, op->clients, op->nr_clients, false);
		if (d < 0)
			return false;
	}
	return true;
}

static bool op_verdict_intree(struct bench_op *op, unsigned int iters)
{
	unsigned int i;

	for (i = 0; i < iters; i++)
		if (pci_p2pdma_distance_many(op->provider, op->clients, op->nr_clients,
					     false) < 0)
			return false;
	return true;
}

/* ns per operation of @iters operations (divided by @per: segments per map_sg call). */
static s64 time_op(struct bench_op *op, unsigned int iters)
{
	u64 t0 = ktime_get_ns();

	if (!op->fn(op, iters))
		return -ENOMEM;
	return div_u64(ktime_get_ns() - t0, iters);
}

struct bench_cpu {
	struct bench_op *op;
	unsigned int iters;
	atomic_t *ready;
	int nr;
	s64 ns;
	struct completion done;
};

static int bench_cpu_fn(void *data)
{
	struct bench_cpu *bc = data;

	/* Start together: spin until every CPU's thread is here. */
	atomic_inc(bc->ready);
	while (atomic_read(bc->ready) < bc->nr)
		cpu_relax();
	bc->ns = time_op(bc->op, bc->iters);
	complete(&bc->done);
	return 0;
}

/* One round on every online CPU at once: the mean of the CPUs' ns per operation. */
static s64 time_op_all_cpus(struct bench_op *op, unsigned int iters)
{
	int cpu, n = 0, nr = num_online_cpus();
	struct bench_cpu *bc;
	atomic_t ready = ATOMIC_INIT(0);
	s64 sum = 0;

	bc = kcalloc(nr, sizeof(*bc), GFP_KERNEL);
	if (!bc)
		return -ENOMEM;
	for_each_online_cpu(cpu) {
		struct task_struct *t;

		if (n == nr)
			break;
		bc[n] = (struct bench_cpu){ .op = op, .iters = iters, .ready = &ready, .nr = nr };
		init_completion(&bc[n].done);
		t = kthread_run_on_cpu(bench_cpu_fn, &bc[n], cpu, "p2pmem-bench/%u");
		if (IS_ERR(t)) {
			/* Let the started ones run: count the missing one as ready. */
			atomic_inc(&ready);
			bc[n].ns = PTR_ERR(t);
			complete(&bc[n].done);
		}
		n++;
	}
	for (cpu = 0; cpu < n; cpu++) {
		wait_for_completion(&bc[cpu].done);
		if (bc[cpu].ns < 0 && sum >= 0)
			sum = bc[cpu].ns;
		else if (sum >= 0)
			sum += bc[cpu].ns;
	}
	kfree(bc);
	return sum < 0 ? sum : div_s64(sum, n);
}

/* Calibrates, runs ROUNDS rounds and reports; @per divides each figure (per segment, ...). */
static int measure(const char *name, const char *impl, struct bench_op *op, bool all_cpus,
		   unsigned int per)
{
	u64 rounds[ROUNDS];
	unsigned int iters;
	s64 ns;
	int r;

	ns = time_op(op, 4);
	if (ns < 0) {
		out("error %s %s: an operation failed\n", name, impl);
		return ns;
	}
	iters = clamp_t(u64, div64_u64(ROUND_NS, max_t(s64, ns, 1)), 20, MAX_ITERS);
	for (r = 0; r < ROUNDS; r++) {
		ns = all_cpus ? time_op_all_cpus(op, iters) : time_op(op, iters);
		if (ns < 0) {
			out("error %s %s: an operation failed\n", name, impl);
			return ns;
		}
		rounds[r] = div_u64(ns, per);
		cond_resched();
	}
	report(name, impl, rounds, iters);
	return 0;
}

/* --- the pools ----------------------------------------------------------------------------- */

/*
 * Fills the first half of the pool page by page, then frees a pseudo-random half of that
 * (the same pattern for every pool of one size): a quarter of the pages stay held, scattered
 * over the first half, and the second half is free.
 */
static int fragment(struct bench_pool *bp)
{
	unsigned long i, n = bp->size / PAGE_SIZE / 2, kept = 0;
	struct rnd_state rnd;

	bp->held = kvmalloc_array(n, sizeof(void *), GFP_KERNEL);
	if (!bp->held)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		bp->held[i] = pool_alloc(bp, PAGE_SIZE);
		if (!bp->held[i]) {
			while (i--)
				pool_free(bp, bp->held[i], PAGE_SIZE);
			kvfree(bp->held);
			bp->held = NULL;
			return -ENOMEM;
		}
	}
	prandom_seed_state(&rnd, 0x9e3779b97f4a7c15ULL);
	for (i = 0; i < n; i++) {
		if (prandom_u32_state(&rnd) & 1)
			pool_free(bp, bp->held[i], PAGE_SIZE);
		else
			bp->held[kept++] = bp->held[i];
	}
	bp->nr_held = kept;
	return 0;
}

static void unfragment(struct bench_pool *bp)
{
	while (bp->nr_held)
		pool_free(bp, bp->held[--bp->nr_held], PAGE_SIZE);
	kvfree(bp->held);
	bp->held = NULL;
}

/*
 * A raw genalloc pool like the in-tree one: PAGE_SHIFT order, first fit; it never touches the
 * (made-up, page-aligned, non-zero) addresses it hands out.
 */
static struct gen_pool *genalloc_pool(size_t size)
{
	struct gen_pool *gp = gen_pool_create(PAGE_SHIFT, NUMA_NO_NODE);

	if (gp && gen_pool_add(gp, PAGE_SIZE << 20, size, NUMA_NO_NODE)) {
		gen_pool_destroy(gp);
		gp = NULL;
	}
	return gp;
}

struct bench_env {
	struct p2pmem_provider *p64, *pbig;	/* p2pmem providers: 64 MiB and the largest */
	struct pci_dev *intree;			/* a function with an in-tree P2PDMA pool */
	size_t intree_size;
	struct pci_dev *client;			/* another function, for map_sg and verdicts */
	struct device *clients[VERDICT_CLIENTS];	/* referenced: the first nr_distinct */
	int nr_distinct;
};

static int find_provider(struct device *dev, void *data)
{
	struct bench_env *env = data;
	struct p2pmem_provider *p = container_of(dev, struct p2pmem_provider, dev);

	if (p->size == SZ_64M && !env->p64)
		env->p64 = p;
	if (p->size > SZ_64M && (!env->pbig || p->size > env->pbig->size))
		env->pbig = p;
	return 0;
}

/* The in-tree pool's size, learnt by taking every page (nothing else uses it in this boot). */
static size_t intree_pool_size(struct pci_dev *pdev)
{
	unsigned long n = 0, max = SZ_1G / PAGE_SIZE;
	size_t size;
	void **pages;

	pages = kvmalloc_array(max, sizeof(void *), GFP_KERNEL);
	if (!pages)
		return 0;
	while (n < max && (pages[n] = pci_alloc_p2pmem(pdev, PAGE_SIZE)))
		n++;
	size = n * PAGE_SIZE;
	while (n--)
		pci_free_p2pmem(pdev, pages[n], PAGE_SIZE);
	kvfree(pages);
	return size;
}

static int bench_env_find(struct bench_env *env)
{
	struct pci_dev *pdev = NULL;
	int n = 0, i;

	memset(env, 0, sizeof(*env));
	class_for_each_device(p2pmem_class_get(), NULL, env, find_provider);
	/* The client: an NVMe function whose nearest published in-tree pool is another's. */
	while (!env->client &&
	       (pdev = pci_get_class(PCI_CLASS_STORAGE_EXPRESS, pdev))) {
		struct pci_dev *prov = pci_p2pmem_find(&pdev->dev);

		if (prov && prov != pdev) {
			env->intree = prov;
			env->client = pci_dev_get(pdev);
		} else {
			pci_dev_put(prov);
		}
	}
	pci_dev_put(pdev);
	pdev = NULL;
	while ((pdev = pci_get_device(PCI_ANY_ID, PCI_ANY_ID, pdev)))
		if (pdev->hdr_type == PCI_HEADER_TYPE_NORMAL && !pci_is_root_bus(pdev->bus) &&
		    pdev != env->intree && n < VERDICT_CLIENTS)
			env->clients[n++] = &pci_dev_get(pdev)->dev;
	if (!env->p64 || !env->intree || !env->client || !n) {
		env->nr_distinct = n;
		out("error: 64 MiB p2pmem provider %s, in-tree P2PDMA pool %s, NVMe client %s\n",
		    env->p64 ? "found" : "missing", env->intree ? "found" : "missing",
		    env->client ? "found" : "missing");
		return -ENODEV;
	}
	/* Eight clients: the endpoints below bridges, repeated. */
	env->nr_distinct = n;
	for (i = n; i < VERDICT_CLIENTS; i++)
		env->clients[i] = env->clients[i % n];
	return 0;
}

static void bench_env_put(struct bench_env *env)
{
	int i;

	for (i = 0; i < env->nr_distinct; i++)
		pci_dev_put(to_pci_dev(env->clients[i]));
	pci_dev_put(env->client);
	pci_dev_put(env->intree);
}

/* --- the benchmarks ------------------------------------------------------------------------ */

static const struct {
	const char *name;
	size_t size;
} sizes[] = { { "4k", SZ_4K }, { "64k", SZ_64K }, { "1m", SZ_1M } };

/* alloc+free of each size on each pool, one CPU and all CPUs; @tag names the pool state. */
static void bench_alloc_free(struct bench_pool *pools, int nr, const char *tag, bool all_cpus)
{
	char name[64];
	int i, j;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		snprintf(name, sizeof(name), "alloc_free_%s%s_%s", tag, sizes[i].name,
			 all_cpus ? "allcpu" : "1cpu");
		for (j = 0; j < nr; j++) {
			struct bench_op op = {
				.fn = op_alloc_free, .pool = &pools[j], .size = sizes[i].size,
			};

			measure(name, impl_names[pools[j].impl], &op, all_cpus, 1);
		}
	}
}

static void bench_pools(struct bench_env *env)
{
	struct bench_pool pools[3] = {
		{ .impl = IMPL_P2PMEM, .p = env->p64, .size = env->p64->size },
		{ .impl = IMPL_INTREE, .pdev = env->intree, .size = env->intree_size },
		{ .impl = IMPL_GENALLOC, .size = env->p64->size },
	};
	int i, nr = 3;

	pools[2].gp = genalloc_pool(pools[2].size);
	if (!pools[2].gp)
		nr = 2;
	out("pool p2pmem %zu in-tree %zu genalloc %zu\n", pools[0].size, pools[1].size,
	    pools[2].size);
	bench_alloc_free(pools, nr, "", false);
	bench_alloc_free(pools, nr, "", true);

	for (i = 0; i < nr; i++)
		if (fragment(&pools[i]))
			out("error: cannot fragment the %s pool\n", impl_names[pools[i].impl]);
	bench_alloc_free(pools, nr, "frag64m_", false);
	bench_alloc_free(pools, nr, "frag64m_", true);
	for (i = 0; i < nr; i++)
		if (pools[i].held)
			unfragment(&pools[i]);
	if (pools[2].gp)
		gen_pool_destroy(pools[2].gp);
}

static void bench_big_pools(struct bench_env *env)
{
	struct bench_pool pools[2] = {
		{ .impl = IMPL_P2PMEM, .p = env->pbig },
		{ .impl = IMPL_GENALLOC },
	};
	int i, nr = 2;
	char tag[24];

	if (!env->pbig) {
		out("error: no p2pmem provider larger than 64 MiB (vm-run --big-ivshmem)\n");
		return;
	}
	pools[0].size = env->pbig->size;
	pools[1].size = env->pbig->size;
	pools[1].gp = genalloc_pool(pools[1].size);
	if (!pools[1].gp)
		nr = 1;
	out("pool big p2pmem %zu genalloc %zu\n", pools[0].size, pools[1].size);
	for (i = 0; i < nr; i++)
		if (fragment(&pools[i]))
			out("error: cannot fragment the big %s pool\n", impl_names[pools[i].impl]);
	snprintf(tag, sizeof(tag), "frag%zu%s_", pools[0].size >= SZ_1G ? pools[0].size / SZ_1G :
		 pools[0].size / SZ_1M, pools[0].size >= SZ_1G ? "g" : "m");
	bench_alloc_free(pools, nr, tag, false);
	bench_alloc_free(pools, nr, tag, true);
	for (i = 0; i < nr; i++)
		if (pools[i].held)
			unfragment(&pools[i]);
	if (pools[1].gp)
		gen_pool_destroy(pools[1].gp);
}

static void bench_verdicts(struct bench_env *env)
{
	static const int counts[] = { 1, VERDICT_CLIENTS };
	struct bench_op op = { .provider = env->intree, .clients = env->clients };
	char name[64];
	int i, cached;

	for (i = 0; i < ARRAY_SIZE(counts); i++) {
		op.nr_clients = counts[i];
		for (cached = 1; cached >= 0; cached--) {
			snprintf(name, sizeof(name), "verdict_%dclient_%s", counts[i],
				 cached ? "cached" : "uncached");
			op.fn = op_verdict_p2pmem;
			op.uncached = !cached;
			measure(name, "p2pmem", &op, false, 1);
			/* The in-tree function walks the topology on every call. */
			op.fn = op_verdict_intree;
			measure(name, "in-tree", &op, false, 1);
		}
	}
}

/*
 * map_sg+unmap_sg of MAP_SEGS single-page segments, per segment: p2pmem pages (every other
 * page of an allocation, so no two merge) vs as many pages of system RAM.
 */
static void bench_map_sg(struct bench_env *env)
{
	struct bench_op op = { .client = &env->client->dev };
	struct scatterlist *sgl;
	struct page **ram;
	void *mem;
	int i;

	sgl = kcalloc(MAP_SEGS, sizeof(*sgl), GFP_KERNEL);
	ram = kcalloc(MAP_SEGS, sizeof(*ram), GFP_KERNEL);
	mem = p2pmem_provider_alloc(env->p64, 2 * MAP_SEGS * PAGE_SIZE);
	if (!sgl || !ram || !mem) {
		out("error: map_sg: no memory\n");
		goto out;
	}
	op.sgl = sgl;
	sg_init_table(sgl, MAP_SEGS);
	for (i = 0; i < MAP_SEGS; i++)
		sg_set_buf(&sgl[i], mem + 2 * i * PAGE_SIZE, PAGE_SIZE);
	op.fn = op_map_p2pmem;
	measure("map_sg_per_segment", "p2pmem", &op, false, MAP_SEGS);
	p2pmem_provider_free(env->p64, mem, 2 * MAP_SEGS * PAGE_SIZE);
	mem = NULL;

	sg_init_table(sgl, MAP_SEGS);
	for (i = 0; i < MAP_SEGS; i++) {
		ram[i] = alloc_page(GFP_KERNEL);
		if (!ram[i]) {
			out("error: map_sg: no RAM\n");
			goto out;
		}
		sg_set_page(&sgl[i], ram[i], PAGE_SIZE, 0);
	}
	op.fn = op_map_ram;
	measure("map_sg_per_segment", "dma_map_sg_ram", &op, false, MAP_SEGS);
out:
	if (mem)
		p2pmem_provider_free(env->p64, mem, 2 * MAP_SEGS * PAGE_SIZE);
	for (i = 0; ram && i < MAP_SEGS; i++)
		if (ram[i])
			__free_page(ram[i]);
	kfree(ram);
	kfree(sgl);
}

static void bench_run(void)
{
	struct bench_env env;

	bench_len = 0;
	out("kernel %s cpus %u\n", init_utsname()->release, num_online_cpus());
	if (bench_env_find(&env)) {
		bench_env_put(&env);
		return;
	}
	env.intree_size = intree_pool_size(env.intree);
	bench_pools(&env);
	bench_big_pools(&env);
	bench_verdicts(&env);
	bench_map_sg(&env);
	out("done\n");
	bench_env_put(&env);
}

static ssize_t bench_write(struct file *file, const char __user *ubuf, size_t len, loff_t *pos)
{
	char buf[8] = {};

	if (copy_from_user(buf, ubuf, min(len, sizeof(buf) - 1)))
		return -EFAULT;
	if (!sysfs_streq(buf, "run"))
		return -EINVAL;
	mutex_lock(&bench_lock);
	bench_run();
	mutex_unlock(&bench_lock);
	return len;
}

static ssize_t bench_read(struct file *file, char __user *ubuf, size_t len, loff_t *pos)
{
	ssize_t ret;

	mutex_lock(&bench_lock);
	ret = simple_read_from_buffer(ubuf, len, pos, bench_out, bench_len);
	mutex_unlock(&bench_lock);
	return ret;
}

static const struct file_operations bench_fops = {
	.owner = THIS_MODULE,
	.read = bench_read,
	.write = bench_write,
	.llseek = default_llseek,
};

static struct dentry *bench_dir;

int p2pmem_bench_register(void)
{
	bench_out = kvzalloc(OUT_SIZE, GFP_KERNEL);
	if (!bench_out)
		return -ENOMEM;
	bench_dir = debugfs_create_dir("p2pmem-bench", NULL);
	debugfs_create_file("bench", 0600, bench_dir, NULL, &bench_fops);
	pr_info("benchmark-only mode (the kernel has CONFIG_PCI_P2PDMA): providers are never published, no /dev/p2pmemN; write run to /sys/kernel/debug/p2pmem-bench/bench\n");
	return 0;
}

void p2pmem_bench_unregister(void)
{
	debugfs_remove(bench_dir);
	kvfree(bench_out);
}
