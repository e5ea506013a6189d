"""The simulator's HTTP plumbing: a keep-alive handler and a loopback-only server.

The request logic lives in :class:`openrouter_frame.testing.Simulator`; this
module only moves bytes, counts connections and shuts them down cleanly.
"""

from __future__ import annotations

import socket
import socketserver
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .testing import Simulator


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "OpenRouterSimulator/1.0"
    sys_version = ""
    disable_nagle_algorithm = True
    wbufsize = -1  # buffer headers + body into one write, flushed per request
    timeout = 60  # idle keep-alive connections are closed after this
    server: Server

    def setup(self) -> None:
        super().setup()
        self.conn_id = self.server.register(self)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.unregister(self)

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default per-request stderr log."""

    def _handle(self) -> None:
        sim = self.server.simulator
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        arrival = time.monotonic()
        number = sim._enter()
        reply = None
        try:
            # Always sleep, if only for 0 s: that yields the GIL like a real server's
            # I/O would, so concurrent requests overlap (and max_in_flight shows it).
            time.sleep(sim.latency_ms / 1000)
            reply = sim._reply(self.command, self.path, self.headers.get("Authorization"),
                               number, arrival)
            sim._count(reply.status)  # before the client can see the answer
            if reply.drop:
                self.close_connection = True
                return
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)
            self.wfile.flush()
        finally:
            if reply is None:  # the simulator itself failed: the connection drops
                sim._count(0)
            sim._leave()

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle


class Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 128

    def __init__(self, simulator: Simulator) -> None:
        self.simulator = simulator
        self._open: dict[int, tuple[socket.socket, threading.Thread]] = {}
        self._open_lock = threading.Lock()
        self._next_conn = 0
        self._closing = False
        super().__init__(("127.0.0.1", 0), Handler)

    def server_bind(self) -> None:
        # Skip HTTPServer.server_bind's socket.getfqdn(): a reverse DNS lookup.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = "127.0.0.1", self.server_address[1]

    def register(self, handler: Handler) -> int:
        with self._open_lock:
            self._next_conn += 1
            self._open[self._next_conn] = (handler.connection, threading.current_thread())
            with self.simulator._lock:
                self.simulator.stats.connections += 1
            if self._closing:  # accepted just before close(): end it at once
                shut(handler.connection)
            return self._next_conn

    def unregister(self, handler: Handler) -> None:
        with self._open_lock:
            self._open.pop(getattr(handler, "conn_id", -1), None)

    def close_connections(self, timeout: float = 5.0) -> None:
        """Shut every open connection so idle keep-alive handlers end, then join them."""
        with self._open_lock:
            self._closing = True
            open_now = list(self._open.values())
        for sock, _ in open_now:
            shut(sock)
        deadline = time.monotonic() + timeout
        for _, thread in open_now:
            thread.join(max(0.0, deadline - time.monotonic()))

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet about clients that went away; report anything else."""
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


def shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
