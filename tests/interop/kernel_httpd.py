# SPDX-License-Identifier: MIT
# kernel_httpd.py - the kernel-side HTTP/1.1 server of the TCP interop tests: Python's
# http.server (GET and HEAD of files under ROOT, Content-Length on every response), taught PUT:
# a Content-Length body is stored under ROOT, renamed into place once complete, answered 201.
# Usage: kernel_httpd.py ADDR PORT ROOT   (prints "listening" once it accepts connections)
import functools, http.server, os, sys

class Handler(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_PUT(self):
        length = self.headers.get("Content-Length")
        if length is None:
            self.send_error(411)
            return
        left = int(length)
        path = self.translate_path(self.path)
        tmp = path + ".part"
        with open(tmp, "wb") as f:
            while left > 0:
                chunk = self.rfile.read(min(left, 1 << 20))
                if not chunk:
                    break
                f.write(chunk)
                left -= len(chunk)
        if left:
            os.unlink(tmp)
            self.close_connection = True
            return
        os.rename(tmp, path)
        self.send_response(201)
        self.send_header("Content-Length", "0")
        self.end_headers()

addr, port, root = sys.argv[1], int(sys.argv[2]), sys.argv[3]
srv = http.server.ThreadingHTTPServer((addr, port), functools.partial(Handler, directory=root))
print("listening", flush=True)
srv.serve_forever()
