// SPDX-License-Identifier: MIT
/* Short names of natgate's error codes. */
#include "natgate/err.h"

/* "ECONNREFUSED" for NG_ECONNREFUSED or -NG_ECONNREFUSED; "OK" for 0; "E?" if unknown. */
const char *ng_strerror(int err)
{
	if (err < 0)
		err = -err;
	switch (err) {
	case NG_OK:
		return "OK";
	case NG_ENOENT:
		return "ENOENT";
	case NG_EAGAIN:
		return "EAGAIN";
	case NG_ENOMEM:
		return "ENOMEM";
	case NG_EEXIST:
		return "EEXIST";
	case NG_EINVAL:
		return "EINVAL";
	case NG_EPIPE:
		return "EPIPE";
	case NG_EBADMSG:
		return "EBADMSG";
	case NG_EMSGSIZE:
		return "EMSGSIZE";
	case NG_EADDRINUSE:
		return "EADDRINUSE";
	case NG_ENETUNREACH:
		return "ENETUNREACH";
	case NG_ECONNABORTED:
		return "ECONNABORTED";
	case NG_ECONNRESET:
		return "ECONNRESET";
	case NG_ENOBUFS:
		return "ENOBUFS";
	case NG_EISCONN:
		return "EISCONN";
	case NG_ENOTCONN:
		return "ENOTCONN";
	case NG_ETIMEDOUT:
		return "ETIMEDOUT";
	case NG_ECONNREFUSED:
		return "ECONNREFUSED";
	case NG_EHOSTUNREACH:
		return "EHOSTUNREACH";
	case NG_EALREADY:
		return "EALREADY";
	case NG_EINPROGRESS:
		return "EINPROGRESS";
	}
	return "E?";
}
