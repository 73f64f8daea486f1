// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pfcost: what one page fault costs on this machine, to put the cost of
 * starting a short-lived process's work in perspective.
 *
 *   pfcost FILE
 *
 * Prints one line, "ANON_US FILE_US": the median time of the first write to
 * a fresh anonymous page, and of the first read of a page of FILE mapped
 * privately, in microseconds.  FILE is read once first, so that its pages
 * are in the page cache, as an executable that just ran is.  The kernel maps
 * up to 16 pages around a file page it faults in (fault-around), so FILE is
 * touched 64 kB apart: every touch is a fault.  Each touch is timed alone;
 * the median keeps an interrupt from counting.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define ANON_PAGES 256
#define FILE_STRIDE (64 * 1024)

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), compare_double);
	return v[n / 2];
}

static double anon_fault_us(void)
{
	static double us[ANON_PAGES];
	long page = sysconf(_SC_PAGESIZE);
	volatile char *p = mmap(NULL, ANON_PAGES * page, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	size_t i;

	if (p == MAP_FAILED)
		return -1;
	/* One huge page would fault once for all of them. */
	madvise((void *)p, ANON_PAGES * page, MADV_NOHUGEPAGE);
	for (i = 0; i < ANON_PAGES; i++) {
		double t0 = now_us();

		p[i * page] = 1;
		us[i] = now_us() - t0;
	}
	munmap((void *)p, ANON_PAGES * page);
	return median(us, ANON_PAGES);
}

static double file_fault_us(const char *path)
{
	static char chunk[1 << 16];
	volatile const char *p;
	struct stat st;
	double *us;
	size_t i, n;
	double m = -1;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st) || st.st_size < 2 * FILE_STRIDE)
		goto close_fd;
	while (read(fd, chunk, sizeof(chunk)) > 0)
		;
	n = (size_t)st.st_size / FILE_STRIDE;
	us = malloc(n * sizeof(*us));
	if (!us)
		goto close_fd;
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		goto free_us;
	for (i = 0; i < n; i++) {
		double t0 = now_us();

		(void)p[i * FILE_STRIDE];
		us[i] = now_us() - t0;
	}
	m = median(us, n);
	munmap((void *)p, (size_t)st.st_size);
free_us:
	free(us);
close_fd:
	if (fd >= 0)
		close(fd);
	return m;
}

int main(int argc, char **argv)
{
	double anon, file;

	if (argc != 2) {
		fputs("usage: pfcost FILE\n", stderr);
		return 2;
	}
	anon = anon_fault_us();
	file = file_fault_us(argv[1]);
	if (anon < 0 || file < 0) {
		if (anon < 0)
			fputs("pfcost: cannot map anonymous memory\n", stderr);
		else
			fprintf(stderr, "pfcost: cannot map %s (unreadable, or under 128 kB)\n",
				argv[1]);
		return 1;
	}
	printf("%.2f %.2f\n", anon, file);
	return 0;
}
