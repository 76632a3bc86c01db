/* SPDX-License-Identifier: MIT */
/* UDP inside the stack. */
#ifndef NG_UDP_INTERNAL_H
#define NG_UDP_INTERNAL_H

#include "stack_internal.h"

/* Allocate the socket table (cfg.udp_sockets) and register with IPv4. 0 or -NG_ENOMEM. */
int ng_udp_create(struct ng_stack *st);
/* Close every socket and free the table. */
void ng_udp_destroy(struct ng_stack *st);
/* Open sockets (tests). */
size_t ng_udp_count(struct ng_stack *st);

#endif
