"""Checks on the members of an uploaded zip, made before anything is extracted. Pure.

A zip is judged by its central directory: how many members, their total uncompressed size,
each member's compression ratio (a zip bomb expands a few kilobytes into gigabytes) and
their paths (absolute paths and ``..`` would escape the directory they are extracted to).
Extraction then reads at most the declared sizes, so the checks hold for the bytes written.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from gridsvc.errors import InvalidInput

#: Members smaller than this are never judged by their ratio: they cannot expand far.
RATIO_FLOOR_BYTES = 1024**2
SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")
_DRIVE = re.compile(r"^[A-Za-z]:")


@dataclass(frozen=True)
class ZipLimits:
    """How large and how many files an uploaded zip may hold."""

    max_members: int = 100
    max_uncompressed_bytes: int = 1024**3
    max_ratio: float = 200.0


@dataclass(frozen=True)
class Member:
    """One entry of a zip's directory: its name and sizes in bytes."""

    name: str
    compressed_size: int
    uncompressed_size: int

    @property
    def is_dir(self) -> bool:
        return self.name.endswith("/")


def unsafe_path(name: str) -> str | None:
    """Why a member path is unsafe to extract (absolute, drive, ``..``), or None."""
    if "\x00" in name:
        return "its name holds a NUL character"
    posix = name.replace("\\", "/")
    if posix.startswith("/") or _DRIVE.match(posix):
        return "it has an absolute path"
    if ".." in PurePosixPath(posix).parts:
        return "its path climbs out of the archive ('..')"
    return None


def check_members(archive: str, members: Sequence[Member], limits: ZipLimits) -> None:
    """InvalidInput naming the first rule ``members`` break (count, size, ratio, path)."""
    if len(members) > limits.max_members:
        raise InvalidInput(
            f"{archive} holds {len(members)} files; at most {limits.max_members} are accepted"
        )
    total = sum(m.uncompressed_size for m in members)
    if total > limits.max_uncompressed_bytes:
        raise InvalidInput(
            f"{archive} expands to {total} bytes; at most "
            f"{limits.max_uncompressed_bytes} are accepted"
        )
    for m in members:
        reason = unsafe_path(m.name)
        if reason:
            raise InvalidInput(f"{archive}: member '{m.name}' is refused because {reason}")
        if m.uncompressed_size > RATIO_FLOOR_BYTES:
            ratio = m.uncompressed_size / max(m.compressed_size, 1)
            if ratio > limits.max_ratio:
                raise InvalidInput(
                    f"{archive}: member '{m.name}' is compressed {ratio:.0f} times; at most "
                    f"{limits.max_ratio:.0f} is accepted (a zip bomb?)"
                )


def shapefile_members(archive: str, members: Sequence[Member]) -> dict[str, str]:
    """The parts of the one Shapefile in ``members``, by suffix (``.shp`` → member name).

    InvalidInput when the zip holds no Shapefile or several.
    """
    shps = [m.name for m in members if not m.is_dir and m.name.lower().endswith(".shp")]
    if not shps:
        raise InvalidInput(f"{archive} holds no Shapefile (.shp)")
    if len(shps) > 1:
        raise InvalidInput(
            f"{archive} holds {len(shps)} Shapefiles ({', '.join(sorted(shps)[:5])}); "
            "send one per zip"
        )
    stem = shps[0][:-4]
    parts: dict[str, str] = {}
    for m in members:
        suffix = m.name[len(stem) :].lower()
        if m.name[: len(stem)] == stem and suffix in SHAPEFILE_PARTS:
            parts[suffix] = m.name
    return parts
