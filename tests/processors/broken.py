"""A processor that is down in a chosen way: a local HTTP server speaking just enough of Stripe's API
to fail (every POST answers 500), and to say, or not, that it recorded nothing (its search); or one that
dies in the middle of a payment (it reads the request, stops listening and drops the connection)."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Literal

Search = Literal["empty", "error", "dies", "refuses", "hangs", "silent"]
# hangs: a payment gets no answer (until the processor is shut), its search answers that nothing was recorded;
# silent: neither gets an answer.


@contextmanager
def broken_processor(search: Search) -> Iterator[tuple[str, list[str]]]:
    """(base URL, the paths it was sent): POSTs fail with 500; a search answers no results or 500 too."""
    seen: list[str] = []
    released = threading.Event()  # set at exit: a hanging request then ends without an answer

    class Handler(BaseHTTPRequestHandler):
        def _answer(self, status: int, body: dict[str, object]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            seen.append(f"POST {self.path}")
            self.rfile.read(int(self.headers.get("Content-Length") or 0))  # read, never kept: it holds a card
            if search == "refuses":  # a 400: the request itself is wrong, nothing was done
                error = {"type": "invalid_request_error", "code": "parameter_unknown", "message": "Unknown parameter."}
                self._answer(400, {"error": error})
                return
            if search in ("hangs", "silent"):
                released.wait(120)
                self.close_connection = True
                return
            if search == "dies":  # killed mid-payment: no new connection is taken, this one gets no answer
                server.socket.close()
                self.connection.shutdown(socket.SHUT_RDWR)
                self.close_connection = True
                return
            self._answer(500, {"error": {"type": "api_error", "message": "Internal error"}})

        def do_GET(self) -> None:
            seen.append(f"GET {self.path.split('?')[0]}")
            if search == "silent":
                released.wait(120)
                self.close_connection = True
                return
            if search in ("empty", "hangs"):
                self._answer(200, {"object": "search_result", "data": [], "has_more": False, "url": self.path})
            else:
                self._answer(500, {"error": {"type": "api_error", "message": "Internal error"}})

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        released.set()
        server.shutdown()
        server.server_close()
