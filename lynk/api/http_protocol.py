"""The HTTP/1.1 protocol `lynk serve` runs: uvicorn's own (httptools where installed, else h11), except that
a request it cannot parse is answered in Stripe's error shape.

uvicorn answers such a request itself, before any of Lynk's code sees it, with a plain-text 400. httptools
refuses, for one, a request line over 64 KB, which a client building a long query string (hundreds of
`expand[]`) can reach: the SDKs read a JSON `error` object, and get one here."""

from __future__ import annotations

import json

from uvicorn.protocols.http.auto import AutoHTTPProtocol

NAME = "lynk.api.http_protocol:LynkHTTPProtocol"  # how uvicorn's `http=` names it (an import string)
_MESSAGE = (
    "The request could not be read as HTTP/1.1: check its request line and headers. A URL is limited to 64 KB; "
    "send long parameters in a POST body."
)


class LynkHTTPProtocol(AutoHTTPProtocol):  # type: ignore[misc, valid-type]
    def send_400_response(self, msg: str) -> None:
        """uvicorn's answer to a request it cannot parse (`msg` is its own reason, already logged), as JSON."""
        body = json.dumps({"error": {"message": _MESSAGE, "type": "invalid_request_error"}}, indent=2).encode()
        head = [b"HTTP/1.1 400 Bad Request\r\n"]
        head += [name + b": " + value + b"\r\n" for name, value in self.server_state.default_headers]
        head += [
            b"content-type: application/json\r\n",
            b"content-length: " + str(len(body)).encode("ascii") + b"\r\n",
            b"connection: close\r\n\r\n",
        ]
        self.transport.write(b"".join(head) + body)
        self.transport.close()
