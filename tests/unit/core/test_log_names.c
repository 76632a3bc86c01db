// SPDX-License-Identifier: MIT
/* Unit tests for logging and the name tables: errors, drop reasons, counters, TCP states. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "core/core_internal.h"
#include "natgate/tcpstate.h"

static char g_msg[1024];
static int g_calls;
static enum ng_log_level g_level;
static void *g_ctx;

static void sink(void *ctx, enum ng_log_level level, const char *msg)
{
	g_calls++;
	g_level = level;
	g_ctx = ctx;
	snprintf(g_msg, sizeof(g_msg), "%s", msg);
}

static void test_log(void **state)
{
	int ctx;
	struct ng_log lg = {NG_LOG_INFO, sink, &ctx};

	g_calls = 0;
	ng_log(&lg, NG_LOG_WARN, "port %u: %s", 80u, "refused");
	assert_int_equal(g_calls, 1);
	assert_string_equal(g_msg, "port 80: refused");
	assert_int_equal(g_level, NG_LOG_WARN);
	assert_ptr_equal(g_ctx, &ctx);
	/* Above the configured level: not formatted, not delivered. */
	ng_log(&lg, NG_LOG_DEBUG, "noise %d", 1);
	assert_int_equal(g_calls, 1);
	ng_log(&lg, NG_LOG_INFO, "edge");
	assert_int_equal(g_calls, 2);
	/* No sink: nothing happens. */
	struct ng_log none = {NG_LOG_TRACE, NULL, NULL};
	ng_log(&none, NG_LOG_ERR, "x");
	ng_log_write(&none, NG_LOG_ERR, "x");
	assert_int_equal(g_calls, 2);
	/* Long lines are truncated, still terminated. */
	char big[2000];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ng_log(&lg, NG_LOG_ERR, "%s", big);
	assert_int_equal(g_calls, 3);
	assert_true(strlen(g_msg) > 100 && strlen(g_msg) < sizeof(big) - 1);
}

static void test_strerror(void **state)
{
	assert_string_equal(ng_strerror(-NG_ECONNREFUSED), "ECONNREFUSED");
	assert_string_equal(ng_strerror(NG_ECONNREFUSED), "ECONNREFUSED");
	assert_string_equal(ng_strerror(0), "OK");
	assert_string_equal(ng_strerror(-NG_ETIMEDOUT), "ETIMEDOUT");
	assert_string_equal(ng_strerror(-NG_EAGAIN), "EAGAIN");
	assert_string_equal(ng_strerror(-NG_EINPROGRESS), "EINPROGRESS");
	assert_string_equal(ng_strerror(-9999), "E?");
}

static void test_drop_and_counter_names(void **state)
{
	assert_string_equal(ng_drop_name(NG_DROP_IP_CSUM), "IP_CSUM");
	assert_string_equal(ng_drop_text(NG_DROP_IP_CSUM), "ipv4 bad header checksum");
	assert_string_equal(ng_drop_name(NG_DROP_NONE), "NONE");
	assert_string_equal(ng_drop_name(NG_DROP_MAX - 1), "NAT_UNSUPPORTED");
	assert_string_equal(ng_drop_text(NG_DROP_MAX), "?");
	assert_string_equal(ng_drop_name((enum ng_drop) - 1), "?");
	assert_string_equal(ng_counter_name(NG_CNT_TCP_RETRANS), "TCP_RETRANS");
	assert_string_equal(ng_counter_text(NG_CNT_RX_FRAMES), "frames received");
	assert_string_equal(ng_counter_name(NG_CNT_MAX), "?");
	/* Every entry has a distinct, non-empty name. */
	for (int i = 0; i < NG_DROP_MAX; i++) {
		assert_true(ng_drop_name(i)[0] && ng_drop_text(i)[0]);
		for (int j = 0; j < i; j++)
			assert_string_not_equal(ng_drop_name(i), ng_drop_name(j));
	}
	for (int i = 0; i < NG_CNT_MAX; i++)
		assert_true(ng_counter_name(i)[0] && ng_counter_text(i)[0]);
}

static void test_tcp_state_names(void **state)
{
	assert_string_equal(ng_tcp_state_name(NG_TCP_CLOSED), "CLOSED");
	assert_string_equal(ng_tcp_state_name(NG_TCP_SYN_RECEIVED), "SYN_RECEIVED");
	assert_string_equal(ng_tcp_state_name(NG_TCP_ESTABLISHED), "ESTABLISHED");
	assert_string_equal(ng_tcp_state_name(NG_TCP_FIN_WAIT_1), "FIN_WAIT_1");
	assert_string_equal(ng_tcp_state_name(NG_TCP_TIME_WAIT), "TIME_WAIT");
	assert_string_equal(ng_tcp_state_name(NG_TCP_STATE_MAX), "?");
	for (int i = 0; i < NG_TCP_STATE_MAX; i++)
		assert_non_null(ng_tcp_state_name(i));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_log),
	    cmocka_unit_test(test_strerror),
	    cmocka_unit_test(test_drop_and_counter_names),
	    cmocka_unit_test(test_tcp_state_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
