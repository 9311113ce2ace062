"""The engine's array helpers: vectorised masks equal the pii functions, sealed JSON opens to
the values, tag literals, bytea hex, duplicate keys across batches, stored-row lookups."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from gridsvc.pii import Keyring, mask_id_number, mask_name, mask_phone
from gridsvc.repositories.elements import hex_bytea
from gridsvc.services.ingest_keys import SeenKeys, StoredRows, external_ids, key_hashes, row_hashes
from gridsvc.services.ingest_payload import (
    mask_id_numbers,
    mask_names,
    mask_phones,
    sealed_plaintexts,
    tag_literals,
)

NAMES = ["张三丰", " 李四 ", "", "   ", None, "Smith", "欧阳"]
IDS = ["53030219900101123X", "1234567890", "12345678901", None, "", "abc"]
PHONES = ["13812341234", "0874-1234567", "123", None, "", "1381234123x"]


@pytest.mark.parametrize(
    ("fn", "reference", "values"),
    [
        (mask_names, mask_name, NAMES),
        (mask_id_numbers, mask_id_number, IDS),
        (mask_phones, mask_phone, PHONES),
    ],
)
def test_vectorised_masks_equal_the_pii_functions(fn, reference, values) -> None:  # type: ignore[no-untyped-def]
    got = fn(pa.array(values, pa.string())).to_pylist()
    assert got == [reference(v) for v in values]


def test_sealed_plaintexts_are_the_json_seal_many_would_seal() -> None:
    values = {
        "name": pa.array(['a"b\\c', "张三", None]),
        "id_number": pa.array(["1\n2", None, None]),
        "phone": pa.array([None, "138", None]),
    }
    plains = sealed_plaintexts(values)
    assert [json.loads(p) for p in plains] == [
        {"name": 'a"b\\c', "id_number": "1\n2"},
        {"name": "张三", "phone": "138"},
        {},
    ]
    keyring = Keyring(b"x" * 32)
    blobs = keyring.seal_json_many(plains)
    assert keyring.unseal(blobs[1]) == {"name": "张三", "phone": "138"}
    assert blobs[0][:13] != blobs[2][:13]  # fresh nonces


def test_tag_literals_and_bytea_hex() -> None:
    tags = tag_literals([["a", "b"], [], None, ['q"x']], 4).to_pylist()
    assert tags == ['{"a","b"}', "{}", "{}", '{"q\\"x"}']
    assert hex_bytea([b"\x00\xff", None, b""]).to_pylist() == ["\\x00ff", None, "\\x"]


def test_duplicate_keys_within_and_across_batches() -> None:
    seen = SeenKeys()
    first = seen.check(np.array([5, 7, 5, 9], dtype=np.uint64), np.array([1, 2, 3, 4]))
    assert first.tolist() == [0, 0, 1, 0]
    second = seen.check(np.array([9, 11, 11, 7], dtype=np.uint64), np.array([5, 6, 7, 8]))
    assert second.tolist() == [4, 0, 6, 2]


def test_row_hashes_see_every_value_and_stored_rows_find_unchanged_ones() -> None:
    frame = pd.DataFrame({"external_id": [" A ", "B", None], "name": ["x", "y", "y"]})
    key = "0123456789abcdef"
    ids = external_ids(frame)
    assert ids.tolist() == ["A", "B", None]
    hashes = row_hashes(frame, None, key)
    changed = row_hashes(frame.assign(name=["x", "z", "y"]), None, key)
    assert hashes[0] == changed[0] and hashes[1] != changed[1]
    assert row_hashes(frame, None, "fedcba9876543210")[0] != hashes[0]
    stored = StoredRows(
        pa.table({"external_id": ["A", "B"], "row_hash": hashes[:2].view(np.int64)}), key
    )
    keys = key_hashes(ids[:2], key)
    known, same = stored.lookup(keys, changed[:2])
    assert known.tolist() == [True, True] and same.tolist() == [True, False]
