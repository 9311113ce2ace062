"""Property-based run over every operation of the OpenAPI document (schemathesis).

Cases are generated from the document (valid and invalid inputs), sent with an admin key
(and, for reads, a key of an operator limited to the district) through the test client to
an app on a database of its own (imports, proposals and adoption may write there), and
checked: no server error, and status code, content type and body as documented.
Deterministic (derandomized) and bounded: the file takes well under 90 s.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from gridsvc.api.app import create_app
from gridsvc.services.keys import create_key
from gridsvc.settings import Settings
from tests.api.conftest import auth, throwaway_demo
from tests.conftest import READONLY_DISTRICT

# the document does not depend on the database: build it from an app that never starts
DOCUMENT = create_app(Settings(database_url="postgresql+psycopg://unused/unused")).openapi()
schema = schemathesis.openapi.from_dict(DOCUMENT)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def fuzz_env(pg_cluster) -> Iterator[tuple[TestClient, dict[str, dict[str, str]]]]:  # type: ignore[no-untyped-def]
    with throwaway_demo(pg_cluster, "gridsvc_schemathesis") as (engine, client):
        admin, _ = create_key(engine, "admin")
        operator, _ = create_key(engine, "operator", district=READONLY_DISTRICT)
        yield client, {"admin": auth(admin), "operator": auth(operator)}


@schema.parametrize()
@settings(
    max_examples=30,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation(case, fuzz_env) -> None:  # type: ignore[no-untyped-def]
    client, headers = fuzz_env
    send_and_check(client, case, headers["admin"])


@schema.include(method="GET").parametrize()
@settings(
    max_examples=8,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_read_as_a_district_operator(case, fuzz_env) -> None:  # type: ignore[no-untyped-def]
    client, headers = fuzz_env
    send_and_check(client, case, headers["operator"])


def send_and_check(client: TestClient, case, headers: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    """Send a generated case through the test client and run the checks on the answer."""
    kwargs = case.as_transport_kwargs(base_url="http://testserver", headers=headers)
    kwargs.pop("verify", None)
    kwargs.pop("allow_redirects", None)
    if kwargs.pop("cookies", None):
        raise AssertionError("the document declares no cookie parameters")
    body = kwargs.pop("data", None)
    if isinstance(body, bytes | str):
        kwargs["content"] = body
    elif body is not None:
        kwargs["data"] = body
    if kwargs.get("files"):
        kwargs["files"] = [(name, _part(value)) for name, value in _items(kwargs["files"])]
    response = client.request(**kwargs, follow_redirects=False)
    response.request.read()  # multipart bodies are streamed; the checks read the request
    case.validate_response(response, checks=CHECKS)


def _items(files):  # type: ignore[no-untyped-def]
    return files.items() if isinstance(files, dict) else files


def _part(value):  # type: ignore[no-untyped-def]
    """A multipart part as the test client takes it (generated parts may be bare numbers)."""
    if isinstance(value, tuple):
        name, content, *rest = value
        return (name, _bytes(content), *rest)
    return _bytes(value)


def _bytes(content):  # type: ignore[no-untyped-def]
    if isinstance(content, bytes | str) or hasattr(content, "read"):
        return content
    return str(content).encode()
