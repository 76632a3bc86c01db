// SPDX-License-Identifier: MIT
/*
 * The send/receive rings (tcp_buf.c) and the copy routines under them: writes and reads across
 * the wrap, the copy-and-sum read whose pieces meet at an odd offset (the second piece's sum
 * must be byte-swapped), and ng_copy at lengths around its vector loop's edges.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "testutil.h"
#include "tcp/tcp_internal.h"

/* Every (head, offset, length) on a small ring: the bytes read back are the bytes written, and
 * tcp_ring_read_sum returns the same sum as ng_csum_add over the bytes it copied out. */
static void test_ring_read_sum_wrap(void **state)
{
	struct ng_buddy *a = ng_buddy_create(1u << 16, 2048);
	struct tcp_ring r;
	uint8_t src[600], out[600];
	(void)state;

	assert_non_null(a);
	assert_int_equal(tcp_ring_alloc(a, &r, 517), 0); /* odd size: both parities at the wrap */
	ng_test_fill(src, sizeof(src), 3);
	for (uint32_t head = 0; head < r.size; head += 37) {
		for (uint32_t len = 1; len <= r.size; len += 41) {
			for (uint32_t off = 0; off + len <= r.size; off += 97) {
				uint64_t sum;

				r.head = head;
				r.len = 0;
				tcp_ring_write_at(&r, off, src, len);
				memset(out, 0xee, sizeof(out));
				sum = tcp_ring_read_sum(&r, off, out, len);
				assert_memory_equal(out, src, len);
				assert_int_equal(out[len], 0xee);
				assert_int_equal(ng_csum_fold(sum),
				                 ng_csum_fold(ng_csum_add(0, src, len)));
				memset(out, 0, sizeof(out));
				tcp_ring_read_at(&r, off, out, len);
				assert_memory_equal(out, src, len);
			}
		}
	}
	tcp_ring_release(a, &r);
	assert_int_equal(ng_buddy_used(a), 0);
	ng_buddy_destroy(a);
}

/* ng_copy copies exactly LEN bytes at any alignment, around the 256-byte threshold and the
 * 128-byte steps of its loop, up to a 64 KiB super-segment. */
static void test_copy_lengths(void **state)
{
	static uint8_t src[70000], dst[70000];
	static const size_t lens[] = {0,   1,   31,  127,  128,  255,   256,   257,
	                              383, 384, 385, 1448, 4095, 65160, 65535, 69000};
	(void)state;

	ng_test_fill(src, sizeof(src), 9);
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		for (size_t a = 0; a < 3; a++) {
			size_t len = lens[i];
			memset(dst, 0x5a, sizeof(dst));
			ng_copy(dst + a, src + 2 * a + 1, len);
			assert_memory_equal(dst + a, src + 2 * a + 1, len);
			if (a)
				assert_int_equal(dst[a - 1], 0x5a);
			assert_int_equal(dst[a + len], 0x5a);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ring_read_sum_wrap),
	    cmocka_unit_test(test_copy_lengths),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
