"""Masked element features, H3 and code ranges, reveal reasons, the card's shape."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from gridsvc import elementview
from gridsvc.errors import InvalidInput
from gridsvc.spatial import h3cells


def row(**kw):  # type: ignore[no-untyped-def]
    base = {
        "element_id": 5,
        "kind": "person",
        "category": "registered",
        "source": "s",
        "external_id": "x",
        "grid_code": "530302004012007",
        "name": "张*",
        "tags": ["veteran"],
        "h3": 0x8B4A1A1A1A1AFFF,
        "attrs": {},
        "geometry": '{"type":"Point","coordinates":[1,2]}',
    }  # noqa: E501
    return {**base, **kw}


def test_feature_masks_what_was_stored_unmasked() -> None:
    f = elementview.feature(
        row(
            name="张三丰",
            attrs={
                "id_number": "530302199001011234",
                "phone": "13812345678",
                "address": "x 路",
                "birth_date": "1990-01-01",
                "gender": "male",
            },
        )
    )
    props = f["properties"]
    assert props["name"] == "张*" and props["id_number"] == "530302********1234"
    assert props["phone"] == "138****5678" and props["gender"] == "male"
    assert "address" not in props and "birth_date" not in props
    assert props["h3"] == "8b4a1a1a1a1afff" and f["geometry"]["coordinates"] == [1, 2]


def test_feature_keeps_masked_values_and_plain_places() -> None:
    masked = elementview.feature(row(attrs={"phone": "138****5678", "kind": "oops"}))
    assert masked["properties"]["phone"] == "138****5678"
    assert masked["properties"]["kind"] == "person"  # a column is never overwritten by attrs
    place = elementview.feature(row(kind="place", name="锦园小区", attrs={"floors": 6}))
    assert place["properties"]["name"] == "锦园小区" and place["properties"]["floors"] == 6


@pytest.mark.parametrize("coarse", [7, 9, 11])
def test_cell_range_holds_exactly_the_descendants(coarse: int) -> None:
    lat, lon = np.array([25.49, 25.5]), np.array([103.79, 103.8])
    cells = h3cells.latlng_to_cells(lat, lon, 11)
    parent = int(h3cells.cell_parents(cells[:1], coarse)[0])
    low, high = elementview.cell_range(parent, 11)
    children = h3cells.cell_children(np.array([parent], dtype=np.uint64), 11).astype(np.int64)
    assert low == children.min() and high == children.max()
    ring = h3cells.grid_disk(np.array([parent], dtype=np.uint64), 1)
    others = h3cells.cell_children(ring[ring != parent], 11).astype(np.int64)
    assert not ((others >= low) & (others <= high)).any()


def test_cell_finer_than_the_index_is_refused() -> None:
    cell = int(h3cells.latlng_to_cells(np.array([25.5]), np.array([103.8]), 12)[0])
    with pytest.raises(InvalidInput, match="resolution 12 is finer"):
        elementview.cell_range(cell, 11)


def test_code_range() -> None:
    assert elementview.code_range("530302004") == ("530302004000000", "530302004999999")
    assert elementview.code_range("530302004012007") == ("530302004012007",) * 2


def test_reasons() -> None:
    assert elementview.check_reason("  home visit ") == "home visit"
    for bad in (None, "", "   ", "ab c"[:3]):
        with pytest.raises(InvalidInput, match="reason"):
            elementview.check_reason(bad)


def test_card_shape_from_groups() -> None:
    raw = {
        "groups": [
            ["person", None, None, None, 2, 1],
            ["thing", "01001", "intact", None, 3, 0],
            ["situation", "risk", None, 4, 1, 0],
            ["staff", "grid_leader", "on_duty", None, 1, 0],
        ],
        "tags": [["veteran", 2]],
        "households": 1,
        "party_levels": [],
        "staff": [
            {
                "id": 1,
                "role": "grid_leader",
                "grid_code": "g",
                "status": "on_duty",
                "name": "赵六",
                "phone": "13900000001",
            }
        ],
    }
    unit = {"code": "530302", "level": "district", "name": "麒麟区"}
    card = elementview.card(unit, raw, datetime(2026, 1, 1, tzinfo=UTC))
    assert card["residents"] == {
        "total": 2,
        "by_registration": {"unknown": 2},
        "by_tag": {"veteran": 2},
    }
    assert card["components"]["by_class"] == {"01001": {"intact": 3}}
    assert card["situations"]["by_kind_and_severity"] == {"risk": {"4": 1}}
    assert card["organisations"]["party_members"] == 1
    assert card["staff"]["on_duty_members"][0] | {} == {
        "id": 1,
        "role": "grid_leader",
        "grid_code": "g",
        "status": "on_duty",
        "name": "赵*",
        "phone": "139****0001",
    }
