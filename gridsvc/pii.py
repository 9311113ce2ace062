"""Personal data (PIPL, SPEC §8): masked forms, a keyed hash of ID numbers, and sealing of
full values. Pure: no I/O; the key comes from the caller (gridsvc.keyfiles).

Full values are sealed with AES-256-GCM (random 96-bit nonce per value), so equal values
give different ciphertexts; ID numbers are also hashed with keyed BLAKE2b so that a person
can be found by ID number without decrypting anything. Both keys are derived from one
32-byte master key; masked forms are what every response shows.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping, Sequence

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

#: The personal fields of a person or staff member that are sealed, in this order.
SEALED_FIELDS = ("name", "id_number", "phone", "address", "birth_date")
_VERSION = b"\x01"
_NONCE = 12


def _subkey(master: bytes, purpose: bytes) -> bytes:
    return hashlib.blake2b(purpose, key=master, digest_size=32).digest()


class Keyring:
    """Seal, unseal and hash personal values with keys derived from a 32-byte master key."""

    def __init__(self, master: bytes):
        if len(master) != 32:
            raise ValueError("the personal-data key must be 32 bytes")
        self._aead = AESGCM(_subkey(master, b"gridsvc seal v1"))
        self._hash_key = _subkey(master, b"gridsvc id hash v1")

    def seal(self, values: Mapping[str, str | None]) -> bytes:
        """One sealed blob holding ``values`` (the SEALED_FIELDS present and not None)."""
        return self.seal_many([values])[0]

    def seal_many(self, rows: Iterable[Mapping[str, str | None]]) -> list[bytes]:
        """A sealed blob per row (see seal)."""
        plains = []
        for row in rows:
            kept = {k: row[k] for k in SEALED_FIELDS if row.get(k) is not None}
            plains.append(json.dumps(kept, ensure_ascii=False, separators=(",", ":")).encode())
        return self.seal_json_many(plains)

    def seal_json_many(self, plains: Sequence[bytes]) -> list[bytes]:
        """A sealed blob per UTF-8 JSON object (already encoded: the bulk path of seal_many)."""
        nonces = os.urandom(_NONCE * len(plains))
        encrypt = self._aead.encrypt
        out = []
        for i, plain in enumerate(plains):
            nonce = nonces[i * _NONCE : (i + 1) * _NONCE]
            out.append(_VERSION + nonce + encrypt(nonce, plain, _VERSION))
        return out

    def unseal(self, blob: bytes) -> dict[str, str]:
        """The values sealed in ``blob``; ValueError when it was not sealed with this key."""
        if not blob or blob[:1] != _VERSION:
            raise ValueError("unknown sealed-value format")
        nonce, body = blob[1 : 1 + _NONCE], blob[1 + _NONCE :]
        try:
            plain = self._aead.decrypt(nonce, body, _VERSION)
        except Exception as exc:  # cryptography raises InvalidTag
            raise ValueError("sealed value does not open with this key") from exc
        data = json.loads(plain)
        return {str(k): str(v) for k, v in data.items()}

    def id_hash(self, id_number: str) -> bytes:
        """Keyed 16-byte hash of a normalised ID number (for lookup, not reversible)."""
        return hashlib.blake2b(id_number.encode(), key=self._hash_key, digest_size=16).digest()

    def id_hashes(self, id_numbers: Sequence[str | None]) -> list[bytes | None]:
        """id_hash of each value; None stays None."""
        key = self._hash_key
        return [
            None if v is None else hashlib.blake2b(v.encode(), key=key, digest_size=16).digest()
            for v in id_numbers
        ]


def mask_name(name: str | None) -> str | None:
    """Surname (first character) then ``*``: 张三丰 → 张*; Latin names keep their initial."""
    if not name:
        return name
    text = name.strip()
    return text[:1] + "*" if text else text


def mask_id_number(id_number: str | None) -> str | None:
    """First 6 and last 4 characters, 8 stars between: 530302********123X."""
    if not id_number:
        return id_number
    if len(id_number) <= 10:
        return "*" * len(id_number)
    return id_number[:6] + "*" * (len(id_number) - 10) + id_number[-4:]


def mask_phone(phone: str | None) -> str | None:
    """A mobile number keeps its first 3 and last 4 digits (138****1234); others the last 4."""
    if not phone:
        return phone
    if len(phone) == 11 and phone.isdigit():
        return phone[:3] + "****" + phone[-4:]
    if len(phone) <= 4:
        return "*" * len(phone)
    return "*" * (len(phone) - 4) + phone[-4:]
