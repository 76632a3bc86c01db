/* SPDX-License-Identifier: MIT */
/* Core services shared by every layer: byte order, checksums, hashing, PRNG, timers, logging. */
#ifndef NG_CORE_INTERNAL_H
#define NG_CORE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "natgate/stack.h"

#define NG_ARRAY_SIZE(a)                   (sizeof(a) / sizeof((a)[0]))
#define ng_container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))
#define NG_MIN(a, b)                       ((a) < (b) ? (a) : (b))
#define NG_MAX(a, b)                       ((a) > (b) ? (a) : (b))

/* ---- byte order: network-order loads and stores on unaligned bytes ---- */
static inline uint16_t ng_get16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}
static inline uint32_t ng_get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}
static inline void ng_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}
static inline void ng_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* ---- buddy allocator over an arena reserved at start (TCP rings), src/core/buddy.c ---- */
struct ng_buddy;
/* An arena of BYTES (rounded up to a power of two), blocks of MIN_BLOCK and up; NULL if no
 * memory. */
struct ng_buddy *ng_buddy_create(size_t bytes, size_t min_block);
void ng_buddy_destroy(struct ng_buddy *b);
/* A block of at least N bytes (N rounded up to a power of two), or NULL when none is free. */
void *ng_buddy_alloc(struct ng_buddy *b, size_t n);
void ng_buddy_free(struct ng_buddy *b, void *p);
/* The block size a request of N bytes takes; 0 when larger than the arena. */
size_t ng_buddy_block_size(const struct ng_buddy *b, size_t n);
size_t ng_buddy_used(const struct ng_buddy *b);
size_t ng_buddy_capacity(const struct ng_buddy *b);

/* ---- Internet checksum (RFC 1071), src/core/csum.c ---- */
/* One's-complement sum of LEN bytes added to SUM (64-bit accumulation); not folded, not inverted.
 * Chain calls only at even offsets. */
uint64_t ng_csum_add(uint64_t sum, const void *data, size_t len);
/* Fold a sum to 16 bits (not inverted). */
uint16_t ng_csum_fold(uint64_t sum);
/* The checksum field value: ~fold(sum). */
static inline uint16_t ng_csum_finish(uint64_t sum)
{
	return (uint16_t)~ng_csum_fold(sum);
}
/* Checksum of a buffer, ready to store. */
uint16_t ng_csum(const void *data, size_t len);
/* Sum of the IPv4 pseudo-header (RFC 793/768) for an upper-layer length LEN. */
uint64_t ng_csum_pseudo(uint32_t src, uint32_t dst, uint8_t proto, uint16_t len);
/* RFC 1624 eqn. 3: new checksum after a 16-bit field changed from OLD to NEW. */
uint16_t ng_csum_update16(uint16_t csum, uint16_t old, uint16_t new_);
/* The same for a 32-bit field (an address). */
uint16_t ng_csum_update32(uint16_t csum, uint32_t old, uint32_t new_);
/* Copy LEN bytes and return their sum (for copy-and-checksum in one pass). */
uint64_t ng_csum_copy(void *dst, const void *src, size_t len, uint64_t sum);
/* memcpy for payload (no overlap): long copies in 32-byte vectors (see csum.c). */
void ng_copy(void *restrict dst, const void *restrict src, size_t len);

/* ---- hashing, src/core/hash.c ---- */
/* SipHash-2-4 with a 128-bit key: the keyed hash for ISNs (RFC 6528) and ports (RFC 6056). */
uint64_t ng_siphash(const uint8_t key[16], const void *data, size_t len);
/* Fast non-cryptographic hash for table lookups (keyed with SEED so tables resist collisions). */
uint32_t ng_hash32(const void *data, size_t len, uint64_t seed);

/* ---- PRNG, src/core/rng.c: xoshiro256** seeded through splitmix64 ---- */
struct ng_rng {
	uint64_t s[4];
};
void ng_rng_seed(struct ng_rng *r, uint64_t seed);
uint64_t ng_rng_next(struct ng_rng *r);
/* Uniform in [0, n) (n > 0), without modulo bias. */
uint32_t ng_rng_below(struct ng_rng *r, uint32_t n);
/* Uniform double in [0, 1). */
double ng_rng_double(struct ng_rng *r);
void ng_rng_bytes(struct ng_rng *r, void *out, size_t len);

/* ---- timers, src/core/timer.c: hashed timing wheel, O(1) arm and cancel ---- */
struct ng_timer;
typedef void (*ng_timer_fn)(struct ng_timer *t, uint64_t now);
struct ng_timer {
	struct ng_timer *next, *prev; /* wheel slot list; NULL when not armed */
	uint64_t expires;             /* absolute ns */
	ng_timer_fn fn;
	bool armed;
};
struct ng_timers; /* the wheel */
struct ng_timers *ng_timers_create(void);
void ng_timers_destroy(struct ng_timers *w);
void ng_timer_init(struct ng_timer *t, ng_timer_fn fn);
/* Arm (or re-arm) T to fire at WHEN (absolute ns). */
void ng_timer_arm(struct ng_timers *w, struct ng_timer *t, uint64_t when);
void ng_timer_cancel(struct ng_timers *w, struct ng_timer *t);
static inline bool ng_timer_armed(const struct ng_timer *t)
{
	return t->armed;
}
/* Fire every timer with expires <= NOW (a callback may arm timers, including its own). */
void ng_timers_run(struct ng_timers *w, uint64_t now);
/* Earliest expiry of any armed timer (exact), UINT64_MAX if none. */
uint64_t ng_timers_next(const struct ng_timers *w);
/* Number of armed timers. */
size_t ng_timers_count(const struct ng_timers *w);

/* ---- logging, src/core/log.c ---- */
struct ng_log {
	enum ng_log_level level;
	ng_log_fn fn;
	void *ctx;
};
void ng_log_write(const struct ng_log *lg, enum ng_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#define ng_log(lg, lvl, ...)                                                                       \
	do {                                                                                       \
		if ((lg)->fn && (lvl) <= (lg)->level)                                              \
			ng_log_write((lg), (lvl), __VA_ARGS__);                                    \
	} while (0)

#endif
