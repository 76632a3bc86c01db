// SPDX-License-Identifier: MIT
/* gw/app: the examples' shared command line (the one number parser, the option loop with --help,
 * --version, --sndbuf/--rcvbuf, one-line refusals naming the program) and their packet pool (two
 * buffer sizes, as natgate router's). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "gw/gw.h"
#include "natgate/pkt.h"
#include "natgate/tcp.h"
#include "stack_internal.h"

/* ---- stderr capture: what a refusal printed ---- */

static char errbuf[1024];
static int saved_fd = -1;
static FILE *cap;

static void cap_begin(void)
{
	fflush(stderr);
	cap = tmpfile();
	assert_non_null(cap);
	saved_fd = dup(STDERR_FILENO);
	assert_true(saved_fd >= 0);
	assert_true(dup2(fileno(cap), STDERR_FILENO) >= 0);
}

/* Stop capturing; the text is in errbuf, and the number of lines is returned. */
static int cap_end(void)
{
	size_t n;
	int lines = 0;

	fflush(stderr);
	dup2(saved_fd, STDERR_FILENO);
	close(saved_fd);
	rewind(cap);
	n = fread(errbuf, 1, sizeof(errbuf) - 1, cap);
	errbuf[n] = 0;
	fclose(cap);
	for (size_t k = 0; k < n; k++)
		lines += errbuf[k] == '\n';
	return lines;
}

/* ---- ng_app_parse_num ---- */

static void test_parse_num(void **state)
{
	uint64_t v;
	(void)state;

	assert_int_equal(ng_app_parse_num("0", 0, 10, &v), 0);
	assert_true(v == 0);
	assert_int_equal(ng_app_parse_num("65535", 1, 65535, &v), 0);
	assert_true(v == 65535);
	assert_int_equal(ng_app_parse_num("010", 0, 100, &v), 0); /* decimal, not octal */
	assert_true(v == 10);
	assert_int_equal(ng_app_parse_num("0x1F", 0, 100, &v), 0);
	assert_true(v == 31);
	assert_int_equal(ng_app_parse_num("0Xff", 0, 1000, &v), 0);
	assert_true(v == 255);
	assert_int_equal(ng_app_parse_num("18446744073709551615", 0, UINT64_MAX, &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(ng_app_parse_num("0xffffffffffffffff", 0, UINT64_MAX, &v), 0);
	assert_true(v == UINT64_MAX);

	/* refused, and *OUT left alone */
	static const char *const bad[] = {
	    "",
	    "-1",
	    "+1",
	    " 1",
	    "1 ",
	    "1x",
	    "0x",
	    "0x1g",
	    "ff",
	    "1.5",
	    "1e3",
	    "18446744073709551616", /* 2^64 */
	    "0x10000000000000000",
	    "99999999999999999999999",
	};
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		v = 77;
		assert_int_equal(ng_app_parse_num(bad[k], 0, UINT64_MAX, &v), -1);
		assert_true(v == 77);
	}
	assert_int_equal(ng_app_parse_num(NULL, 0, 1, &v), -1);
	/* the bounds are inclusive, and checked */
	assert_int_equal(ng_app_parse_num("67", 68, 65520, &v), -1);
	assert_int_equal(ng_app_parse_num("68", 68, 65520, &v), 0);
	assert_int_equal(ng_app_parse_num("65520", 68, 65520, &v), 0);
	assert_int_equal(ng_app_parse_num("65521", 68, 65520, &v), -1);
	assert_int_equal(ng_app_parse_num("0", 1, 65535, &v), -1);
	assert_true(v == 65520);
}

static void test_opt_num_messages(void **state)
{
	struct ng_app a;
	uint64_t v = 5;
	(void)state;

	ng_app_init(&a, "ng-test");
	cap_begin();
	assert_int_equal(ng_app_opt_num(&a, "--port", "70000", 1, 65535, &v), -1);
	assert_int_equal(cap_end(), 1);
	assert_string_equal(errbuf, "ng-test: --port '70000': want a number from 1 to 65535\n");
	cap_begin();
	assert_int_equal(ng_app_opt_num(&a, "--port", NULL, 1, 65535, &v), -1);
	assert_int_equal(cap_end(), 1);
	assert_string_equal(errbuf, "ng-test: --port needs a value\n");
	cap_begin();
	assert_int_equal(ng_app_opt_num(&a, "--seed", "-1", 0, UINT64_MAX, &v), -1);
	assert_int_equal(cap_end(), 1);
	assert_string_equal(errbuf, "ng-test: --seed '-1': want an unsigned number\n");
	assert_true(v == 5);
	cap_begin();
	assert_int_equal(ng_app_opt_num(&a, "--port", "8080", 1, 65535, &v), 0);
	assert_int_equal(cap_end(), 0);
	assert_true(v == 8080);
}

/* ---- the option loop ---- */

static int usage_calls;
static void usage(FILE *f)
{
	usage_calls++;
	(void)f; /* the text is the program's; only the call matters here */
}

/* Run ng_app_next_option on ARGV (NULL-terminated) from index 1; *I is where it left off. */
static int next(struct ng_app *a, const char **args, struct ng_tcp_sockopts *tcp, int *i,
                struct ng_app_arg *arg)
{
	int argc = 0;

	while (args[argc])
		argc++;
	*i = 1;
	return ng_app_next_option(a, argc, (char **)args, i, tcp, usage, arg);
}

static void test_next_option(void **state)
{
	struct ng_app a;
	struct ng_tcp_sockopts so;
	struct ng_app_arg arg;
	int i;
	(void)state;

	ng_app_init(&a, "ng-test");
	memset(&so, 0, sizeof(so));

	/* common options are taken, value and all */
	assert_int_equal(next(&a, (const char *[]){"p", "--mtu", "9000", NULL}, &so, &i, &arg),
	                 NG_APP_OPT_TAKEN);
	assert_int_equal(i, 3);
	assert_int_equal(a.mtu, 9000);
	assert_int_equal(next(&a, (const char *[]){"p", "--seed=0x10", NULL}, &so, &i, &arg),
	                 NG_APP_OPT_TAKEN);
	assert_int_equal(i, 2);
	assert_true(a.seed == 16 && a.seed_set);

	/* --sndbuf / --rcvbuf, both spellings, when the program takes them */
	assert_int_equal(next(&a, (const char *[]){"p", "--sndbuf", "65536", NULL}, &so, &i, &arg),
	                 NG_APP_OPT_TAKEN);
	assert_int_equal(i, 3);
	assert_int_equal(so.sndbuf, 65536);
	assert_int_equal(next(&a, (const char *[]){"p", "--rcvbuf=4096", NULL}, &so, &i, &arg),
	                 NG_APP_OPT_TAKEN);
	assert_int_equal(i, 2);
	assert_int_equal(so.rcvbuf, 4096);
	cap_begin();
	assert_int_equal(next(&a, (const char *[]){"p", "--rcvbuf", "2G", NULL}, &so, &i, &arg),
	                 NG_APP_OPT_BAD);
	assert_int_equal(cap_end(), 1);
	assert_string_equal(errbuf, "ng-test: --rcvbuf '2G': want a number from 0 to 1073741824\n");
	assert_int_equal(so.rcvbuf, 4096);
	/* ... and not when it does not (NULL): the program's to refuse */
	assert_int_equal(next(&a, (const char *[]){"p", "--sndbuf", "1", NULL}, NULL, &i, &arg),
	                 NG_APP_OPT_MINE);
	assert_int_equal(i, 1);
	assert_string_equal(arg.name, "--sndbuf");

	/* the program's own options, split */
	assert_int_equal(next(&a, (const char *[]){"p", "--port", "80", NULL}, &so, &i, &arg),
	                 NG_APP_OPT_MINE);
	assert_string_equal(arg.name, "--port");
	assert_string_equal(arg.val, "80");
	assert_int_equal(arg.used, 2);
	assert_int_equal(next(&a, (const char *[]){"p", "--port=81", NULL}, &so, &i, &arg),
	                 NG_APP_OPT_MINE);
	assert_string_equal(arg.name, "--port");
	assert_string_equal(arg.val, "81");
	assert_int_equal(arg.used, 1);
	assert_int_equal(next(&a, (const char *[]){"p", "--root", NULL}, &so, &i, &arg),
	                 NG_APP_OPT_MINE);
	assert_null(arg.val);
	cap_begin();
	assert_null(ng_app_opt_val(&a, &arg));
	assert_int_equal(cap_end(), 1);
	assert_string_equal(errbuf, "ng-test: --root needs a value\n");

	/* --help and --version: exit 0 */
	usage_calls = 0;
	assert_int_equal(next(&a, (const char *[]){"p", "--help", NULL}, &so, &i, &arg),
	                 NG_APP_OPT_EXIT);
	assert_int_equal(next(&a, (const char *[]){"p", "-h", NULL}, &so, &i, &arg),
	                 NG_APP_OPT_EXIT);
	assert_int_equal(usage_calls, 2);
	assert_int_equal(next(&a, (const char *[]){"p", "--version", NULL}, &so, &i, &arg),
	                 NG_APP_OPT_EXIT);
	assert_int_equal(usage_calls, 2);

	/* a bad common value: one line, exit 2 */
	cap_begin();
	assert_int_equal(next(&a, (const char *[]){"p", "--mtu", "10", NULL}, &so, &i, &arg),
	                 NG_APP_OPT_BAD);
	assert_int_equal(cap_end(), 1);
	assert_string_equal(errbuf, "ng-test: --mtu '10': want a number from 68 to 65520\n");
	assert_int_equal(a.mtu, 9000);
}

static void test_unknown(void **state)
{
	struct ng_app a;
	struct ng_app_arg arg;
	int i;
	(void)state;

	ng_app_init(&a, "ng-test");
	assert_int_equal(next(&a, (const char *[]){"p", "--nope", "x", NULL}, NULL, &i, &arg),
	                 NG_APP_OPT_MINE);
	cap_begin();
	assert_int_equal(ng_app_opt_unknown(&a, &arg), 2);
	assert_int_equal(cap_end(), 1);
	assert_string_equal(errbuf, "ng-test: unknown option '--nope' (try --help)\n");
	assert_int_equal(next(&a, (const char *[]){"p", "extra", NULL}, NULL, &i, &arg),
	                 NG_APP_OPT_MINE);
	cap_begin();
	assert_int_equal(ng_app_opt_unknown(&a, &arg), 2);
	assert_int_equal(cap_end(), 1);
	assert_string_equal(errbuf, "ng-test: unexpected argument 'extra' (try --help)\n");
}

/* ---- the packet pool ---- */

/* Create a stack with C's pool and check what it hands out: small buffers of SMALL bytes, and
 * (LARGE > 0) large ones a TSO sender and a whole super-segment can have. */
static void check_pool(const struct ng_stack_config *c, uint32_t small, uint32_t large)
{
	struct ng_stack *st;
	struct ng_pkt *p, *q;

	assert_int_equal(ng_stack_create(c, &st), 0);
	assert_int_equal(ng_pktpool_bufsize(st->pool), small);
	assert_int_equal(ng_pktpool_maxsize(st->pool), large ? large : small);
	/* what TCP asks before building a super-segment: a whole 64 KiB datagram fits */
	assert_true(ng_pktpool_avail_size(st->pool) >= NG_PKT_HEADROOM + 65535);
	/* an ordinary frame takes a small buffer, a 64 KiB super-segment a large one */
	p = ng_pkt_alloc_len(st->pool, 1514);
	q = ng_pkt_alloc_len(st->pool, 14 + 65535);
	assert_non_null(p);
	assert_non_null(q);
	assert_int_equal(p->cap, small);
	assert_int_equal(q->cap, large ? large : small);
	assert_int_equal(ng_pktpool_large_in_use(st->pool), large ? 1 : 0);
	ng_pkt_free(p);
	ng_pkt_free(q);
	assert_int_equal(ng_stack_destroy(st), 0);
}

static void test_pool_config(void **state)
{
	struct ng_stack_config c;
	(void)state;

	/* MTU 1500: 1024 buffers of 2 KiB and 64 of 64 KiB, as natgate router has (was 1024 of
	 * 64 KiB each) */
	ng_stack_config_default(&c);
	ng_app_pool_config(&c, 1500);
	assert_int_equal(c.pkt_count, 1024);
	assert_int_equal(c.pkt_size, 2048);
	assert_int_equal(c.pkt_large_count, 64);
	assert_int_equal(c.pkt_large_size, NG_PKT_DEFAULT_SIZE);
	assert_true((uint64_t)c.pkt_count * c.pkt_size +
	                (uint64_t)c.pkt_large_count * c.pkt_large_size <
	            8ull << 20);
	check_pool(&c, 2048, NG_PKT_DEFAULT_SIZE);

	/* a jumbo MTU: its frames in the small buffers */
	ng_app_pool_config(&c, 9000);
	assert_int_equal(c.pkt_size, 10240);
	assert_true(c.pkt_size >= NG_PKT_HEADROOM + 14 + 9000);
	assert_int_equal(c.pkt_large_count, 64);
	check_pool(&c, 10240, NG_PKT_DEFAULT_SIZE);

	/* the smallest MTU: more small buffers, so a 64 KiB datagram's 1365 fragments fit twice */
	ng_app_pool_config(&c, 68);
	assert_int_equal(c.pkt_size, 2048);
	assert_true(c.pkt_count >= 2 * 1365);

	/* MTU 65520: every frame needs a 64 KiB buffer: one size */
	ng_app_pool_config(&c, 65520);
	assert_int_equal(c.pkt_count, 1024);
	assert_int_equal(c.pkt_size, NG_PKT_DEFAULT_SIZE);
	assert_true(c.pkt_size >= NG_PKT_HEADROOM + 14 + 65520);
	assert_int_equal(c.pkt_large_count, 0);
	check_pool(&c, NG_PKT_DEFAULT_SIZE, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_num),   cmocka_unit_test(test_opt_num_messages),
	    cmocka_unit_test(test_next_option), cmocka_unit_test(test_unknown),
	    cmocka_unit_test(test_pool_config),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
