"""Masking, sealing and the keyed hash of personal data."""

import pytest

from gridsvc.pii import Keyring, mask_id_number, mask_name, mask_phone

KEY = bytes(range(32))


def test_masks_follow_the_spec():
    assert mask_id_number("53030219900101123X") == "530302********123X"
    assert mask_phone("13812341234") == "138****1234"
    assert mask_phone("0874-3123456") == "********3456"
    assert mask_name("张三丰") == "张*"
    assert mask_name(None) is None


def test_sealed_values_open_only_with_their_key():
    ring = Keyring(KEY)
    values = {"name": "张三丰", "id_number": "53030219900101123X", "phone": None}
    blob = ring.seal(values)
    assert "张三丰".encode() not in blob and b"530302" not in blob
    assert ring.unseal(blob) == {"name": "张三丰", "id_number": "53030219900101123X"}
    assert ring.seal(values) != blob  # a fresh nonce each time
    with pytest.raises(ValueError):
        Keyring(bytes(32)).unseal(blob)
    with pytest.raises(ValueError):
        ring.unseal(blob[:-1] + bytes([blob[-1] ^ 1]))


def test_id_hash_is_keyed_and_stable():
    ring, other = Keyring(KEY), Keyring(bytes(32))
    assert ring.id_hash("53030219900101123X") == ring.id_hashes(["53030219900101123X"])[0]
    assert ring.id_hash("53030219900101123X") != other.id_hash("53030219900101123X")
    assert ring.id_hashes([None]) == [None]
    with pytest.raises(ValueError):
        Keyring(b"short")
