/* SPDX-License-Identifier: MIT */
/* UDP sockets of the stack itself: bind, send, receive callback. */
#ifndef NATGATE_UDP_H
#define NATGATE_UDP_H

#include <stddef.h>
#include <stdint.h>

struct ng_stack;
struct ng_udp_sock;

/* Called for each datagram received; DATA is valid only during the call. */
typedef void (*ng_udp_recv_fn)(struct ng_udp_sock *s, void *ctx, uint32_t src, uint16_t sport,
                               const uint8_t *data, size_t len);
/* Called when an ICMP error for a datagram of this socket arrives (e.g. -NG_ECONNREFUSED). */
typedef void (*ng_udp_err_fn)(struct ng_udp_sock *s, void *ctx, int err, uint32_t dst,
                              uint16_t dport);

/* Open a socket bound to ADDR:PORT (ADDR 0 = any of ours; PORT 0 = an ephemeral one chosen per
 * RFC 6056). 0 or -NG_EADDRINUSE / -NG_ENOMEM. */
int ng_udp_open(struct ng_stack *st, uint32_t addr, uint16_t port, ng_udp_recv_fn recv,
                ng_udp_err_fn err, void *ctx, struct ng_udp_sock **out);
/* Send LEN bytes (up to 65507) to DST:DPORT; fragments when larger than the MTU.
 * 0 or -NG_EMSGSIZE / -NG_ENOBUFS / -NG_EHOSTUNREACH. */
int ng_udp_sendto(struct ng_udp_sock *s, uint32_t dst, uint16_t dport, const void *data,
                  size_t len);
uint16_t ng_udp_port(const struct ng_udp_sock *s);
void ng_udp_close(struct ng_udp_sock *s);

#endif
