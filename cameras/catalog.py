"""GB/T 28181 Catalog answers (SPEC §9) → camera records. Pure: no I/O.

A platform answers a Catalog query with several ``<Response>`` messages (``CmdType``
Catalog) sharing one ``SN`` until their ``DeviceList/Item``s reach ``SumNum``. A body may
hold one message or several concatenated; each is parsed by ``cameras.xmlsafe`` (DTDs and
entities refused, GB2312 read as GB18030, a bare ``&`` tolerated). Items are sorted by
their ID: 8 digits or fewer are regions (civil codes), types 215/216 business groups and
virtual organisations, 111/112/118/130/200 parents (recorders, platforms); video channels
(131/132) become camera records; other device types are skipped. A set whose items fall
short of ``SumNum`` is reported incomplete with the count missing; its cameras still count.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cameras.deviceid import PARENT_TYPES, VIDEO_TYPES, is_region_code, parse_device_id
from cameras.fields import FieldError
from cameras.record import CameraRecord, check_record
from cameras.xmlsafe import child, children, parse_xml, text_of, top_level_spans
from gridsvc.errors import InvalidInput

GROUP_TYPES = frozenset({"215", "216"})
DEVICE_PARENTS = PARENT_TYPES - GROUP_TYPES
#: Item elements copied into the camera record: element → record field.
ITEM_FIELDS = {
    "Name": "name",
    "Manufacturer": "manufacturer",
    "Model": "model",
    "CivilCode": "civil_code",
    "Address": "address",
}
#: Where Response documents open (with their XML declaration, if any) and close.
_DOC_OPEN = re.compile(rb"(?:<\?xml[^>?]*\?>\s*)?<(?:\w+:)?Response\b")
_DOC_CLOSE = re.compile(rb"</(?:\w+:)?Response\s*>")
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.I)


@dataclass(frozen=True)
class CatalogItem:
    """One ``DeviceList/Item``: where it came from and its element texts."""

    sn: str
    message: int  # 1-based position of its message among those read
    position: int  # 1-based position in its message's DeviceList
    values: dict[str, str]
    ptz_type: str | None = None

    @property
    def device_id(self) -> str:
        return self.values.get("DeviceID", "")

    @property
    def where(self) -> str:
        return f"SN {self.sn}, message {self.message}, item {self.position}"


@dataclass(frozen=True)
class CatalogMessage:
    """One Catalog ``Response`` message."""

    sn: str
    device_id: str
    sum_num: int
    items: tuple[CatalogItem, ...]


@dataclass
class CatalogSet:
    """The messages of one answer (same device and SN) and their items, first of an ID wins."""

    device_id: str
    sn: str
    sum_num: int
    messages: int = 0
    items: list[CatalogItem] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)

    @property
    def missing(self) -> int:
        return max(0, self.sum_num - len(self.items) - len(self.duplicates))

    def summary(self) -> dict[str, Any]:
        """Counts of the set, and whether its items reached SumNum."""
        received = len(self.items) + len(self.duplicates)
        out = {"device_id": self.device_id, "sn": self.sn, "sum_num": self.sum_num}
        out |= {"messages": self.messages, "received": received, "complete": not self.missing}
        if self.missing:
            out["missing"] = self.missing
            out["message"] = (
                f"incomplete catalogue: SN {self.sn} from {self.device_id} announced "
                f"{self.sum_num} items, {received} arrived in {self.messages} message(s); "
                f"{self.missing} missing"
            )
        if self.duplicates:
            out["duplicates"] = list(self.duplicates)
        return out


@dataclass
class CatalogResult:
    """What a catalogue holds, sorted: camera records, rejected items, the rest counted."""

    sets: list[CatalogSet] = field(default_factory=list)
    cameras: list[tuple[CatalogItem, CameraRecord]] = field(default_factory=list)
    rejected: list[tuple[CatalogItem, list[FieldError]]] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    parents: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return all(not s.missing for s in self.sets)

    def summary(self) -> dict[str, Any]:
        """Counts per kind of item and each set's completeness."""
        return {
            "sets": [s.summary() for s in self.sets],
            "complete": self.complete,
            "cameras": len(self.cameras),
            "rejected": len(self.rejected),
            "regions": len(self.regions),
            "groups": len(self.groups),
            "parents": len(self.parents),
            "skipped": len(self.skipped),
        }


def split_documents(body: bytes) -> list[bytes]:
    """The XML documents of a body holding one or several ``Response`` messages."""
    if _DTD.search(body):
        raise InvalidInput(
            "Catalog body refused: DTDs, entities and external references are not accepted",
            errors=[{"code": "forbidden_xml"}],
        )
    found = top_level_spans(body, _DOC_OPEN, _DOC_CLOSE)
    return found if len(found) > 1 else [body]


def parse_message(doc: bytes, what: str = "Catalog message") -> CatalogMessage:
    """One Catalog ``Response``; InvalidInput when it is not one or is unreadable."""
    root = parse_xml(doc, what)
    if root.tag.rsplit("}", 1)[-1] != "Response" or text_of(root, "CmdType") != "Catalog":
        raise InvalidInput(
            f"{what} is not a GB/T 28181 Catalog answer (<Response> with CmdType Catalog)",
            errors=[{"code": "not_catalog"}],
        )
    sn = text_of(root, "SN") or ""
    device_id = text_of(root, "DeviceID") or ""
    try:
        sum_num = int(text_of(root, "SumNum") or "")
    except ValueError:
        raise InvalidInput(f"{what}: SumNum is missing or not a number") from None
    device_list = child(root, "DeviceList")
    items = () if device_list is None else tuple(children(device_list, "Item"))
    parsed = tuple(_item(sn, el, i + 1) for i, el in enumerate(items))
    return CatalogMessage(sn, device_id, sum_num, parsed)


def _item(sn: str, el: ET.Element, position: int) -> CatalogItem:
    values = {child_el.tag.rsplit("}", 1)[-1]: (child_el.text or "").strip() for child_el in el}
    values = {k: v for k, v in values.items() if v}
    return CatalogItem(sn, 0, position, values, text_of(el, "Info", "PTZType"))


def assemble(messages: Iterable[CatalogMessage]) -> list[CatalogSet]:
    """Group messages into answers by (device, SN); an item ID met again is a duplicate."""
    sets: dict[tuple[str, str], CatalogSet] = {}
    seen: dict[tuple[str, str], set[str]] = {}
    for number, msg in enumerate(messages, start=1):
        key = (msg.device_id, msg.sn)
        answer = sets.setdefault(key, CatalogSet(msg.device_id, msg.sn, msg.sum_num))
        answer.sum_num = max(answer.sum_num, msg.sum_num)
        answer.messages += 1
        ids = seen.setdefault(key, set())
        for item in msg.items:
            placed = CatalogItem(item.sn, number, item.position, item.values, item.ptz_type)
            if item.device_id in ids:
                answer.duplicates.append(item.device_id)
            else:
                ids.add(item.device_id)
                answer.items.append(placed)
    return list(sets.values())


def read_catalog(
    bodies: Iterable[bytes], *, crs: str | None = None, department: str | None = None
) -> CatalogResult:
    """Every message of ``bodies`` sorted into regions, groups, parents and camera records.

    ``department`` is the cameras' owner department (else each item's ``Owner``); ``crs``
    the system of Longitude/Latitude (WGS 84 when None).
    """
    messages = []
    for b, body in enumerate(bodies, start=1):
        docs = split_documents(body)
        for d, doc in enumerate(docs, start=1):
            what = f"Catalog message {d} of body {b}" if len(docs) > 1 else f"Catalog body {b}"
            messages.append(parse_message(doc, what))
    result = CatalogResult(sets=assemble(messages))
    for answer in result.sets:
        for item in answer.items:
            _sort(result, item, crs, department)
    return result


def _sort(result: CatalogResult, item: CatalogItem, crs: str | None, dept: str | None) -> None:
    ident = item.device_id
    if is_region_code(ident):
        result.regions.append(ident)
        return
    type_code = ident[10:13] if len(ident) == 20 else ""
    if type_code in GROUP_TYPES:
        result.groups.append(ident)
    elif type_code in DEVICE_PARENTS:
        result.parents.append(ident)
    elif type_code and type_code not in VIDEO_TYPES and _valid_id(ident):
        result.skipped.append(ident)
    else:
        record, errors = check_record(_raw(item, dept), crs=crs, attrs=_attrs(item))
        if record is None:
            result.rejected.append((item, errors))
        else:
            result.cameras.append((item, record))


def _valid_id(ident: str) -> bool:
    try:
        parse_device_id(ident)
    except InvalidInput:
        return False
    return True


def parent_of(text: str | None) -> str | None:
    """The parent from a ParentID that may list several IDs separated by '/': the last
    device parent (recorder or platform), else the last group, else the last ID given."""
    ids = [p.strip() for p in (text or "").split("/") if p.strip()]
    for wanted in (DEVICE_PARENTS, GROUP_TYPES):
        found = [i for i in ids if len(i) == 20 and i[10:13] in wanted]
        if found:
            return found[-1]
    return ids[-1] if ids else None


def _raw(item: CatalogItem, department: str | None) -> dict[str, Any]:
    v = item.values
    raw: dict[str, Any] = {"device_id": item.device_id}
    raw |= {target: v.get(name) for name, target in ITEM_FIELDS.items()}
    raw["department"] = department or v.get("Owner")
    raw["parent_id"] = parent_of(v.get("ParentID"))
    raw["ptz_type"] = item.ptz_type
    lon, lat = v.get("Longitude"), v.get("Latitude")
    if not (_zero(lon) and _zero(lat)):
        raw["lon"], raw["lat"] = lon, lat
    return raw


def _zero(value: str | None) -> bool:
    """Whether a coordinate is absent or 0 (devices send 0.0 for 'unknown')."""
    try:
        return value is None or float(value) == 0.0
    except ValueError:
        return False


def _attrs(item: CatalogItem) -> Mapping[str, Any]:
    v = item.values
    keep = {"Status": "catalog_status", "Owner": "owner", "Parental": "parental"}
    return {target: v[name] for name, target in keep.items() if name in v}
