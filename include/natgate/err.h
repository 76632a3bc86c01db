/* SPDX-License-Identifier: MIT */
/* natgate error codes: negative returns, numerically equal to Linux errno values. */
#ifndef NATGATE_ERR_H
#define NATGATE_ERR_H

enum ng_err {
	NG_OK = 0,
	NG_ENOENT = 2,
	NG_EAGAIN = 11,
	NG_ENOMEM = 12,
	NG_EEXIST = 17,
	NG_EINVAL = 22,
	NG_EPIPE = 32,
	NG_EBADMSG = 74,
	NG_EMSGSIZE = 90,
	NG_EADDRINUSE = 98,
	NG_ENETUNREACH = 101,
	NG_ECONNABORTED = 103,
	NG_ECONNRESET = 104,
	NG_ENOBUFS = 105,
	NG_EISCONN = 106,
	NG_ENOTCONN = 107,
	NG_ETIMEDOUT = 110,
	NG_ECONNREFUSED = 111,
	NG_EHOSTUNREACH = 113,
	NG_EALREADY = 114,
	NG_EINPROGRESS = 115,
};

/* Short name of an error code (positive or negative), e.g. "ECONNREFUSED". */
const char *ng_strerror(int err);

#endif
