"""Envelope encryption: each record has its own AES-256-GCM data key, wrapped by a master key.

A record stores the master key's id, the wrapped data key and the ciphertext. Rotating
the master key re-wraps only the data keys; the ciphertexts never change. The record's
id is bound in as associated data, so a ciphertext can't be moved to another record.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

NONCE_BYTES = 12


@dataclass(frozen=True)
class MasterKey:
    key_id: str
    secret: bytes

    @classmethod
    def from_secret(cls, secret: bytes) -> MasterKey:
        if len(secret) != 32:
            raise ValueError("a master key is 32 bytes (base64 of 32 random bytes)")
        return cls(key_id="mk_" + hashlib.sha256(secret).hexdigest()[:16], secret=secret)


@dataclass(frozen=True)
class Sealed:
    key_id: str
    wrapped_key: bytes  # nonce + AES-GCM(master, data key)
    ciphertext: bytes  # nonce + AES-GCM(data key, plaintext)


def _encrypt(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def _decrypt(key: bytes, blob: bytes, aad: bytes) -> bytes:
    return AESGCM(key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], aad)


def seal(master: MasterKey, plaintext: bytes, *, record_id: str) -> Sealed:
    data_key = AESGCM.generate_key(bit_length=256)
    aad = record_id.encode()
    return Sealed(
        key_id=master.key_id,
        wrapped_key=_encrypt(master.secret, data_key, aad + master.key_id.encode()),
        ciphertext=_encrypt(data_key, plaintext, aad),
    )


def unseal(master: MasterKey, sealed: Sealed, *, record_id: str) -> bytes:
    aad = record_id.encode()
    data_key = _decrypt(master.secret, sealed.wrapped_key, aad + master.key_id.encode())
    return _decrypt(data_key, sealed.ciphertext, aad)


def rewrap(old: MasterKey, new: MasterKey, sealed: Sealed, *, record_id: str) -> Sealed:
    """The same data key and ciphertext, wrapped by `new` instead of `old`."""
    aad = record_id.encode()
    data_key = _decrypt(old.secret, sealed.wrapped_key, aad + old.key_id.encode())
    return Sealed(
        key_id=new.key_id,
        wrapped_key=_encrypt(new.secret, data_key, aad + new.key_id.encode()),
        ciphertext=sealed.ciphertext,
    )
