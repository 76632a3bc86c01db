// SPDX-License-Identifier: MIT
/* Logging: format a line and hand it to the configured callback (the stack writes no file). */
#include <stdarg.h>
#include <stdio.h>

#include "core/core_internal.h"

/* Format FMT into a bounded stack buffer (long lines are truncated) and pass it to LG's callback.
 * Callers normally go through ng_log(), which checks the level before formatting anything. */
void ng_log_write(const struct ng_log *lg, enum ng_log_level level, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (!lg || !lg->fn)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	lg->fn(lg->ctx, level, buf);
}
