// SPDX-License-Identifier: MIT
/* Keyed hashing: SipHash-2-4 for secrets (ISNs, port choice) and a fast keyed hash for tables. */
#include "core/core_internal.h"

static inline uint64_t rotl64(uint64_t x, unsigned r)
{
	return (x << r) | (x >> (64 - r));
}

/* Little-endian load, independent of the host's byte order. */
static inline uint64_t le64(const uint8_t *p)
{
	return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
	       (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 |
	       (uint64_t)p[7] << 56;
}

/* The SipRound of Aumasson and Bernstein, "SipHash: a fast short-input PRF" (2012), 2.1. */
#define SIPROUND(v0, v1, v2, v3)                                                                   \
	do {                                                                                       \
		v0 += v1;                                                                          \
		v1 = rotl64(v1, 13);                                                               \
		v1 ^= v0;                                                                          \
		v0 = rotl64(v0, 32);                                                               \
		v2 += v3;                                                                          \
		v3 = rotl64(v3, 16);                                                               \
		v3 ^= v2;                                                                          \
		v0 += v3;                                                                          \
		v3 = rotl64(v3, 21);                                                               \
		v3 ^= v0;                                                                          \
		v2 += v1;                                                                          \
		v1 = rotl64(v1, 17);                                                               \
		v1 ^= v2;                                                                          \
		v2 = rotl64(v2, 32);                                                               \
	} while (0)

/* SipHash-2-4 of LEN bytes under the 128-bit KEY: two rounds per message word, four to finish.
 * The last word carries the length modulo 256 in its top byte (the paper, 2.2). */
uint64_t ng_siphash(const uint8_t key[16], const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t k0 = le64(key), k1 = le64(key + 8);
	uint64_t v0 = k0 ^ 0x736f6d6570736575ull;
	uint64_t v1 = k1 ^ 0x646f72616e646f6dull;
	uint64_t v2 = k0 ^ 0x6c7967656e657261ull;
	uint64_t v3 = k1 ^ 0x7465646279746573ull;
	uint64_t m, b = (uint64_t)len << 56;
	size_t i, left = len & 7;

	for (i = 0; i + 8 <= len; i += 8) {
		m = le64(p + i);
		v3 ^= m;
		SIPROUND(v0, v1, v2, v3);
		SIPROUND(v0, v1, v2, v3);
		v0 ^= m;
	}
	for (size_t j = 0; j < left; j++)
		b |= (uint64_t)p[i + j] << (8 * j);
	v3 ^= b;
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

/* A 64-bit multiply-xorshift mixer (full avalanche: every input bit affects every output bit). */
static inline uint64_t mix64(uint64_t x)
{
	x ^= x >> 32;
	x *= 0xd6e8feb86659fd93ull;
	x ^= x >> 32;
	x *= 0xd6e8feb86659fd93ull;
	x ^= x >> 32;
	return x;
}

/* Fast keyed hash for table lookups: each 8-byte word is mixed into a seeded state; the length
 * is folded in so that zero-padded keys of different lengths differ. Not cryptographic: the seed
 * (from the stack's secret) only makes collisions hard to aim from outside. */
uint32_t ng_hash32(const void *data, size_t len, uint64_t seed)
{
	const uint8_t *p = data;
	uint64_t h = seed ^ (0x9e3779b97f4a7c15ull * (len + 1));
	uint64_t tail = 0;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		h ^= mix64(le64(p + i) + seed);
		h = rotl64(h, 29) * 0xbf58476d1ce4e5b9ull;
	}
	for (size_t j = 0; j < (len & 7); j++)
		tail |= (uint64_t)p[i + j] << (8 * j);
	h ^= mix64(tail ^ (seed >> 7) ^ ((uint64_t)(len & 7) << 56));
	h = mix64(h);
	return (uint32_t)(h ^ (h >> 32));
}
