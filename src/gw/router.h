/* SPDX-License-Identifier: MIT */
/* `natgate router` and its control socket (gw/router.c, gw/control.c). */
#ifndef NG_GW_ROUTER_H
#define NG_GW_ROUTER_H

#include <stdio.h>

#include "natgate/nat.h"
#include "natgate/stack.h"

/* The whole `natgate router` subcommand: ARGV[0] is "router". Returns the exit status (0, 1 run
 * time failure, 2 usage). */
int ng_router_main(int argc, char **argv);

/* ---- control socket, src/gw/control.c ---- */
struct ng_control;
struct ng_loop;
/* Listen on the AF_UNIX stream socket PATH (replacing a stale one) for requests about ST and N.
 * 0 or a negative errno, with a one-line reason in *ERRMSG. */
int ng_control_open(const char *path, struct ng_stack *st, struct ng_nat *n,
                    struct ng_control **out, const char **errmsg);
int ng_control_fd(const struct ng_control *c);
/* Also report LOOP's busy polling in "stats" (NULL: nothing about the loop). */
void ng_control_set_loop(struct ng_control *c, const struct ng_loop *loop);
/* Accept and answer the clients waiting on the socket (one request line each). */
void ng_control_serve(struct ng_control *c);
/* Close the socket and remove its file. */
void ng_control_close(struct ng_control *c);
/* The reply to request CMD ("conntrack", "conntrack json", "stats", "stats json") into OUT;
 * LOOP (may be NULL) adds the busy-poll figures to "stats". */
void ng_control_answer(struct ng_stack *st, struct ng_nat *n, const struct ng_loop *loop,
                       const char *cmd, FILE *out);
/* Client side: send CMD to the socket at PATH and copy the reply to OUT. 0 or a negative errno
 * (with a one-line reason in *ERRMSG). */
int ng_control_request(const char *path, const char *cmd, FILE *out, const char **errmsg);

#endif
