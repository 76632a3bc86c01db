// SPDX-License-Identifier: MIT
/* The stack's seeded PRNG: xoshiro256** (Blackman and Vigna) with its state from splitmix64. */
#include "core/core_internal.h"

static inline uint64_t rotl64(uint64_t x, unsigned r)
{
	return (x << r) | (x >> (64 - r));
}

/* splitmix64: spreads one 64-bit seed into well-mixed state words (never all zero). */
static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Seed R from SEED; equal seeds give equal sequences (a seed reproduces a run). */
void ng_rng_seed(struct ng_rng *r, uint64_t seed)
{
	uint64_t x = seed;

	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
	if (!(r->s[0] | r->s[1] | r->s[2] | r->s[3]))
		r->s[0] = 1; /* the one state xoshiro cannot leave */
}

/* Next 64 random bits (xoshiro256**). */
uint64_t ng_rng_next(struct ng_rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl64(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl64(s[3], 45);
	return result;
}

/* Uniform in [0, N) without modulo bias: Lemire's multiply-and-reject ("Fast Random Integer
 * Generation in an Interval", 2019). N == 0 returns 0. */
uint32_t ng_rng_below(struct ng_rng *r, uint32_t n)
{
	uint64_t m;
	uint32_t lo;

	if (n == 0)
		return 0;
	m = (uint64_t)(uint32_t)(ng_rng_next(r) >> 32) * n;
	lo = (uint32_t)m;
	if (lo < n) {
		uint32_t thresh = (uint32_t)(-n) % n;

		while (lo < thresh) {
			m = (uint64_t)(uint32_t)(ng_rng_next(r) >> 32) * n;
			lo = (uint32_t)m;
		}
	}
	return (uint32_t)(m >> 32);
}

/* Uniform double in [0, 1) from the top 53 bits. */
double ng_rng_double(struct ng_rng *r)
{
	return (double)(ng_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

/* Fill OUT with LEN random bytes. */
void ng_rng_bytes(struct ng_rng *r, void *out, size_t len)
{
	uint8_t *o = out;

	while (len >= 8) {
		uint64_t v = ng_rng_next(r);

		memcpy(o, &v, 8);
		o += 8;
		len -= 8;
	}
	if (len) {
		uint64_t v = ng_rng_next(r);

		memcpy(o, &v, len);
	}
}
