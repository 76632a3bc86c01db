// SPDX-License-Identifier: MIT
// libFuzzer target for `natgate trace`: the capture reader, frame decoder and ladder builder.
/*
 * The first byte picks the mode. Odd: the rest is a capture file, read through libpcap from
 * memory (pcap or pcapng, any header values). Even: the rest is a run of frames, each a 2-byte
 * length and that many bytes, decoded with a link type chosen by the second byte; this reaches
 * the decoder and the state analysis far faster than through file headers. Either way the result
 * is rendered as text, JSON and SVG (to /dev/null) with folding on, so every renderer walks
 * whatever model the input produced.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../../tools/trace.c"
#include "../../tools/trace_json.c"
#include "../../tools/trace_model.c"
#include "../../tools/trace_svg.c"
#include "../../tools/trace_text.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int dlts[] = {NG_TRACE_DLT_EN10MB, NG_TRACE_DLT_LINUX_SLL, NG_TRACE_DLT_LINUX_SLL2,
                           NG_TRACE_DLT_RAW,    NG_TRACE_DLT_IPV4,      NG_TRACE_DLT_NULL,
                           NG_TRACE_DLT_LOOP,   NG_TRACE_DLT_RAW_BSD};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *sink;
	if (!sink)
		sink = fopen("/dev/null", "w");
	if (size < 2 || !sink)
		return 0;

	struct ng_trace_opts o;
	ng_trace_opts_default(&o);
	o.limit = 4;
	o.max_events = 5000;
	struct ng_trace t;
	ng_trace_init(&t, &o);
	if (data[0] & 1) {
		FILE *f = fmemopen((void *)(data + 1), size - 1, "rb");
		if (!f) {
			ng_trace_free(&t);
			return 0;
		}
		(void)ng_trace_read_stream(&t, f, sink);
	} else {
		int dlt = dlts[data[1] % (sizeof(dlts) / sizeof(dlts[0]))];
		size_t off = 2;
		uint64_t ts = 1000000000ull;
		while (off + 2 <= size) {
			size_t len = (size_t)data[off] << 8 | data[off + 1];
			off += 2;
			if (len > size - off)
				len = size - off;
			/* the wire length may claim more than was captured */
			size_t wire = len + (data[off - 1] & 0x80 ? 1000 : 0);
			if (ng_trace_frame(&t, dlt, data + off, len, wire, ts) < 0)
				break;
			ts += 1000 + (len ? data[off] : 0) * 1000ull;
			off += len;
		}
	}
	ng_trace_text(&t, sink);
	ng_trace_json(&t, sink);
	ng_trace_svg(&t, sink);
	ng_trace_free(&t);
	return 0;
}
