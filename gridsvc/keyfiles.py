"""Secrets kept in the state directory: created once (0600, atomically), then read."""

from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path

from gridsvc.pii import Keyring
from gridsvc.settings import Settings


def stored_secret(path: Path, nbytes: int = 32) -> str:
    """The secret in ``path``, created as ``nbytes`` random URL-safe bytes when missing."""
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process created it first
            return path.read_text().strip()
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(nbytes) + "\n")
    return path.read_text().strip()


def session_secret(settings: Settings) -> str:
    """The configured session secret, or a random one kept in the state directory."""
    return settings.session_secret or stored_secret(settings.home / "session-secret")


def keyring(settings: Settings) -> Keyring:
    """The personal-data keyring: GRIDSVC_PII_KEY (base64 of 32 bytes) or a kept random key."""
    text = settings.pii_key or stored_secret(settings.home / "pii-key")
    try:
        master = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except ValueError as exc:
        raise ValueError("GRIDSVC_PII_KEY must be the base64 of 32 bytes") from exc
    if len(master) != 32:
        raise ValueError("GRIDSVC_PII_KEY must be the base64 of 32 bytes")
    return Keyring(master)
