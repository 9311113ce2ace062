"""The container deployment: docker-compose.yml against the Compose Specification schema,
and the properties that make it start on the first try (TCP health check, restarts until the
database is ready, state on a volume, all interfaces, non-root, credentials from .env)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
ENV_EXAMPLE = ROOT / ".env.example"
BUILD_TOOLS = ("nodejs", "npm", "gcc", "g++", "build-essential", "make")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def _schema() -> dict:
    vendor = resources.files("check_jsonschema.builtin_schemas.vendor")
    return json.loads(vendor.joinpath("compose-spec.json").read_text())


def _docker_compose() -> str | None:
    """The docker CLI when its compose plugin is installed (no engine needed for `config`)."""
    docker = shutil.which("docker")
    if docker is None:
        return None
    found = subprocess.run([docker, "compose", "version"], capture_output=True, check=False)
    return docker if found.returncode == 0 else None


def test_compose_file_follows_the_compose_specification(compose: dict) -> None:
    """The Compose Specification's JSON schema always; `docker compose config` as well on
    machines with the plugin (the engine is not needed)."""
    jsonschema.validate(compose, _schema())
    broken = {**compose, "services": {"app": {**compose["services"]["app"], "restart": 3}}}
    with pytest.raises(jsonschema.ValidationError):  # the schema does check
        jsonschema.validate(broken, _schema())
    docker = _docker_compose()
    if docker:
        run = subprocess.run(
            [docker, "compose", "--env-file", str(ENV_EXAMPLE), "-f", str(COMPOSE), "config", "-q"],
            capture_output=True,
            text=True,
            check=False,
            cwd=ROOT,
        )
        assert run.returncode == 0, run.stderr


def test_database_health_is_checked_over_tcp(compose: dict) -> None:
    check = " ".join(compose["services"]["db"]["healthcheck"]["test"])
    assert "pg_isready" in check and "-h 127.0.0.1" in check


def test_app_waits_for_a_healthy_database_and_restarts(compose: dict) -> None:
    app = compose["services"]["app"]
    assert app["depends_on"]["db"]["condition"] == "service_healthy"
    assert app["restart"] in ("always", "unless-stopped", "on-failure")


def test_app_state_lives_on_a_volume(compose: dict) -> None:
    app = compose["services"]["app"]
    home = app["environment"]["GRIDSVC_HOME"]
    mounts = {v.split(":")[1]: v.split(":")[0] for v in app["volumes"]}
    assert home in mounts and mounts[home] in compose["volumes"]


def test_app_listens_on_all_interfaces_as_a_non_root_user(compose: dict) -> None:
    app = compose["services"]["app"]
    assert app["environment"]["GRIDSVC_HOST"] == "0.0.0.0"
    assert app["user"].split(":")[0] not in ("0", "root")


def test_credentials_come_from_the_env_file(compose: dict) -> None:
    for name, service in compose["services"].items():
        for key in service.get("environment") or {}:
            if re.search("PASSWORD|SECRET|DATABASE_URL", key):
                raise AssertionError(f"{name}: {key} is set in docker-compose.yml, not .env")
        assert name == "mqtt" or service.get("env_file") == ".env"
    lines = ENV_EXAMPLE.read_text().splitlines()
    example = dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))
    for needed in ("POSTGRES_PASSWORD", "GRIDSVC_DATABASE_URL"):
        assert needed in example


def _stages(dockerfile: str) -> list[str]:
    return re.split(r"(?m)^FROM ", dockerfile)[1:]


def test_runtime_image_has_no_build_tools_and_a_non_root_user() -> None:
    runtime = _stages(DOCKERFILE.read_text())[-1]
    installs = " ".join(re.findall(r"apt-get install[^\n]*(?:\\\n[^\n]*)*", runtime))
    assert not any(re.search(rf"\b{re.escape(t)}\b", installs) for t in BUILD_TOOLS)
    users = re.findall(r"(?m)^USER (\S+)", runtime)
    assert users and users[-1] not in ("root", "0")
