// SPDX-License-Identifier: MIT
/* Byte rings behind every connection's send and receive buffers (payload copies use ng_copy:
 * large blocks in vector registers rather than glibc's rep movsb). */
#include "tcp/tcp_internal.h"

/* Take SIZE bytes of ring from the stack's ring arena A (once per connection, never per
 * segment; the arena is reserved when the stack starts). 0, or -NG_ENOMEM when A has no free
 * block that large. */
int tcp_ring_alloc(struct ng_buddy *a, struct tcp_ring *r, uint32_t size)
{
	r->buf = ng_buddy_alloc(a, size);
	if (!r->buf)
		return -NG_ENOMEM;
	r->size = size;
	r->head = 0;
	r->len = 0;
	return 0;
}

/* Give the ring's memory back to A (a released ring is empty and may be released again). */
void tcp_ring_release(struct ng_buddy *a, struct tcp_ring *r)
{
	ng_buddy_free(a, r->buf);
	memset(r, 0, sizeof(*r));
}

/* Write LEN bytes at OFF past the head, wrapping around the end of the buffer. */
void tcp_ring_write_at(struct tcp_ring *r, uint32_t off, const void *data, uint32_t len)
{
	uint32_t pos = r->head + off, first;

	if (!len) /* also keeps memcpy away from a released (NULL) ring */
		return;
	if (pos >= r->size)
		pos -= r->size;
	first = NG_MIN(len, r->size - pos);
	ng_copy(r->buf + pos, data, first);
	if (len > first)
		ng_copy(r->buf, (const uint8_t *)data + first, len - first);
}

/* Read LEN bytes from OFF past the head, wrapping. */
void tcp_ring_read_at(const struct tcp_ring *r, uint32_t off, void *out, uint32_t len)
{
	uint32_t pos = r->head + off, first;

	if (!len)
		return;
	if (pos >= r->size)
		pos -= r->size;
	first = NG_MIN(len, r->size - pos);
	ng_copy(out, r->buf + pos, first);
	if (len > first)
		ng_copy((uint8_t *)out + first, r->buf, len - first);
}

/* Read LEN bytes from OFF past the head into OUT (which must not overlap the ring), and return
 * their one's-complement sum (ng_csum_copy's domain) computed in the same pass. Where the data
 * wraps after an odd number of bytes, the second piece's sum is byte-swapped: its bytes sit at
 * odd offsets of OUT (RFC 1071 2(B)). */
uint64_t tcp_ring_read_sum(const struct tcp_ring *r, uint32_t off, void *out, uint32_t len)
{
	uint32_t pos = r->head + off, first;
	uint64_t sum;

	if (!len)
		return 0;
	if (pos >= r->size)
		pos -= r->size;
	first = NG_MIN(len, r->size - pos);
	sum = ng_csum_copy(out, r->buf + pos, first, 0);
	if (len > first) {
		uint16_t s2 =
		    ng_csum_fold(ng_csum_copy((uint8_t *)out + first, r->buf, len - first, 0));
		if (first & 1)
			s2 = (uint16_t)((s2 >> 8) | (s2 << 8));
		sum += s2;
	}
	return sum;
}

void tcp_ring_consume(struct tcp_ring *r, uint32_t n)
{
	r->head += n;
	if (r->head >= r->size)
		r->head -= r->size;
	r->len -= n;
}
