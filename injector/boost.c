// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fdclose's own scheduling while a target is held.
 *
 * Real-time priority is not free.  On an idle machine a SCHED_FIFO tracer
 * and its tracee stop sharing a CPU: each ptrace round trip then hops to
 * the other CPU and wakes it from idle, and the bare seize-interrupt-detach
 * cycle measured 150-200 us here instead of 25-35 us at normal priority.
 *
 * It pays in two cases.  When the target has more threads than there are
 * CPUs, every thread we interrupt is woken and, on a small machine,
 * preempts fdclose before it reaches the next one: that tripled the window
 * of a 64-thread process.  And when the CPUs are overloaded: with two busy
 * loops per CPU the cycle's p90 went from 37-81 us to 32-48 us.  With one
 * busy loop per CPU it still helps the tail (p90 92-163 us against
 * 42-47 us), but the run-queue count is a snapshot that also counts whoever
 * started fdclose and has not yet gone to sleep in wait(): a wrapper, a
 * shell, the other end of a pipe.  Taking the boost on such a phantom costs
 * the median 100 us or more on an idle machine, far more than it saves when
 * the machine is only just busy, so the threshold is twice the CPU count.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <sys/resource.h>
#include <unistd.h>

#include "common/diag.h"
#include "injector/internal.h"
#include "proc/proc.h"

int loadavg_runnable(const char *text)
{
	const char *p = text;
	char *end;
	long n;
	int field;

	/* "0.20 0.18 0.12 1/80 11206": the fourth field's numerator. */
	for (field = 0; field < 3; field++) {
		p += strcspn(p, " ");
		if (*p != ' ')
			return -EINVAL;
		p++;
	}
	errno = 0;
	n = strtol(p, &end, 10);
	if (end == p || *end != '/' || errno || n < 0 || n > 1 << 30)
		return -EINVAL;
	return (int)n;
}

bool boost_pays_off(int runnable_others, int online_cpus, size_t target_threads, int our_cpus)
{
	return target_threads > (size_t)our_cpus || runnable_others >= 2 * online_cpus;
}

/*
 * Tasks running or runnable now besides fdclose, or -errno: a snapshot,
 * see above why it is trusted only when it is large.
 */
static int runnable_others(void)
{
	char buf[128];
	ssize_t n = proc_read_buf(buf, sizeof(buf), "loadavg");
	int ret;

	if (n < 0)
		return (int)n;
	ret = loadavg_runnable(buf);
	return ret > 0 ? ret - 1 : ret;
}

/* The CPUs fdclose may run on: what woken threads compete with it for. */
static int usable_cpus(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set))
		return 1;
	return CPU_COUNT(&set);
}

static void boost_now(struct frozen *fz)
{
	struct sched_param fifo = { .sched_priority = 1 };

	fz->sched_policy = sched_getscheduler(0);
	if (fz->sched_policy >= 0 && sched_getparam(0, &fz->sched_param) == 0 &&
	    sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &fifo) == 0) {
		fz->sched_boosted = BOOST_FIFO;
		return;
	}
	errno = 0;
	fz->nice = getpriority(PRIO_PROCESS, 0);
	if (errno == 0 && setpriority(PRIO_PROCESS, 0, -20) == 0)
		fz->sched_boosted = BOOST_NICE;
}

static void say_boost(const struct frozen *fz, int others, int online,
		      size_t target_threads, int ours)
{
	char count[32] = "cannot count";

	if (others >= 0)
		snprintf(count, sizeof(count), "%d", others);
	pr_verbose("pid %d: holding it at %s (other runnable tasks: %s, on %d CPUs; "
		   "%zu thread(s); fdclose may use %d CPUs)", fz->pid,
		   fz->sched_boosted == BOOST_FIFO ? "SCHED_FIFO" :
		   fz->sched_boosted == BOOST_NICE ? "nice -20" : "normal priority",
		   count, online, target_threads, ours);
}

/*
 * Reads only the files the rule needs (each read costs fdclose PID FD some
 * 10-20 us): a target with more threads than our CPUs is a yes without a
 * count, and fewer than two other runnable tasks, an idle machine's count,
 * is a no without the online count, which is one at least.  (Our CPUs are
 * not taken for a bound of the online ones: a container's view, lxcfs,
 * may show fewer.)
 */
void sched_boost(struct frozen *fz, size_t target_threads)
{
	int ours = usable_cpus();
	int others = 0, online = 1;
	bool boost = true;

	if (target_threads <= (size_t)ours || diag_verbose) {
		others = runnable_others();
		if (others >= 2 || diag_verbose)
			online = get_nprocs();
		/*
		 * Without the count, boost: some 100 us lost on an idle machine is the
		 * smaller risk than being preempted for milliseconds on a busy one.
		 */
		boost = others < 0 || boost_pays_off(others, online, target_threads, ours);
	}
	if (boost)
		boost_now(fz);
	if (diag_verbose)
		say_boost(fz, others, online, target_threads, ours);
}

void sched_unboost(struct frozen *fz)
{
	if (fz->sched_boosted == BOOST_FIFO)
		sched_setscheduler(0, fz->sched_policy, &fz->sched_param);
	else if (fz->sched_boosted == BOOST_NICE)
		setpriority(PRIO_PROCESS, 0, fz->nice);
	fz->sched_boosted = BOOST_NONE;
}
