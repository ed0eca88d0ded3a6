"""Where master keys come from.

- `LYNK_MASTER_KEY` (base64 of 32 bytes) is the current key; `LYNK_RETIRED_MASTER_KEYS`
  (comma-separated) are older keys still needed to read records not yet re-wrapped.
- With neither set and the embedded SQLite default, keys live in `LYNK_HOME/master-keys`
  (one base64 key per line, current first, mode 0600), generated with a warning the
  first time. Anywhere else (PostgreSQL) a missing key is a startup error.

A keyring that meets an unknown key id reloads that file once, so a server keeps
working while `lynk vault rotate-key` runs beside it.
"""

from __future__ import annotations

import base64
import binascii
import logging
import os
import secrets
from pathlib import Path

from lynk.core.config import Settings
from lynk.vault.crypto import MasterKey
from lynk.vault.errors import VaultKeyMissing

log = logging.getLogger("lynk.vault")
KEY_FILE = "master-keys"


class MasterKeyNotConfigured(RuntimeError):
    pass


def decode_key(text: str) -> MasterKey:
    try:
        return MasterKey.from_secret(base64.b64decode(text.strip(), validate=True))
    except (binascii.Error, ValueError):
        raise MasterKeyNotConfigured("a master key must be base64 of 32 random bytes") from None


def new_key_text() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


def key_file(settings: Settings) -> Path:
    return settings.home / KEY_FILE


def write_key_file(path: Path, keys: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text("\n".join(keys) + "\n")
    os.chmod(temporary, 0o600)
    temporary.replace(path)


class Keyring:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self.current, self._keys = self._load()

    def _load(self) -> tuple[MasterKey, dict[str, MasterKey]]:
        settings = self._settings
        if settings.master_key:
            current = decode_key(settings.master_key)
            retired = [decode_key(k) for k in (settings.retired_master_keys or "").split(",") if k.strip()]
        elif settings.database_url is None:
            path = key_file(settings)
            if not path.exists():
                log.warning("LYNK_MASTER_KEY is not set: generated a vault master key in %s. Back it up.", path)
                write_key_file(path, [new_key_text()])
            lines = [line for line in path.read_text().splitlines() if line.strip()]
            current, retired = decode_key(lines[0]), [decode_key(k) for k in lines[1:]]
        else:
            raise MasterKeyNotConfigured(
                "LYNK_MASTER_KEY must be set when Lynk runs on an external database: "
                "base64 of 32 random bytes, such as the output of `lynk vault new-key`."
            )
        return current, {key.key_id: key for key in [current, *retired]}

    def get(self, key_id: str) -> MasterKey:
        key = self._keys.get(key_id)
        if key is None:
            self.current, self._keys = self._load()
            key = self._keys.get(key_id)
        if key is None:
            raise VaultKeyMissing(key_id)
        return key
