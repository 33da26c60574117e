"""A tiny app for the deployer's tests: answers every GET with its release
marker and its host name; BROKEN=1 makes it fail at start."""

import http.server
import os
import socket
import sys
import time
from urllib import parse

MARKER = os.environ.get('SOLUM_MARKER', 'none')
if os.environ.get('BROKEN') == '1':
    sys.stderr.write('boom: this release is broken on purpose\n')
    sys.exit(3)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    # Headers and body go out in two writes: without TCP_NODELAY every
    # keep-alive answer waits ~40 ms for a delayed ACK (as gunicorn and
    # every production server know).
    disable_nagle_algorithm = True

    def do_GET(self):
        # ?work=N: spend N ms of CPU, as an app rendering a page would.
        query = parse.parse_qs(parse.urlsplit(self.path).query)
        work = float(query.get('work', ['0'])[0]) / 1000.0
        deadline = time.perf_counter() + work
        while time.perf_counter() < deadline:
            pass
        body = ('%s %s %s\n' % (MARKER, socket.gethostname(),
                                self.path)).encode()
        self.send_response(200)
        self.send_header('Content-Type', 'text/plain')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        sys.stdout.write('request %s\n' % (fmt % args))
        sys.stdout.flush()


print('serving release %s on port %s' % (MARKER, os.environ['PORT']),
      flush=True)
http.server.ThreadingHTTPServer(
    # inside its container: the port is published on the host's loopback
    ('0.0.0.0', int(os.environ['PORT'])), Handler).serve_forever()  # noqa: S104
