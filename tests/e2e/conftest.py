from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from gridsvc.db.embedded import free_port

GRIDSVC = str(Path(sys.executable).with_name("gridsvc"))


@pytest.fixture(scope="module", autouse=True)
def _module_state(module_scratch: object) -> None:
    """Each test module starts from the read-only district alone and leaves nothing behind."""


@pytest.fixture(scope="module")
def server(database_url: str, demo_district: str, tmp_path_factory) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """``gridsvc serve`` on a free port of 127.0.0.1, against the test database."""
    port = free_port()
    home = tmp_path_factory.mktemp("server-home")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRIDSVC_")}
    env.update(
        GRIDSVC_DATABASE_URL=database_url,
        GRIDSVC_PORT=str(port),
        GRIDSVC_HOME=str(home),
        GRIDSVC_DEFAULT_DISTRICT=demo_district,
    )
    log = (home / "server.log").open("w")
    proc = subprocess.Popen([GRIDSVC, "serve"], env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError((home / "server.log").read_text()) from None
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
