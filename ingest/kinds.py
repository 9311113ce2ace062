"""The element kinds and their fields (SPEC §8): what a mapping may name, what is required,
what each value must be. Pure.

``category`` in the ``elements`` table is the kind's own classification field, named here
by ``CATEGORY``: a place's ``kind``, a thing's ``class_code``, an organisation's ``kind``,
a situation's ``kind``, a staff member's ``role``, a person's ``registration``.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Value types: text, int, date (YYYY-MM-DD and the usual Chinese spellings), datetime,
#: choice (one of ``choices``), class_code (5 digits), id_number (GB 11643), credit_code
#: (GB 32100), phone, grid_code (15 digits), grid_codes (several, split like tags),
#: lon / lat (a number in the declared CRS), wkt (a point or polygon in the declared CRS;
#: spatial files give their geometry directly).
TYPES = (
    "text",
    "int",
    "date",
    "datetime",
    "choice",
    "class_code",
    "id_number",
    "credit_code",
    "phone",
    "grid_code",
    "grid_codes",
    "lon",
    "lat",
    "wkt",
)


@dataclass(frozen=True)
class FieldSpec:
    """One target field of a kind."""

    name: str
    type: str = "text"
    required: bool = False
    choices: tuple[str, ...] = ()
    sensitive: bool = False  # personal data: sealed, shown masked


def _f(name: str, type_: str = "text", *, required: bool = False, choices=(), sensitive=False):  # type: ignore[no-untyped-def]
    return FieldSpec(name, type_, required, tuple(choices), sensitive)


PLACE_KINDS = ("building", "compound", "poi", "service_centre")
THING_STATUSES = ("intact", "damaged", "missing", "other")
ORGANISATION_KINDS = (
    "party_org",
    "enterprise",
    "social_org",
    "property_company",
    "owners_committee",
)
PARTY_LEVELS = (
    "street_committee",
    "community_committee",
    "grid_branch",
    "building_group",
    "member_household",
)
SITUATION_KINDS = ("sentiment", "hazard", "risk")
REGISTRATIONS = ("registered", "floating", "foreign", "other")
#: 1 grid leader, 5 standing roles, N dynamic members (SPEC §1).
STAFF_ROLES = (
    "grid_leader",
    "police_officer",
    "community_worker",
    "urban_management_officer",
    "market_supervision_officer",
    "sanitation_worker",
    "volunteer",
    "party_member",
    "other_member",
)
STANDING_ROLES = STAFF_ROLES[1:6]
DUTY_STATUSES = ("on_duty", "off_duty", "on_leave")

#: Care tags, Chinese label → code (SPEC §8); configurable through settings.
CARE_TAGS: dict[str, str] = {
    "独居老人": "elderly_alone",
    "留守儿童": "left_behind_child",
    "残疾人": "disabled",
    "低保": "low_income",
    "重点关注": "key_care",
    "党员": "party_member",
    "退役军人": "veteran",
}

_COMMON = (
    _f("external_id", required=True),
    _f("lon", "lon"),
    _f("lat", "lat"),
    _f("wkt", "wkt"),
)

FIELDS: dict[str, tuple[FieldSpec, ...]] = {
    "person": (
        *_COMMON,
        _f("name", required=True, sensitive=True),
        _f("id_number", "id_number", sensitive=True),
        _f("phone", "phone", sensitive=True),
        _f("gender", "choice", choices=("male", "female")),
        _f("birth_date", "date", sensitive=True),
        _f("household_id"),
        _f("relation"),
        _f("building_id"),
        _f("address", sensitive=True),
        _f("registration", "choice", choices=REGISTRATIONS),
    ),
    "place": (
        *_COMMON,
        _f("kind", "choice", required=True, choices=PLACE_KINDS),
        _f("name", required=True),
        _f("address"),
        _f("floors", "int"),
        _f("households", "int"),
    ),
    "thing": (
        *_COMMON,
        _f("class_code", "class_code", required=True),
        _f("name"),
        _f("status", "choice", choices=THING_STATUSES),
        _f("owner_department"),
    ),
    "organisation": (
        *_COMMON,
        _f("kind", "choice", required=True, choices=ORGANISATION_KINDS),
        _f("name", required=True),
        _f("level", "choice", choices=PARTY_LEVELS),
        _f("parent_external_id"),
        _f("grid_codes", "grid_codes"),
        _f("credit_code", "credit_code"),
        _f("contact"),
        _f("address"),
        _f("registered_community"),  # 双报到: the community code a unit registered with
    ),
    "situation": (
        *_COMMON,
        _f("kind", "choice", required=True, choices=SITUATION_KINDS),
        _f("severity", "int", required=True),
        _f("description"),
        _f("valid_from", "datetime"),
        _f("valid_to", "datetime"),
        _f("grid_code", "grid_code"),
    ),
    "staff": (
        _f("external_id", required=True),
        _f("grid_code", "grid_code", required=True),
        _f("role", "choice", required=True, choices=STAFF_ROLES),
        _f("name", required=True, sensitive=True),
        _f("phone", "phone", sensitive=True),
        _f("duty_status", "choice", choices=DUTY_STATUSES),
        _f("person_external_id"),
        _f("organisation_external_id"),
    ),
}

KINDS = tuple(FIELDS)

#: The camera registry as an import target (SPEC §9): not an element kind; its rows are
#: keyed by ``device_id`` and checked by ``cameras.record``.
CAMERA = "camera"
CAMERA_FIELDS = (
    _f("device_id", required=True),
    _f("name", required=True),
    _f("department", required=True),
    *(_f(n) for n in ("integrator", "parent_id", "manufacturer", "model", "address")),
    _f("civil_code"),
    _f("lon", "lon"),
    _f("lat", "lat"),
    *(_f(n) for n in ("height_m", "heading_deg", "fov_deg", "range_m", "ptz_type")),
    *(_f(n) for n in ("stream_url", "streams", "aliases")),
)
#: Every import target of a mapping file: the element kinds and the camera registry.
TARGETS: dict[str, tuple[FieldSpec, ...]] = {**FIELDS, CAMERA: CAMERA_FIELDS}
TARGET_KINDS = tuple(TARGETS)

#: The field stored in ``elements.category`` for each kind.
CATEGORY: dict[str, str] = {
    "person": "registration",
    "place": "kind",
    "thing": "class_code",
    "organisation": "kind",
    "situation": "kind",
    "staff": "role",
}


def spec(kind: str, name: str) -> FieldSpec | None:
    """The field ``name`` of ``kind``, or None."""
    return next((f for f in TARGETS.get(kind, ()) if f.name == name), None)


def required(kind: str) -> tuple[str, ...]:
    """Names of the fields ``kind`` requires."""
    return tuple(f.name for f in TARGETS[kind] if f.required)


def key_field(kind: str) -> str:
    """The field that identifies a row of ``kind`` in its source: a camera's device ID, an
    element's external id."""
    return "device_id" if kind == CAMERA else "external_id"
