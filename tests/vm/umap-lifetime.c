// SPDX-License-Identifier: GPL-2.0
/*
 * The lifetime of /dev/p2pmemN mappings under mremap(), fork() and reuse
 * (tests/vm/umap-lifetime.sh).
 *
 *   umap-lifetime DEV SYSFS_DIR pinnable|cpu
 *
 * Pins itself to CPU 0, so a freed block comes back from the same per-CPU cache. Checks, with
 * the provider's available and allocations counters at every step:
 * - memory mapped again is zeroed (the previous mapping's data is gone);
 * - a same-size mremap(MREMAP_MAYMOVE | MREMAP_FIXED) keeps the mapping's memory: the moved
 *   mapping keeps its data, a second mapping gets other memory, and unmapping both gives back
 *   everything, once;
 * - a move onto another p2pmem mapping replaces that one (its memory goes back);
 * - refused: MREMAP_DONTUNMAP, growth, shrinking (a split), madvise(MADV_DOFORK); each leaves the
 *   mapping as it was; fork() does not pass the mapping on;
 * - the mapping is the kind asked for (VmFlags in /proc/self/smaps).
 * Prints "FAIL: ..." and exits 1 at the first check that does not hold.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define MIB (1024UL * 1024)

static const char *sysdir;
static int fd;
static long avail0, allocs0;

static void fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("FAIL: ", stdout);
	vprintf(fmt, ap);
	putchar('\n');
	va_end(ap);
	exit(1);
}

static long stat_of(const char *name)
{
	char path[512];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", sysdir, name);
	f = fopen(path, "r");
	if (!f || fscanf(f, "%ld", &v) != 1)
		fail("reading %s", path);
	fclose(f);
	return v;
}

/* The counters after @what: @mib MiB and @n allocations more than at the start. */
static void expect_held(const char *what, long mib, long n)
{
	long avail = stat_of("available"), allocs = stat_of("allocations");

	if (avail != avail0 - mib * (long)MIB || allocs != allocs0 + n)
		fail("%s: expected %ld MiB and %ld allocations held, got %ld bytes and %ld",
		     what, mib, n, avail0 - avail, allocs - allocs0);
}

static char *map_dev(size_t len)
{
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	if (p == MAP_FAILED)
		fail("mmap of %zu bytes: %s", len, strerror(errno));
	return p;
}

/* An address range of @len nobody uses, to move a mapping to. */
static char *hole(size_t len)
{
	char *p = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		fail("%s: mmap: %s", __func__, strerror(errno));
	return p;
}

/* Moves the mapping at @from to @to with a same-size mremap(MREMAP_MAYMOVE | MREMAP_FIXED). */
static void move_to(const char *what, char *from, char *to)
{
	char *r = mremap(from, MIB, MIB, MREMAP_MAYMOVE | MREMAP_FIXED, to);

	if (r != to)
		fail("%s: %s", what, r == MAP_FAILED ? strerror(errno) : "moved elsewhere");
}

static void unmap(char *p)
{
	if (munmap(p, MIB))
		fail("munmap: %s", strerror(errno));
}

static void fill(char *p, size_t len, unsigned char tag)
{
	for (size_t i = 0; i < len; i += 64)
		p[i] = (char)(tag ^ (i >> 6));
}

static void expect_data(const char *what, const char *p, size_t len, unsigned char tag)
{
	for (size_t i = 0; i < len; i += 64)
		if (p[i] != (char)(tag ^ (i >> 6)))
			fail("%s: byte %zu is %#x, not the mapping's own data", what, i,
			     (unsigned char)p[i]);
}

/* VmFlags of the mapping at @p, from /proc/self/smaps. */
static void expect_kind(const char *p, const char *kind)
{
	char line[512], range[64], flags[512] = "";
	int in = 0;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		fail("/proc/self/smaps: %s", strerror(errno));
	snprintf(range, sizeof(range), "%lx-", (unsigned long)p);
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, range, strlen(range))) {
			in = 1;
		} else if (in && !strncmp(line, "VmFlags:", 8)) {
			snprintf(flags, sizeof(flags), "%s", line + 8);
			break;
		}
	}
	fclose(f);
	if (!flags[0])
		fail("no smaps entry for %p", (void *)p);
	/* pinnable: mixed map (struct pages); cpu: PFN map of I/O memory. */
	if (!strcmp(kind, "pinnable") ? !strstr(flags, " mm") || strstr(flags, " pf") :
					!strstr(flags, " pf") || !strstr(flags, " io"))
		fail("a %s mapping has VmFlags:%s", kind, flags);
	if (!strstr(flags, " dc") || !strstr(flags, " de") || !strstr(flags, " dd"))
		fail("VmFlags without dontcopy, dontexpand or dontdump:%s", flags);
}

static void expect_refused(const char *what, long ret, int err)
{
	if (ret != -1 || errno != err)
		fail("%s: expected %s, got %ld (%s)", what, strerror(err), ret,
		     ret == -1 ? strerror(errno) : "success");
}

int main(int argc, char **argv)
{
	cpu_set_t cpu0;
	char *a, *b, *t;
	int status;
	pid_t pid;

	if (argc != 4)
		fail("usage: umap-lifetime DEV SYSFS_DIR pinnable|cpu");
	sysdir = argv[2];
	CPU_ZERO(&cpu0);
	CPU_SET(0, &cpu0);
	if (sched_setaffinity(0, sizeof(cpu0), &cpu0))
		fail("sched_setaffinity: %s", strerror(errno));
	fd = open(argv[1], O_RDWR);
	if (fd < 0)
		fail("open %s: %s", argv[1], strerror(errno));
	avail0 = stat_of("available");
	allocs0 = stat_of("allocations");

	/* 1. A same-size move keeps the memory; a second mapping gets other memory. */
	a = map_dev(MIB);
	fill(a, MIB, 0x11);
	t = hole(MIB);
	move_to("same-size move", a, t);
	expect_held("after the move", 1, 1);
	expect_data("the moved mapping", t, MIB, 0x11);
	b = map_dev(MIB);
	fill(b, MIB, 0x22);
	expect_held("moved mapping and a second one", 2, 2);
	expect_data("the moved mapping after a second mmap", t, MIB, 0x11);
	expect_data("the second mapping", b, MIB, 0x22);
	/* Moved twice, then onto the second mapping, which it replaces. */
	a = hole(MIB);
	move_to("second move", t, a);
	move_to("move onto a mapping", a, b);
	expect_held("moved onto the second mapping", 1, 1);
	expect_data("the mapping moved onto the second", b, MIB, 0x11);
	unmap(b);
	expect_held("after unmapping the moved mapping", 0, 0);

	/* 2. Refused: each leaves the mapping as it was. */
	a = map_dev(MIB);
	fill(a, MIB, 0x33);
	expect_refused("mremap(MREMAP_DONTUNMAP)",
		       (long)mremap(a, MIB, MIB, MREMAP_MAYMOVE | MREMAP_DONTUNMAP), EINVAL);
	expect_refused("mremap growing", (long)mremap(a, MIB, 2 * MIB, MREMAP_MAYMOVE), EFAULT);
	expect_refused("mremap shrinking", (long)mremap(a, MIB, MIB / 2, 0), EINVAL);
	expect_refused("munmap of half", munmap(a, MIB / 2), EINVAL);
	/* Without CONFIG_ADVISE_SYSCALLS (the test kernel) even MADV_NORMAL fails: no madvise. */
	if (!madvise(a, MIB, MADV_NORMAL))
		expect_refused("madvise(MADV_DOFORK)", madvise(a, MIB, MADV_DOFORK), EINVAL);
	expect_held("after the refused calls", 1, 1);
	expect_data("the mapping after the refused calls", a, MIB, 0x33);
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		fail("fork: %s", strerror(errno));
	if (!pid) {
		/* Not inherited: the access faults with SIGSEGV. */
		signal(SIGSEGV, SIG_DFL);
		__atomic_store_n(a, 1, __ATOMIC_RELAXED);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid)
		fail("waitpid: %s", strerror(errno));
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGSEGV)
		fail("the child of fork() could use the mapping (status %#x)", status);
	expect_held("after fork", 1, 1);
	expect_data("the mapping after fork", a, MIB, 0x33);
	unmap(a);
	expect_held("at the end", 0, 0);
	/* 3. What one mapping wrote, the next one does not see. */
	a = map_dev(MIB);
	expect_kind(a, argv[3]);
	expect_held("one mapping", 1, 1);
	memset(a, 0xa5, MIB);
	unmap(a);
	expect_held("after munmap", 0, 0);
	a = map_dev(MIB);
	for (size_t i = 0; i < MIB; i++)
		if (a[i])
			fail("mapped again: byte %zu is %#x, not zero (the last mapping's data)",
			     i, (unsigned char)a[i]);
	unmap(a);

	printf("ok: %s mappings: reuse zeroed, moves kept their memory, refusals left it whole\n",
	       argv[3]);
	return 0;
}
