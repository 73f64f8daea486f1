/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the target was doing when fdclose stopped it, for the incident
 * record: the instruction at the pc as capstone decodes it and the stack as
 * libunwind-ptrace walks it, no debug info needed (names come from the
 * dynamic symbol tables when there are any).  Only with --verbose: the walk
 * costs about a millisecond of frozen time.
 */
#ifndef FDCLOSE_EVIDENCE_H
#define FDCLOSE_EVIDENCE_H

#include "injector/injector.h"

/* Prints, via pr_verbose, where the worker thread of fz stood. */
void evidence_print(const struct frozen *fz);

#endif
