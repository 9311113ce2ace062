"""Administrative codes: levels, validation, parents, numbering in reading order."""

from __future__ import annotations

import numpy as np
import pytest

from gridsvc.coding import (
    DEPT_CODE_LENGTH,
    MULTI_COMMUNITY_FIRST,
    Level,
    default_band_height,
    department_code_parts,
    is_multi_community,
    level_of_code,
    make_code,
    make_department_code,
    number_children,
    parent_code_of,
    reading_order,
    validate_code,
    validate_department_code,
)
from gridsvc.errors import InvalidInput

# --- Level -------------------------------------------------------------------------------


def test_level_values_and_code_lengths() -> None:
    assert [lv.value for lv in Level] == ["district", "street", "community", "grid"]
    assert [lv.code_length for lv in Level] == [6, 9, 12, 15]
    assert Level("community") is Level.COMMUNITY
    assert Level.GRID == "grid"  # a str enum


def test_level_parent_and_child() -> None:
    assert Level.DISTRICT.parent is None
    assert Level.STREET.parent is Level.DISTRICT
    assert Level.COMMUNITY.parent is Level.STREET
    assert Level.GRID.parent is Level.COMMUNITY
    assert Level.DISTRICT.child is Level.STREET
    assert Level.STREET.child is Level.COMMUNITY
    assert Level.COMMUNITY.child is Level.GRID
    assert Level.GRID.child is None


def test_level_from_code_length() -> None:
    assert Level.from_code_length(6) is Level.DISTRICT
    assert Level.from_code_length(15) is Level.GRID
    assert Level.from_code_length(7) is None


# --- validate_code -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "level", "parent"),
    [
        ("530302", Level.DISTRICT, None),
        ("530302004", Level.STREET, None),
        ("530302004", Level.STREET, "530302"),
        ("530302004001", Level.COMMUNITY, "530302004"),
        ("530302004001999", Level.GRID, "530302004001"),
        ("530302004001010", "grid", None),  # a level may be given by value
    ],
)
def test_valid_codes(code: str, level: Level, parent: str | None) -> None:
    assert validate_code(code, level, parent) is None


def test_wrong_length_message() -> None:
    assert (
        validate_code("53030200401", Level.COMMUNITY)
        == "code '53030200401' has 11 digits; a community code has 12"
    )
    assert validate_code("5303020", Level.DISTRICT) == (
        "code '5303020' has 7 digits; a district code has 6"
    )


def test_not_extending_parent_message() -> None:
    assert validate_code("530302005001", Level.COMMUNITY, "530302004") == (
        "code '530302005001' does not extend its parent street code '530302004'"
    )
    assert validate_code("510104001", Level.STREET, "530302") == (
        "code '510104001' does not extend its parent district code '530302'"
    )


@pytest.mark.parametrize(
    "code", ["53030200a", "530 302 004", "\uff15\uff13\uff10\uff13\uff10\uff12", "-53030200", "1e5"]
)
def test_non_digit_codes(code: str) -> None:
    message = validate_code(code, Level.STREET)
    assert message is not None
    assert "digits only" in message


def test_empty_code() -> None:
    assert validate_code("", Level.STREET) == "code must be a non-empty string of digits"


def test_sequence_zero_is_rejected() -> None:
    message = validate_code("530302000", Level.STREET)
    assert message is not None and "'000'" in message
    assert validate_code("530302004000", Level.COMMUNITY) is not None
    assert validate_code("530302004001000", Level.GRID) is not None


def test_invalid_parent_code_is_reported() -> None:
    message = validate_code("530302004001", Level.COMMUNITY, "53030200")
    assert message is not None
    assert message.startswith("parent street code is invalid:")


def test_district_has_no_parent() -> None:
    assert validate_code("530302", Level.DISTRICT, "530300") == "a district has no parent code"


# --- level_of_code / parent_code_of ------------------------------------------------------


def test_level_of_code() -> None:
    assert level_of_code("530302") is Level.DISTRICT
    assert level_of_code("530302004") is Level.STREET
    assert level_of_code("530302004001") is Level.COMMUNITY
    assert level_of_code("530302004001002") is Level.GRID


@pytest.mark.parametrize("code", ["5303", "5303020041", "5303020040010020", ""])
def test_level_of_code_rejects_unknown_lengths(code: str) -> None:
    with pytest.raises(InvalidInput):
        level_of_code(code)


def test_level_of_code_rejects_non_digits() -> None:
    with pytest.raises(InvalidInput, match="digits only"):
        level_of_code("53030x")


def test_parent_code_of() -> None:
    assert parent_code_of("530302") is None
    assert parent_code_of("530302004") == "530302"
    assert parent_code_of("530302004001") == "530302004"
    assert parent_code_of("530302004001002") == "530302004001"
    with pytest.raises(InvalidInput):
        parent_code_of("5303020041")


# --- make_code ---------------------------------------------------------------------------


def test_make_code_pads_to_three_digits() -> None:
    assert make_code("530302", 1) == "530302001"
    assert make_code("530302004", 12) == "530302004012"
    assert make_code("530302004001", 999) == "530302004001999"
    assert make_code("530302", np.int64(7)) == "530302007"


@pytest.mark.parametrize("seq", [0, -1, 1000])
def test_make_code_rejects_out_of_range(seq: int) -> None:
    with pytest.raises(InvalidInput, match="out of range"):
        make_code("530302", seq)


@pytest.mark.parametrize("seq", [1.0, "1", True])
def test_make_code_rejects_non_integers(seq: object) -> None:
    with pytest.raises(InvalidInput):
        make_code("530302", seq)  # type: ignore[arg-type]


def test_make_code_rejects_grid_parent_and_bad_parent() -> None:
    with pytest.raises(InvalidInput, match="no children"):
        make_code("530302004001002", 1)
    with pytest.raises(InvalidInput):
        make_code("5303020", 1)


def test_made_codes_validate() -> None:
    street = make_code("530302", 4)
    community = make_code(street, 1)
    grid = make_code(community, 2)
    assert validate_code(street, Level.STREET, "530302") is None
    assert validate_code(community, Level.COMMUNITY, street) is None
    assert validate_code(grid, Level.GRID, community) is None
    assert parent_code_of(grid) == community


# --- reading_order -----------------------------------------------------------------------


def _lattice(rng: np.random.Generator, jitter: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """A 3x3 lattice (spacing 1) in shuffled order, labelled by its reading position."""
    ys, xs = np.meshgrid([2.0, 1.0, 0.0], [0.0, 1.0, 2.0], indexing="ij")
    pts = np.column_stack([xs.ravel(), ys.ravel()])  # reading order: row by row from the north
    pts = pts + rng.uniform(-jitter, jitter, pts.shape)
    perm = rng.permutation(9)
    return pts[perm], perm


def test_reading_order_on_a_lattice() -> None:
    pts, perm = _lattice(np.random.default_rng(1))
    order = reading_order(pts[:, 0], pts[:, 1], band_height=1.0)
    assert list(perm[order]) == list(range(9))


def test_reading_order_on_a_jittered_lattice() -> None:
    for seed in range(20):
        pts, perm = _lattice(np.random.default_rng(seed), jitter=0.1)
        order = reading_order(pts[:, 0], pts[:, 1], band_height=0.78)
        assert list(perm[order]) == list(range(9))


def test_reading_order_bands_hang_from_the_northernmost_point() -> None:
    # Band height 1: rows are y in (9, 10], (8, 9], ...; the point at y=9.05 is in the first row.
    xs = [5.0, 0.0, 3.0, 1.0]
    ys = [10.0, 9.05, 8.9, 7.0]
    assert list(reading_order(xs, ys, 1.0)) == [1, 0, 2, 3]
    # A tall band puts everything in one row: pure west → east.
    assert list(reading_order(xs, ys, 100.0)) == [1, 3, 2, 0]
    # A thin band gives one point per row: pure north → south.
    assert list(reading_order(xs, ys, 0.01)) == [0, 1, 2, 3]


def test_reading_order_ties_go_north_first() -> None:
    assert list(reading_order([0.0, 0.0], [0.0, 0.5], 10.0)) == [1, 0]


def test_reading_order_edge_cases() -> None:
    assert reading_order([], [], 1.0).tolist() == []
    assert reading_order([3.0], [4.0], 1.0).tolist() == [0]
    with pytest.raises(InvalidInput):
        reading_order([0.0, 1.0], [0.0], 1.0)
    with pytest.raises(InvalidInput):
        reading_order([0.0], [0.0], 0.0)
    with pytest.raises(InvalidInput):
        reading_order([0.0], [float("nan")], 1.0)


# --- number_children ---------------------------------------------------------------------


def test_number_children_on_a_lattice_uses_input_order() -> None:
    pts, perm = _lattice(np.random.default_rng(7))
    codes = number_children("530302004", [tuple(p) for p in pts])
    assert codes == [f"530302004{i + 1:03d}" for i in perm]


def test_number_children_in_metres_and_degrees() -> None:
    # Two rows of two, 400 m apart in the local metric plane and about 0.004° in degrees.
    metric = [(500.0, 0.0), (0.0, 0.0), (520.0, 400.0), (10.0, 410.0)]
    assert number_children("530302", metric) == [
        "530302004",
        "530302003",
        "530302002",
        "530302001",
    ]
    degrees = [(103.79 + x / 1e5, 25.50 + y / 1e5) for x, y in metric]
    assert number_children("530302", degrees) == number_children("530302", metric)


def test_number_children_explicit_band() -> None:
    pts = [(0.0, 0.0), (1.0, 0.4)]
    assert number_children("530302004001", pts, band_height=1.0) == [
        "530302004001001",
        "530302004001002",
    ]
    assert number_children("530302004001", pts, band_height=0.1) == [
        "530302004001002",
        "530302004001001",
    ]


def test_number_children_degenerate_inputs() -> None:
    assert number_children("530302", []) == []
    assert number_children("530302", [(1.0, 1.0)]) == ["530302001"]
    # All on one meridian: north → south.
    assert number_children("530302", [(0.0, 0.0), (0.0, 2.0), (0.0, 1.0)]) == [
        "530302003",
        "530302001",
        "530302002",
    ]
    # All on one parallel: west → east.
    assert number_children("530302", [(2.0, 0.0), (0.0, 0.0), (1.0, 0.0)]) == [
        "530302003",
        "530302001",
        "530302002",
    ]


def test_number_children_codes_are_unique_and_valid() -> None:
    rng = np.random.default_rng(3)
    pts = rng.uniform(0, 1000, (200, 2))
    codes = number_children("530302004", [tuple(p) for p in pts])
    assert len(set(codes)) == 200
    assert sorted(codes) == [f"530302004{i:03d}" for i in range(1, 201)]
    assert all(validate_code(c, Level.COMMUNITY, "530302004") is None for c in codes)


def test_number_children_limits() -> None:
    with pytest.raises(InvalidInput, match="too many"):
        number_children("530302", [(float(i), 0.0) for i in range(1000)])
    with pytest.raises(InvalidInput, match="no children"):
        number_children("530302004001002", [(0.0, 0.0)])


def test_default_band_height() -> None:
    assert default_band_height([0.0, 2.0, 0.0, 2.0], [0.0, 0.0, 2.0, 2.0]) == pytest.approx(1.0)
    assert default_band_height([0.0, 0.0, 0.0], [0.0, 3.0, 6.0]) == pytest.approx(2.0)
    assert default_band_height([1.0], [1.0]) == 1.0
    assert default_band_height([], []) == 1.0


# --- departmental grid codes (CJ/T 349 style) ------------------------------------------------


@pytest.mark.parametrize(
    "code",
    [
        "10010053030200401207",  # one community
        "10020053030200460101",  # spans several communities (601)
        "10030053030201299999",  # largest community part and sequence
    ],
)
def test_valid_department_codes(code: str) -> None:
    assert validate_department_code(code) is None
    assert validate_department_code(code, "530302") is None


@pytest.mark.parametrize(
    ("code", "fragment"),
    [
        ("", "non-empty"),
        ("1001005303020040120x", "digits only"),
        ("１００１００５３０３０２００４０１２０７", "digits only"),  # full-width digits
        ("100100530302004012071", "has 21 digits; it has 20"),
        ("530302004012007", "has 15 digits"),
        ("00000053030200401207", "service-object code '000000'"),
        ("10010000000000401207", "invalid adcode '000000'"),
        ("10010053030200001207", "street '000'"),
        ("10010053030200400007", "community '000'"),
        ("10010053030200401200", "grid sequence '00'"),
    ],
)
def test_invalid_department_codes_have_specific_messages(code: str, fragment: str) -> None:
    problem = validate_department_code(code)
    assert problem is not None and fragment in problem


def test_department_code_in_another_district() -> None:
    problem = validate_department_code("10010051010400401207", "530302")
    assert problem is not None
    assert "district '510104'" in problem and "not in district '530302'" in problem


def test_non_string_department_code() -> None:
    assert validate_department_code(12345678901234567890) is not None  # type: ignore[arg-type]


def test_department_code_parts() -> None:
    assert department_code_parts("10010053030200460107") == {
        "service_object": "100100",
        "adcode": "530302",
        "street": "004",
        "community": "601",
        "seq": "07",
    }
    with pytest.raises(InvalidInput, match="20"):
        department_code_parts("530302004012007")


def test_multi_community_codes() -> None:
    assert MULTI_COMMUNITY_FIRST == 601 and DEPT_CODE_LENGTH == 20
    assert is_multi_community("10010053030200460101")
    assert not is_multi_community("10010053030200460001")


def test_make_department_code() -> None:
    code = make_department_code("100200", "530302004012", 7)
    assert code == "10020053030200401207"
    assert validate_department_code(code, "530302") is None
    for bad_seq in (0, 100, True, 1.0):
        with pytest.raises(InvalidInput, match="1..99"):
            make_department_code("100200", "530302004012", bad_seq)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="12 digits"):
        make_department_code("100200", "530302004", 1)
    with pytest.raises(InvalidInput, match="6 digits"):
        make_department_code("1002", "530302004012", 1)
    with pytest.raises(InvalidInput, match="community '000'"):
        make_department_code("100200", "530302004000", 1)
