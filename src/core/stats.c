// SPDX-License-Identifier: MIT
/* Names and descriptions of drop reasons and counters, generated from the X-macros in stats.h. */
#include <stddef.h>

#include "natgate/stats.h"

#define TEXT(name, text) text,
#define NAME(name, text) #name,

static const char *const drop_text[NG_DROP_MAX] = {NG_DROP_REASONS(TEXT)};
static const char *const drop_name[NG_DROP_MAX] = {NG_DROP_REASONS(NAME)};
static const char *const counter_text[NG_CNT_MAX] = {NG_COUNTERS(TEXT)};
static const char *const counter_name[NG_CNT_MAX] = {NG_COUNTERS(NAME)};

/* "ipv4 bad header checksum"; "?" for an out-of-range value. */
const char *ng_drop_text(enum ng_drop d)
{
	return (unsigned)d < NG_DROP_MAX ? drop_text[d] : "?";
}

/* "IP_CSUM"; "?" for an out-of-range value. */
const char *ng_drop_name(enum ng_drop d)
{
	return (unsigned)d < NG_DROP_MAX ? drop_name[d] : "?";
}

const char *ng_counter_text(enum ng_counter c)
{
	return (unsigned)c < NG_CNT_MAX ? counter_text[c] : "?";
}

const char *ng_counter_name(enum ng_counter c)
{
	return (unsigned)c < NG_CNT_MAX ? counter_name[c] : "?";
}
