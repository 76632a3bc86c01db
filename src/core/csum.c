// SPDX-License-Identifier: MIT
/* The Internet checksum (RFC 1071) with 64-bit accumulation, incremental updates (RFC 1624), and
 * the payload copy routines of the data path (with and without a checksum). */
/*
 * Theory of operation: the one's-complement sum is independent of byte order up to a final swap
 * (RFC 1071 2(B)), and a sum of 64-bit words with end-around carry folds to the same 16-bit sum
 * as one of 16-bit words (2^64 - 1 is a multiple of 2^16 - 1). So ng_csum_add reads the buffer
 * eight bytes at a time in host order, adds with carry, folds to 16 bits and, on a little-endian
 * host, swaps the result back into the big-endian domain. Every sum this file returns is in that
 * domain: the value the classic 16-bit big-endian loop would produce, so callers can add their
 * own host-order 16-bit quantities to it and store the result with ng_put16.
 */
#include "core/core_internal.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define HOST_IS_BE 1
#else
#define HOST_IS_BE 0
#endif

static inline uint64_t add_carry(uint64_t a, uint64_t b)
{
	a += b;
	return a + (a < b);
}

static inline uint64_t load64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* Fold a 64-bit one's-complement accumulator to 16 bits. */
static inline uint16_t fold64(uint64_t s)
{
	s = (s & 0xffffffffu) + (s >> 32); /* <= 2^33 */
	s = (s & 0xffffffffu) + (s >> 32); /* <= 2^32 */
	s = (s & 0xffff) + (s >> 16);      /* <= 2^17 */
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define WIDE_SUM_ATTR __attribute__((optimize("tree-vectorize"), target_clones("avx2", "default")))
#else
#define WIDE_SUM_ATTR
#endif

/* Sum of the N 32-bit host-order words at P in a 64-bit accumulator. No carry to fold back:
 * overflow would take 2^32 words, and 2^32 = 1 (mod 2^16 - 1) keeps the folded sum that of the
 * 16-bit words. Written so that the compiler vectorizes it (with GCC on x86-64 an AVX2 clone is
 * picked at load time where the CPU has it): measured on 64 KiB buffers 23 GB/s and 0.28
 * instructions per byte, against 9.5 GB/s and 0.45 for the carry chains below. */
WIDE_SUM_ATTR static uint64_t sum_words32(const uint8_t *p, size_t n)
{
	uint64_t acc = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		uint32_t w;
		memcpy(&w, p + 4 * i, sizeof(w));
		acc += w;
	}
	return acc;
}

/* Host-order sum of LEN bytes at P (not folded). */
static uint64_t sum_host(const uint8_t *p, size_t len)
{
	uint64_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
	uint64_t tail = 0;

	/* Long buffers (payloads) go through the vectorized word sum; headers take the chains. */
	if (len >= 256) {
		size_t n = len / 4;
		a0 = sum_words32(p, n);
		p += 4 * n;
		len -= 4 * n;
	}

	/* Four independent carry chains keep the adder busy. */
	while (len >= 32) {
		a0 = add_carry(a0, load64(p));
		a1 = add_carry(a1, load64(p + 8));
		a2 = add_carry(a2, load64(p + 16));
		a3 = add_carry(a3, load64(p + 24));
		p += 32;
		len -= 32;
	}
	while (len >= 8) {
		a0 = add_carry(a0, load64(p));
		p += 8;
		len -= 8;
	}
	/* The tail (0..7 bytes) sits at the low addresses of a zeroed word: an odd last byte is the
	 * high-order byte of a zero-padded 16-bit word, as RFC 1071 specifies. */
	if (len)
		memcpy(&tail, p, len);
	a1 = add_carry(a1, tail);
	a0 = add_carry(a0, a1);
	a2 = add_carry(a2, a3);
	return add_carry(a0, a2);
}

/* Add the one's-complement sum of LEN bytes at DATA to SUM. The data must start at an even
 * offset of the checksummed region for chained calls to be meaningful. Returns the new
 * (unfolded, big-endian-domain) sum. */
uint64_t ng_csum_add(uint64_t sum, const void *data, size_t len)
{
	uint16_t s = fold64(sum_host(data, len));

	if (!HOST_IS_BE)
		s = (uint16_t)((s >> 8) | (s << 8));
	return add_carry(sum, s);
}

/* Fold SUM to 16 bits with end-around carry; not inverted. */
uint16_t ng_csum_fold(uint64_t sum)
{
	return fold64(sum);
}

/* The checksum of LEN bytes, ready to store with ng_put16. */
uint16_t ng_csum(const void *data, size_t len)
{
	return ng_csum_finish(ng_csum_add(0, data, len));
}

/* The IPv4 pseudo-header (RFC 793 3.1, RFC 768): source, destination, zero+protocol, length. */
uint64_t ng_csum_pseudo(uint32_t src, uint32_t dst, uint8_t proto, uint16_t len)
{
	return (uint64_t)(src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + proto + len;
}

/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'). Avoids the -0 result of eqn. 2. */
uint16_t ng_csum_update16(uint16_t csum, uint16_t old, uint16_t new_)
{
	uint64_t s = (uint64_t)(uint16_t)~csum + (uint16_t)~old + new_;

	return (uint16_t)~fold64(s);
}

/* RFC 1624 eqn. 3 over both halves of a 32-bit field. */
uint16_t ng_csum_update32(uint16_t csum, uint32_t old, uint32_t new_)
{
	uint64_t s = (uint64_t)(uint16_t)~csum + (uint16_t) ~(old >> 16) + (uint16_t)~old +
	             (new_ >> 16) + (new_ & 0xffff);

	return (uint16_t)~fold64(s);
}

/* Copy the N 32-bit words at S to D and return their sum in a 64-bit accumulator, as
 * sum_words32 does (same vectorization: with GCC on x86-64 an AVX2 clone where the CPU has it).
 * S and D must not overlap. */
WIDE_SUM_ATTR static uint64_t copy_sum_words32(uint8_t *restrict d, const uint8_t *restrict s,
                                               size_t n)
{
	uint64_t acc = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		uint32_t w;
		memcpy(&w, s + 4 * i, sizeof(w));
		memcpy(d + 4 * i, &w, sizeof(w));
		acc += w;
	}
	return acc;
}

/* Copy LEN bytes from SRC to DST and add their sum to SUM in the same pass (the bytes are summed
 * while they are in registers: long buffers through the vectorized word loop, the rest with the
 * same carry chains as sum_host). SRC and DST must not overlap. */
uint64_t ng_csum_copy(void *dst, const void *src, size_t len, uint64_t sum)
{
	const uint8_t *s = src;
	uint8_t *d = dst;
	uint64_t a0 = 0, a1 = 0, a2 = 0, a3 = 0, tail = 0;
	uint16_t f;

	if (len >= 256) {
		size_t n = len / 4;
		a0 = copy_sum_words32(d, s, n);
		s += 4 * n;
		d += 4 * n;
		len -= 4 * n;
	}
	while (len >= 32) {
		uint64_t v[4];

		memcpy(v, s, sizeof(v));
		memcpy(d, v, sizeof(v));
		a0 = add_carry(a0, v[0]);
		a1 = add_carry(a1, v[1]);
		a2 = add_carry(a2, v[2]);
		a3 = add_carry(a3, v[3]);
		s += 32;
		d += 32;
		len -= 32;
	}
	while (len >= 8) {
		uint64_t v = load64(s);

		memcpy(d, &v, sizeof(v));
		a0 = add_carry(a0, v);
		s += 8;
		d += 8;
		len -= 8;
	}
	if (len) {
		memcpy(&tail, s, len);
		memcpy(d, s, len);
	}
	a1 = add_carry(a1, tail);
	a0 = add_carry(a0, a1);
	a2 = add_carry(a2, a3);
	f = fold64(add_carry(a0, a2));
	if (!HOST_IS_BE)
		f = (uint16_t)((f >> 8) | (f << 8));
	return add_carry(sum, f);
}

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define WIDE_COPY_ATTR __attribute__((target_clones("avx2", "default")))
#else
#define WIDE_COPY_ATTR
#endif

/* 32 bytes as one vector register where the target has them (GCC/clang vector extension; the
 * compiler splits it where they are narrower). aligned(1): loads and stores may be unaligned. */
typedef uint8_t copy_vec __attribute__((vector_size(32), aligned(1)));

/* Copy LEN bytes from SRC to DST (no overlap), like memcpy. Long copies (payload into or out of
 * a TCP ring, up to a 64 KiB super-segment) go through a loop of four 32-byte vector loads and
 * stores: glibc copies blocks above a few KiB with `rep movsb`, which is slower here (64 KiB
 * copies ring -> packet on the 2-vCPU AVX2 test host, CPU time: memcpy 31-38 GB/s, median 36;
 * this loop 36-40, median 39) and which valgrind counts as one instruction per byte (this loop:
 * 12 per 128 bytes). Short copies and the tail go to memcpy. */
WIDE_COPY_ATTR void ng_copy(void *restrict dst, const void *restrict src, size_t len)
{
	const uint8_t *s = src;
	uint8_t *d = dst;
	size_t i = 0;

	if (len >= 256) {
		for (; i + 128 <= len; i += 128) {
			copy_vec a, b, c, e;
			memcpy(&a, s + i, 32);
			memcpy(&b, s + i + 32, 32);
			memcpy(&c, s + i + 64, 32);
			memcpy(&e, s + i + 96, 32);
			memcpy(d + i, &a, 32);
			memcpy(d + i + 32, &b, 32);
			memcpy(d + i + 64, &c, 32);
			memcpy(d + i + 96, &e, 32);
		}
	}
	memcpy(d + i, s + i, len - i);
}
