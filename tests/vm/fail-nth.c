// SPDX-License-Identifier: GPL-2.0
/*
 * One operation with the N-th fault-injection site it reaches failing (tests/vm/fault.sh).
 *
 *   fail-nth N write FILE TEXT   write TEXT to FILE
 *   fail-nth N mmap FILE LEN     mmap() LEN bytes of FILE shared; if that worked, write and
 *                                read back every page, then munmap()
 *   fail-nth N load KO [PARAMS]  finit_module() of KO
 *
 * FILE is opened before the fault is armed, through /proc/thread-self/fail-nth, so only the
 * operation itself can reach the N-th site (slab and page allocations, as failslab and
 * fail_page_alloc decide). Prints "fired=1" when the N-th site was reached (its call failed) or
 * "fired=0" when the operation reached fewer sites, then "ret=0" or "ret=-ERRNO".
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static int nth_fd;

static void arm(const char *n)
{
	if (pwrite(nth_fd, n, strlen(n), 0) < 0) {
		perror("fail-nth: arming");
		exit(2);
	}
}

/* Reads what is left of the count and disarms: true when it reached 0 (the fault fired). */
static int fired(void)
{
	char buf[32] = "";

	if (pread(nth_fd, buf, sizeof(buf) - 1, 0) < 0) {
		perror("fail-nth: reading");
		exit(2);
	}
	if (pwrite(nth_fd, "0", 1, 0) < 0) {
		perror("fail-nth: disarming");
		exit(2);
	}
	return atoi(buf) == 0;
}

int main(int argc, char **argv)
{
	int fd, ret = 0, f;

	if (argc < 4) {
		fprintf(stderr, "usage: fail-nth N write|mmap|load FILE [ARG]\n");
		return 2;
	}
	nth_fd = open("/proc/thread-self/fail-nth", O_RDWR);
	if (nth_fd < 0) {
		perror("fail-nth: /proc/thread-self/fail-nth");
		return 2;
	}
	if (!strcmp(argv[2], "write"))
		fd = open(argv[3], O_WRONLY);
	else if (!strcmp(argv[2], "mmap"))
		fd = open(argv[3], O_RDWR);
	else
		fd = open(argv[3], O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		perror(argv[3]);
		return 2;
	}
	if (!strcmp(argv[2], "write") && argc == 5) {
		arm(argv[1]);
		if (write(fd, argv[4], strlen(argv[4])) < 0)
			ret = -errno;
		f = fired();
	} else if (!strcmp(argv[2], "load")) {
		arm(argv[1]);
		if (syscall(SYS_finit_module, fd, argc > 4 ? argv[4] : "", 0))
			ret = -errno;
		f = fired();
	} else if (!strcmp(argv[2], "mmap") && argc == 5) {
		size_t len = strtoul(argv[4], NULL, 0), i;
		unsigned char *m;

		arm(argv[1]);
		m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (m == MAP_FAILED)
			ret = -errno;
		f = fired();
		if (m != MAP_FAILED) {
			for (i = 0; i < len; i += 4096)
				m[i] = (unsigned char)(i >> 12);
			for (i = 0; i < len; i += 4096)
				if (m[i] != (unsigned char)(i >> 12)) {
					fprintf(stderr, "fail-nth: page %zu reads back wrong\n",
						i >> 12);
					return 3;
				}
			munmap(m, len);
		}
	} else {
		fprintf(stderr, "fail-nth: unknown operation %s\n", argv[2]);
		return 2;
	}
	printf("fired=%d ret=%d\n", f, ret);
	return 0;
}
