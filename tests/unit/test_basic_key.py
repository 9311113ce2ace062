"""The API key as the password of HTTP Basic authentication (cameras' HTTP hosts)."""

from __future__ import annotations

import base64

import pytest

from gridsvc.auth import parse_basic_key
from gridsvc.errors import Unauthorized


def basic(credentials: str) -> str:
    return "Basic " + base64.b64encode(credentials.encode()).decode()


def test_the_password_is_the_key_whatever_the_user() -> None:
    assert parse_basic_key(basic("admin:gsk_ab12cd34_secret")) == "gsk_ab12cd34_secret"
    assert parse_basic_key(basic(":gsk_ab12cd34_se:cret")) == "gsk_ab12cd34_se:cret"
    assert parse_basic_key("basic " + basic("u:k").split(" ", 1)[1]) == "k"


def test_other_schemes_are_not_basic() -> None:
    assert parse_basic_key("Bearer gsk_x_y") is None
    assert parse_basic_key(None) is None


@pytest.mark.parametrize("header", ["Basic !!!", basic("no-colon"), basic("user:"), "Basic "])
def test_unusable_basic_credentials_are_unauthorized(header: str) -> None:
    with pytest.raises(Unauthorized):
        parse_basic_key(header)
