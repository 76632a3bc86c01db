// SPDX-License-Identifier: MIT
/* Port forwards: parsing "--forward tcp:8080=192.168.1.10:80" and finding the forward of a port. */
#include <stdlib.h>

#include "nat/nat_internal.h"

/* Parse a decimal port 1..65535 at *S, advancing *S. */
static int parse_port(const char **s, uint16_t *out)
{
	uint32_t v = 0;
	int digits = 0;

	while (**s >= '0' && **s <= '9' && digits < 6) {
		v = v * 10 + (uint32_t)(**s - '0');
		(*s)++;
		digits++;
	}
	if (!digits || v == 0 || v > 65535)
		return -NG_EINVAL;
	*out = (uint16_t)v;
	return 0;
}

/* "tcp:8080=192.168.1.10:80" or "udp:5000-5009=192.168.1.20:6000": a WAN port range mapped onto
 * an inside port range of the same length. */
int ng_nat_parse_forward(const char *s, struct ng_nat_forward *f)
{
	char addr[16];
	size_t i;

	memset(f, 0, sizeof(*f));
	if (!strncmp(s, "tcp:", 4))
		f->proto = NG_IP_PROTO_TCP;
	else if (!strncmp(s, "udp:", 4))
		f->proto = NG_IP_PROTO_UDP;
	else
		return -NG_EINVAL;
	s += 4;
	if (parse_port(&s, &f->port_lo))
		return -NG_EINVAL;
	f->port_hi = f->port_lo;
	if (*s == '-') {
		s++;
		if (parse_port(&s, &f->port_hi) || f->port_hi < f->port_lo)
			return -NG_EINVAL;
	}
	if (*s++ != '=')
		return -NG_EINVAL;
	for (i = 0; *s && *s != ':' && i < sizeof(addr) - 1; i++)
		addr[i] = *s++;
	addr[i] = 0;
	if (*s++ != ':' || ng_ip4_parse(addr, &f->in_addr, NULL))
		return -NG_EINVAL;
	if (parse_port(&s, &f->in_port) || *s)
		return -NG_EINVAL;
	if ((uint32_t)f->in_port + (f->port_hi - f->port_lo) > 65535)
		return -NG_EINVAL;
	return 0;
}

static const struct {
	const char *name;
	int cls; /* enum ng_nat_tclass, or -1 for the SYN hold time */
} tmo_names[] = {
    {"tcp-established", NG_NAT_T_TCP_EST},
    {"tcp-transitory", NG_NAT_T_TCP_TRANS},
    {"tcp-rst", NG_NAT_T_TCP_RST},
    {"udp", NG_NAT_T_UDP},
    {"icmp", NG_NAT_T_ICMP},
    {"syn-hold", -1},
};

/* "tcp-established=7440,udp=300,...": any subset, in any order. */
int ng_nat_parse_timeouts(const char *s, struct ng_nat_config *c)
{
	while (*s) {
		size_t k, len = strcspn(s, "=");
		unsigned long v;
		char *end;
		bool found = false;

		for (k = 0; k < NG_ARRAY_SIZE(tmo_names); k++) {
			if (strlen(tmo_names[k].name) != len || strncmp(s, tmo_names[k].name, len))
				continue;
			if (s[len] != '=' || s[len + 1] < '0' || s[len + 1] > '9')
				return -NG_EINVAL;
			v = strtoul(s + len + 1, &end, 10);
			if (v == 0 || v > 30 * 86400 || (*end && *end != ','))
				return -NG_EINVAL;
			if (tmo_names[k].cls < 0)
				c->syn_hold_s = (uint32_t)v;
			else
				c->timeout_s[tmo_names[k].cls] = (uint32_t)v;
			s = *end ? end + 1 : end;
			found = true;
			break;
		}
		if (!found)
			return -NG_EINVAL;
	}
	return 0;
}

int ng_nat_parse_filter(const char *s, enum ng_nat_filter *f)
{
	if (!strcmp(s, "endpoint"))
		*f = NG_NAT_FILTER_ENDPOINT;
	else if (!strcmp(s, "address"))
		*f = NG_NAT_FILTER_ADDRESS;
	else if (!strcmp(s, "address-port"))
		*f = NG_NAT_FILTER_ADDRESS_PORT;
	else
		return -NG_EINVAL;
	return 0;
}

/* Forwards are few (at most NG_NAT_MAX_FORWARDS), so a scan is cheap; it runs only when a flow
 * is being created or a port chosen, never per translated packet. */
const struct ng_nat_forward *nat_forward_find(const struct ng_nat *n, uint8_t proto, uint16_t port)
{
	unsigned i;

	for (i = 0; i < n->cfg.n_fwd; i++) {
		const struct ng_nat_forward *f = &n->cfg.fwd[i];
		if (f->proto == proto && port >= f->port_lo && port <= f->port_hi)
			return f;
	}
	return NULL;
}
