"""Roles, principals and the one authorisation check. Pure: no I/O.

Keys look like ``gsk_<prefix>_<secret>``; only the SHA-256 of the whole key is stored.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
from dataclasses import dataclass, field
from enum import StrEnum

from gridsvc.errors import Forbidden, NotFound, Unauthorized


class Role(StrEnum):
    ADMIN = "admin"
    OPERATOR = "operator"
    GRID_LEADER = "grid_leader"
    INTEGRATOR = "integrator"
    PLANNER = "planner"


class Action(StrEnum):
    READ_UNITS = "read_units"
    READ_LAYERS = "read_layers"
    LOCATE = "locate"
    IMPORT_UNITS = "import_units"
    MANAGE_KEYS = "manage_keys"
    READ_AUDIT = "read_audit"
    EXPORT = "export"
    PUSH_CAMERA_EVENTS = "push_camera_events"
    READ_ELEMENTS = "read_elements"
    READ_PEOPLE = "read_people"
    REVEAL_PERSONAL_DATA = "reveal_personal_data"
    INGEST_ELEMENTS = "ingest_elements"
    READ_CAMERAS = "read_cameras"
    MANAGE_CAMERAS = "manage_cameras"


PERMISSIONS: dict[Role, frozenset[Action]] = {
    Role.ADMIN: frozenset(Action),
    Role.OPERATOR: frozenset(
        {
            Action.READ_UNITS,
            Action.READ_LAYERS,
            Action.LOCATE,
            Action.READ_ELEMENTS,
            Action.INGEST_ELEMENTS,
            Action.READ_CAMERAS,
            Action.MANAGE_CAMERAS,
        }
    ),
    Role.GRID_LEADER: frozenset(
        {
            Action.READ_UNITS,
            Action.LOCATE,
            Action.READ_ELEMENTS,
            Action.READ_PEOPLE,
            Action.REVEAL_PERSONAL_DATA,
            Action.READ_CAMERAS,
        }
    ),
    Role.PLANNER: frozenset(
        {
            Action.READ_UNITS,
            Action.READ_LAYERS,
            Action.LOCATE,
            Action.EXPORT,
            Action.READ_ELEMENTS,
            Action.READ_CAMERAS,
        }
    ),
    Role.INTEGRATOR: frozenset({Action.PUSH_CAMERA_EVENTS, Action.LOCATE}),
}


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key's prefix, role, optional district and grid scope, and for an
    integrator key the integrator whose cameras it pushes events for."""

    key_prefix: str
    role: Role
    district: str | None = None
    grid_codes: frozenset[str] = field(default_factory=frozenset)
    integrator: str | None = None

    @property
    def grid_scoped(self) -> bool:
        return self.role is Role.GRID_LEADER


def authorize(principal: Principal, action: Action) -> None:
    """Raise Forbidden unless the principal's role allows ``action``."""
    if action not in PERMISSIONS[principal.role]:
        raise Forbidden(f"role '{principal.role}' may not {action.replace('_', ' ')}")


def can_see_unit(principal: Principal, code: str) -> bool:
    """Whether the principal may read the *details* of unit ``code`` (name, geometry, area).

    A key limited to a district sees nothing of another district. A grid leader sees the
    details of its own grids and of the community, street and district above them only; of
    other grids it learns codes (through locate and cell queries), never details.
    """
    if principal.district and not code.startswith(principal.district):
        return False
    if not principal.grid_scoped:
        return True
    # a grid leader sees its own grids and the street/community/district above them
    return any(own == code or own.startswith(code) for own in principal.grid_codes)


def require_unit(principal: Principal, code: str) -> None:
    """Raise NotFound (not Forbidden: existence is not disclosed) for a unit out of scope."""
    authorize(principal, Action.READ_UNITS)
    if not can_see_unit(principal, code):
        raise NotFound(f"no grid with code '{code}'")


def visible_codes(principal: Principal) -> frozenset[str] | None:
    """Codes whose details a grid leader may read (own grids and ancestors); None = no limit."""
    if not principal.grid_scoped:
        return None
    return frozenset(own[:n] for own in principal.grid_codes for n in (6, 9, 12, 15))


def search_district(principal: Principal, requested: str | None) -> str | None:
    """The district a locate or cell query searches; None means every indexed district.

    A key limited to a district only ever searches its own: a point elsewhere is outside,
    cells elsewhere have no grids. Asking for another district is NotFound.
    """
    if requested:
        require_district(principal, requested)
    return requested or principal.district


def require_district(principal: Principal, adcode: str) -> None:
    """Raise NotFound when the principal's key is limited to another district."""
    if principal.district and principal.district != adcode:
        raise NotFound(f"no district '{adcode}' for this key")


def target_district(principal: Principal, requested: str | None, default: str) -> str:
    """The district a write or query addresses: asked for, else the key's, else the default."""
    adcode = requested or principal.district or default
    require_district(principal, adcode)
    return adcode


#: The element kind whose rows only roles allowed to read people receive.
PERSON = "person"


@dataclass(frozen=True)
class ElementScope:
    """The element rows a caller may read: one district or all, some grids or all, people."""

    district: str | None
    grid_codes: frozenset[str] | None
    people: bool


def sees_people(principal: Principal) -> bool:
    """Whether the principal receives person rows (others see people only as counts)."""
    return Action.READ_PEOPLE in PERMISSIONS[principal.role]


def element_scope(principal: Principal, kind: str | None = None) -> ElementScope:
    """The rows a listing of elements (of ``kind``, or all) shows the principal.

    Asking for people by a role that sees them only as counts is Forbidden (the request alone
    decides it); an unfiltered listing leaves people out for such a role. A grid leader reads
    the elements of its own grids only; a district-limited key those of its district.
    """
    authorize(principal, Action.READ_ELEMENTS)
    people = sees_people(principal)
    if kind == PERSON and not people:
        raise Forbidden(
            f"role '{principal.role}' sees people only as counts: "
            "read them from /api/v1/grids/{code}/card"
        )
    grids = principal.grid_codes if principal.grid_scoped else None
    return ElementScope(principal.district, grids, people)


def can_see_element(principal: Principal, adcode: str, kind: str, grid_code: str | None) -> bool:
    """Whether the principal may read one element of ``kind`` in ``grid_code`` of ``adcode``."""
    if Action.READ_ELEMENTS not in PERMISSIONS[principal.role]:
        return False
    if principal.district and principal.district != adcode:
        return False
    if kind == PERSON and not sees_people(principal):
        return False
    return not principal.grid_scoped or grid_code in principal.grid_codes


def require_element(
    principal: Principal, element_id: int, adcode: str, kind: str, grid_code: str | None
) -> None:
    """Raise NotFound (existence is not disclosed) for an element out of the caller's scope."""
    authorize(principal, Action.READ_ELEMENTS)
    if not can_see_element(principal, adcode, kind, grid_code):
        raise NotFound(f"no element {element_id}")


def require_reveal(
    principal: Principal, element_id: int, adcode: str, kind: str, grid_code: str | None
) -> None:
    """Only an admin, or the grid leader of the element's grid, may reveal personal data."""
    authorize(principal, Action.REVEAL_PERSONAL_DATA)
    require_element(principal, element_id, adcode, kind, grid_code)


def require_card(principal: Principal, code: str) -> None:
    """The card of unit ``code`` (counts): a grid leader reads its own grids' cards only."""
    authorize(principal, Action.READ_ELEMENTS)
    outside = principal.district and not code.startswith(principal.district)
    if outside or (principal.grid_scoped and code not in principal.grid_codes):
        raise NotFound(f"no grid with code '{code}'")


@dataclass(frozen=True)
class CameraScope:
    """The cameras a caller may read: one district or all, some grids or all."""

    district: str | None
    grid_codes: frozenset[str] | None


def camera_scope(principal: Principal) -> CameraScope:
    """The cameras a listing shows the principal: a grid leader's own grids only."""
    authorize(principal, Action.READ_CAMERAS)
    grids = principal.grid_codes if principal.grid_scoped else None
    return CameraScope(principal.district, grids)


def can_see_camera(principal: Principal, adcode: str, grid_code: str | None) -> bool:
    """Whether the principal may read a camera of ``adcode`` standing in ``grid_code``."""
    if Action.READ_CAMERAS not in PERMISSIONS[principal.role]:
        return False
    if principal.district and principal.district != adcode:
        return False
    return not principal.grid_scoped or grid_code in principal.grid_codes


def require_camera(
    principal: Principal, device_id: str, adcode: str, grid_code: str | None
) -> None:
    """Raise NotFound (existence is not disclosed) for a camera out of the caller's scope."""
    authorize(principal, Action.READ_CAMERAS)
    if not can_see_camera(principal, adcode, grid_code):
        raise NotFound(f"no camera '{device_id}'")


def sees_stream_credentials(principal: Principal) -> bool:
    """Whether the principal reads stream URLs whole (with user and password): admins only."""
    return principal.role is Role.ADMIN


def new_key() -> tuple[str, str, str]:
    """A fresh key: (key, prefix, sha256 hex of the key)."""
    prefix = secrets.token_hex(4)
    key = f"gsk_{prefix}_{secrets.token_urlsafe(32)}"
    return key, prefix, hash_key(key)


def hash_key(key: str) -> str:
    """SHA-256 hex digest of a key (keys are random, so no salt or stretching is needed)."""
    return hashlib.sha256(key.encode()).hexdigest()


#: Paths whose callers may send their key as the password of HTTP Basic authentication
#: (any user name): cameras set up with an HTTP host can send a user and password only.
BASIC_KEY_PATHS = frozenset({"/api/v1/ingest/isapi", "/api/v1/ingest/onvif"})


def parse_basic_key(header: str | None) -> str | None:
    """The password of an ``Authorization: Basic`` header, taken as the key; None if not Basic."""
    scheme, _, token = (header or "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(token.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise Unauthorized("malformed Basic credentials: expected base64 of 'user:key'") from None
    _, sep, key = decoded.partition(":")
    if not sep or not key.strip():
        raise Unauthorized("Basic credentials carry no key: send the key as the password")
    return key.strip()


def parse_bearer(header: str | None) -> str:
    """The key from an ``Authorization: Bearer KEY`` header; Unauthorized otherwise."""
    if not header:
        raise Unauthorized("missing API key: send 'Authorization: Bearer <key>'")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("malformed Authorization header: expected 'Bearer <key>'")
    return token.strip()
