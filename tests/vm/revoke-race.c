// SPDX-License-Identifier: GPL-2.0
/*
 * Mappings made while the provider is revoked (tests/vm/revoke-race.sh).
 *
 *   revoke-race DEV THREADS
 *
 * THREADS threads, all on CPU 0, mmap() 64 KiB of DEV in a loop, touch every other mapping,
 * and keep their last 32 mappings (unmapping older ones), until mmap() fails with ENODEV: the
 * provider was revoked. Then every mapping still held is read once: each must fault with
 * SIGBUS, since its memory is gone. Prints "mapped N held H live L" (L: mappings that still
 * read memory), then keeps its mappings until SIGTERM, so that the caller can see whether
 * teardown waits for any of them; exits 0 then when L was 0.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define LEN (64UL << 10)
#define KEEP 32
#define MAX_THREADS 16

struct worker {
	pthread_t thread;
	char *maps[KEEP];
	unsigned long mapped;
	int err;
};

static int fd;
/* Per thread: the workers touch mappings too, which may fault once revoked. */
static __thread sigjmp_buf probe_env;

static void on_sigbus(int sig)
{
	siglongjmp(probe_env, 1);
}

/* Whether the mapping at @p still reads memory (no SIGBUS); writes to it when @write. */
static int live(char *p, int write)
{
	if (sigsetjmp(probe_env, 1))
		return 0;
	if (write)
		__atomic_store_n(p, 1, __ATOMIC_RELAXED);
	else
		(void)__atomic_load_n(p, __ATOMIC_RELAXED);
	return 1;
}

static void *work(void *arg)
{
	struct worker *w = arg;

	for (;;) {
		char *p = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		char **slot = &w->maps[w->mapped % KEEP];

		if (p == MAP_FAILED) {
			if (errno == ENOMEM)
				continue;
			w->err = errno;
			return NULL;
		}
		if (*slot)
			munmap(*slot, LEN);
		*slot = p;
		if (w->mapped++ & 1)
			live(p, 1);
	}
}

int main(int argc, char **argv)
{
	struct worker w[MAX_THREADS] = {};
	unsigned long mapped = 0, held = 0, alive = 0;
	struct sigaction sa = { .sa_handler = on_sigbus };
	int n, i, k, sig;
	sigset_t term;
	cpu_set_t cpu0;

	n = argc == 3 ? atoi(argv[2]) : 0;
	if (n < 1 || n > MAX_THREADS) {
		fprintf(stderr, "usage: revoke-race DEV THREADS (1-%d)\n", MAX_THREADS);
		return 2;
	}
	/* The revoker runs on CPU 0 too, at a real-time priority (revoke-race.sh). */
	CPU_ZERO(&cpu0);
	CPU_SET(0, &cpu0);
	if (sched_setaffinity(0, sizeof(cpu0), &cpu0)) {
		fprintf(stderr, "sched_setaffinity: %s\n", strerror(errno));
		return 2;
	}
	fd = open(argv[1], O_RDWR);
	if (fd < 0) {
		fprintf(stderr, "open %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	sigaction(SIGBUS, &sa, NULL);
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &term, NULL);
	for (i = 0; i < n; i++)
		pthread_create(&w[i].thread, NULL, work, &w[i]);
	for (i = 0; i < n; i++) {
		pthread_join(w[i].thread, NULL);
		if (w[i].err != ENODEV) {
			fprintf(stderr, "mmap failed with %s, not ENODEV\n", strerror(w[i].err));
			return 2;
		}
		mapped += w[i].mapped;
		for (k = 0; k < KEEP; k++) {
			if (!w[i].maps[k])
				continue;
			held++;
			alive += live(w[i].maps[k], 0);
		}
	}
	printf("mapped %lu held %lu live %lu\n", mapped, held, alive);
	fflush(stdout);
	sigwait(&term, &sig);
	return alive ? 1 : 0;
}
