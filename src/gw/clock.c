// SPDX-License-Identifier: MIT
/* The clock: natgate reads time here and nowhere else; the rest of the code is handed it. */
#include <time.h>

#include "gw/gw.h"

static uint64_t read_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * NG_NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

/* Monotonic time in ns (CLOCK_MONOTONIC: never jumps, unaffected by the wall clock being set). */
uint64_t ng_clock_now(void)
{
	return read_ns(CLOCK_MONOTONIC);
}

/* What to add to ng_clock_now() to get UNIX time in ns, as of now (taken between two monotonic
 * readings so the error is half their distance). */
int64_t ng_clock_wall_offset(void)
{
	uint64_t m1 = read_ns(CLOCK_MONOTONIC);
	uint64_t w = read_ns(CLOCK_REALTIME);
	uint64_t m2 = read_ns(CLOCK_MONOTONIC);

	return (int64_t)w - (int64_t)(m1 + (m2 - m1) / 2);
}
