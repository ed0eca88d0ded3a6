"""`lynk listen`: receive a merchant's events as they happen and forward them, signed, to a local URL.

It long-polls `GET /v1/listen/events` (a Lynk extension) with the secret key, signs each
event with a secret made for this session (printed first), exactly as deliveries are
signed, POSTs it to `--forward-to` and prints one line per event, like `stripe listen`.

It follows the server's `cursor`: events come in commit order and each answer says where the
next one starts, so no event is skipped, even one whose transaction committed late, and none
is forwarded twice.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from lynk.core.ids import random_token
from lynk.webhooks.signing import signature_header

POLL_SECONDS = 25
FORWARD_TIMEOUT_SECONDS = 10.0


class ListenError(Exception):
    """The API refused (bad key, unknown event…): the message says why."""


@dataclass
class Listener:
    api_key: str
    forward_to: str
    api_base: str
    events: Sequence[str]
    say: Callable[[str], None]
    secret: str = ""

    def __post_init__(self) -> None:
        self.secret = self.secret or f"whsec_{random_token(32)}"
        self._api = httpx.Client(
            base_url=self.api_base.rstrip("/"),
            headers={"Authorization": f"Bearer {self.api_key}"},
            timeout=httpx.Timeout(10.0, read=POLL_SECONDS + 15),
        )
        self._out = httpx.Client(timeout=FORWARD_TIMEOUT_SECONDS)

    def close(self) -> None:
        self._api.close()
        self._out.close()

    def _get(self, path: str, params: dict[str, Any]) -> dict[str, Any]:
        response = self._api.get(path, params=params)
        body: dict[str, Any] = response.json()
        if response.status_code != 200:
            raise ListenError(body.get("error", {}).get("message", f"HTTP {response.status_code}"))
        return body

    def start(self) -> tuple[str, list[dict[str, Any]]]:
        """Check the key and the event types, and find where "now" is: only later events are forwarded."""
        first = self.poll("now", wait=0)
        return first["cursor"], first["data"]

    def poll(self, after: str, *, wait: int = POLL_SECONDS) -> dict[str, Any]:
        """One long-poll: the events after the cursor `after`, in commit order, and the next cursor."""
        params: dict[str, Any] = {"timeout": wait, "after": after}
        if self.events:
            params["types[]"] = list(self.events)
        return self._get("/v1/listen/events", params)

    def forward(self, event: dict[str, Any]) -> None:
        stamp = datetime.now().strftime("%Y-%m-%d %H:%M:%S")
        self.say(f"{stamp}   --> {event['type']} [{event['id']}]")
        payload = json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode()
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Lynk-CLI (lynk listen)",
            "Stripe-Signature": signature_header([self.secret], payload, int(time.time())),
        }
        try:
            response = self._out.post(self.forward_to, content=payload, headers=headers)
            result = f"[{response.status_code}]"
        except httpx.TimeoutException:
            result = "[timeout]"
        except httpx.HTTPError as error:
            result = f"[error: {type(error).__name__}]"
        stamp = datetime.now().strftime("%Y-%m-%d %H:%M:%S")
        self.say(f"{stamp}  <--  {result} POST {self.forward_to} [{event['id']}]")

    def run(self) -> None:
        after, found = self.start()
        self.say(f"Ready! Your webhook signing secret is {self.secret} (^C to quit)")
        while True:
            for event in found:
                self.forward(event)
            try:
                answer = self.poll(after)
            except httpx.TransportError as error:
                self.say(f"Lost the connection to {self.api_base} ({type(error).__name__}); retrying in 2 s")
                time.sleep(2)
                found = []
                continue
            found, after = answer["data"], answer["cursor"]
