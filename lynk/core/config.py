"""Settings read from the environment (and a `.env` file), as SPEC §2 lists them."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_PORT = 7242
# The Stripe API version whose shapes Lynk serves (what stripe-python 16.1 pins).
API_VERSION = "2026-10-28.endive"


def async_database_url(url: str) -> str:
    """Turn a URL as users write it into the async driver URL SQLAlchemy needs.

    `postgresql://` and `postgres://` use asyncpg, `sqlite:///` uses aiosqlite;
    a URL that already names a driver is kept as it is.
    """
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise ValueError(f"not a database URL: {url!r}")
    if "+" in scheme:
        return url
    if scheme in ("postgresql", "postgres"):
        return f"postgresql+asyncpg://{rest}"
    if scheme == "sqlite":
        return f"sqlite+aiosqlite://{rest}"
    raise ValueError(f"unsupported database scheme {scheme!r}: use postgresql:// or sqlite:///")


_WILDCARDS = ("", "0.0.0.0", "::")  # noqa: S104 (names of "every interface", compared, never bound here)
_LOOPBACK = ("localhost", "::1")


def served_url(host: str, port: int) -> str:
    """Where a browser on this machine reaches `lynk serve --host HOST --port PORT`: the default
    public URL (a wildcard address is reached through loopback)."""
    shown = "127.0.0.1" if host in _WILDCARDS else host
    return f"http://[{shown}]:{port}" if ":" in shown else f"http://{shown}:{port}"


def public_url_mismatch(public_url: str, host: str, port: int) -> str | None:
    """Why a configured public URL cannot reach this server, if it names this machine on another port.

    A public URL on another host is a proxy in front of Lynk (`https://pay.example.com`): that is
    expected, and not checked."""
    parts = urlsplit(public_url)
    name = parts.hostname or ""
    if not (name in _LOOPBACK or name.startswith("127.") or name == host):
        return None
    their_port = parts.port or (443 if parts.scheme == "https" else 80)
    if their_port == port:
        return None
    return (
        f"LYNK_PUBLIC_URL is {public_url} but Lynk serves on port {port}: checkout and 3-D Secure links "
        f"will point at port {their_port}. Unset LYNK_PUBLIC_URL to use {served_url(host, port)}, or fix it."
    )


class Settings(BaseSettings):
    """Everything an operator configures. Field `x` reads the variable `LYNK_X`."""

    model_config = SettingsConfigDict(env_prefix="LYNK_", env_file=".env", extra="ignore")

    home: Path = Field(default=Path(".lynk"), description="Data folder")
    database_url: str | None = Field(default=None, description="Defaults to SQLite in `home`")
    master_key: str | None = Field(default=None, description="Vault master key, base64 of 32 bytes")
    retired_master_keys: str | None = Field(
        default=None, description="Comma-separated older master keys, readable until `lynk vault rotate-key` ends"
    )
    public_url: str = Field(
        default=f"http://127.0.0.1:{DEFAULT_PORT}",
        description="Where shoppers' browsers reach Lynk (checkout and 3-D Secure links). `lynk serve` "
        "defaults it to the host and port it serves on",
    )
    redis_url: str | None = None
    # Operations (docs/production.md). /metrics answers only with a token, or on its own port.
    metrics_token: str | None = Field(default=None, description="Bearer token that /metrics on the main port asks for")
    metrics_port: int | None = Field(default=None, description="Serve /metrics on this port instead of the main one")
    metrics_host: str = Field(default="127.0.0.1", description="Interface of the metrics port")
    log_format: Literal["text", "json"] = Field(default="text", description="`json`: one JSON object per log line")
    max_body_bytes: int = Field(default=1_000_000, description="Largest request body accepted")
    db_pool_timeout_seconds: float = Field(
        default=10.0, description="Longest a request waits for a database connection before a 503"
    )
    db_statement_timeout_ms: int = Field(default=30_000, description="PostgreSQL statement_timeout of every session")
    auth_cache_seconds: float = Field(
        default=1.0,
        description="How long a process trusts an API key it read (a revocation elsewhere shows within it)",
    )
    listen_per_merchant: int = Field(default=4, description="Concurrent `lynk listen` long-polls a merchant may hold")
    max_page_body_bytes: int = Field(
        default=64_000, description="Largest body a page (checkout, account, 3-D Secure) accepts"
    )
    idempotency_retention_seconds: int = 24 * 3600
    inprocess_worker: bool = Field(default=True, description="Run background jobs inside `lynk serve`")
    maintenance_interval_seconds: int = Field(
        default=60, description="How often the in-process worker runs its clock-driven jobs"
    )
    bank_debit_settlement_seconds: int = Field(
        default=180,
        description="How long after confirmation an ACH debit is asked for the bank's verdict. Short, as in "
        "Stripe's test mode; real ACH takes about 4 business days (345600)",
    )
    ach_fee_bps: int = Field(default=80, description="ACH debit fee in basis points of the amount (0.8%)")
    ach_fee_cap: int = Field(default=500, description="Largest ACH debit fee, in minor units ($5.00)")
    dispute_fee: int = Field(default=1500, description="Fee withdrawn with a disputed amount, in minor units")
    dispute_evidence_seconds: int = Field(
        default=7 * 24 * 3600, description="How long a merchant has to respond to a dispute (`evidence_details.due_by`)"
    )
    dispute_review_seconds: int = Field(
        default=0, description="How long submitted evidence is under review before the test-mode outcome"
    )
    webhook_private_targets: Literal["test", "never", "always"] = Field(
        default="test",
        description="Webhook endpoints at private or loopback addresses: allowed in test mode only (test), "
        "never, or always",
    )
    webhook_timeout_seconds: float = Field(default=10.0, description="Timeout of one webhook delivery request")
    webhook_lease_seconds: int = Field(
        default=60, description="A delivery claimed by a worker that died is retried after this lease"
    )
    webhook_batch_size: int = Field(default=200, description="Deliveries one worker claims at a time")
    webhook_concurrency: int = Field(default=32, description="Webhook requests in flight per worker")
    webhook_endpoint_concurrency: int = Field(default=8, description="Webhook requests in flight per endpoint")
    webhook_poll_interval_seconds: float = Field(default=0.25, description="Worker wait when nothing is due")
    webhook_retry_window_seconds: int = Field(default=3 * 24 * 3600, description="Retry a delivery this long")
    webhook_disable_after_seconds: int = Field(
        default=5 * 24 * 3600, description="Disable an endpoint whose deliveries have all failed this long"
    )
    idempotency_lock_seconds: int = Field(
        default=60,
        description="A key in flight longer than this (a crashed request) is released; sooner when its process died",
    )
    simulator_latency_ms: int = Field(
        default=0,
        ge=0,
        description="How long the test-mode simulator waits (after it acted) before it answers each call, in ms",
    )

    # Card testing (docs/fraud.md): declines in the last hour after which a source's next attempts are blocked.
    radar_declines_per_intent: int = Field(
        default=10,
        ge=0,
        description="Declines on one PaymentIntent in an hour before its attempts are blocked (0: off)",
    )
    radar_declines_per_ip: int = Field(
        default=10,
        ge=0,
        description="Declines from one shopper IP address (publishable-key confirms) in an hour, network-wide, "
        "before its attempts are blocked (0: off)",
    )
    radar_declines_per_merchant: int = Field(
        default=200,
        ge=0,
        description="Declines at one merchant in an hour before its card attempts are blocked (0: off)",
    )

    # The Link network (docs/link.md). Windows are fixed, counted per process.
    link_code_ttl_seconds: int = Field(default=600, description="A verification code expires after this")
    link_resend_cooldown_seconds: int = Field(
        default=30, description='The hosted page\'s "Resend code" sends a new code only this long after the last'
    )
    link_code_max_attempts: int = Field(default=5, description="Wrong tries that burn a code")
    link_failures_before_lock: int = Field(
        default=10, description="Wrong codes that lock one source (a browser binding, an IP address) out of an account"
    )
    link_failures_before_account_lock: int = Field(
        default=50, description="Wrong codes from all sources that lock an account (a trusted device still verifies)"
    )
    link_lock_seconds: int = Field(default=900, description="How long verification stays locked")
    link_session_idle_seconds: int = Field(default=1800, description="A consumer session expires when idle this long")
    link_device_trust_days: int = Field(default=90, description="How long a remembered device is trusted")
    link_trusted_device_skips_code: bool = Field(
        default=True, description="A remembered browser (within its trust) is verified at lookup without a code"
    )
    link_sends_per_source: int = Field(default=5, description="Codes one browser has sent to one account per window")
    link_sends_per_account: int = Field(default=20, description="Codes sent to one account per window, all sources")
    link_sends_per_ip: int = Field(default=20, description="Codes sent for one IP address per window")
    link_sends_per_merchant: int = Field(default=1000, description="Codes sent at one merchant per window")
    link_send_window_seconds: int = 600
    # SMS pumping (docs/fraud.md): texts cost the operator money, so they have their own caps.
    link_sms_per_prefix_hourly: int = Field(
        default=30, ge=0, description="Codes texted per hour to numbers sharing all but their last 4 digits (0: off)"
    )
    link_sms_per_merchant_hourly: int = Field(
        default=500, ge=0, description="Codes texted per hour for one merchant's checkouts (0: off)"
    )
    link_sms_monthly_budget: int = Field(
        default=0,
        ge=0,
        description="Codes texted per calendar month (UTC) on the whole network, per mode (0: no budget)",
    )
    link_lookups_per_ip: int = Field(default=60, description="Lookups from one IP address per window")
    link_lookups_per_merchant: int = Field(default=3000, description="Lookups at one merchant per window")
    link_lookup_window_seconds: int = 60
    link_held_signup_seconds: int = Field(
        default=3600, description="An opt-in held for a 3-D Secure challenge is dropped when unfinished this long"
    )
    link_smtp_host: str | None = Field(default=None, description="Live-mode email: SMTP server")
    link_smtp_port: int = 587
    link_smtp_starttls: bool = True
    link_smtp_ssl: bool = False
    link_smtp_username: str | None = None
    link_smtp_password: str | None = None
    link_email_from: str = "Lynk <no-reply@lynk.invalid>"
    link_sms_webhook_url: str | None = Field(default=None, description="Live-mode SMS: an HTTP bridge to a provider")
    link_sms_webhook_secret: str | None = Field(default=None, description="Signs the SMS webhook body (HMAC-SHA256)")

    @cached_property
    def resolved_database_url(self) -> str:
        """The async SQLAlchemy URL: the configured one, or SQLite in `home`."""
        if self.database_url:
            return async_database_url(self.database_url)
        return f"sqlite+aiosqlite:///{(self.home / 'lynk.db').resolve()}"

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")
