from __future__ import annotations

import pytest


@pytest.fixture(scope="module", autouse=True)
def _module_state(module_scratch: object) -> None:
    """Each test module starts from the read-only district alone and leaves nothing behind."""
