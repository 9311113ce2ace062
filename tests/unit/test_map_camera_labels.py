"""Every camera label the map shows exists in Chinese and English: the keys the camera
scripts ask for, every event type, department, status, PTZ type and network."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cameras.events import EVENT_TYPES
from gridsvc.db.models import CAMERA_STATUSES
from gridsvc.demo.camera_fleet import DEPARTMENTS
from maps.render import CAMERA_LAYERS

STATIC = Path(__file__).parents[2] / "maps" / "static"
KEY = re.compile(r'"([a-z_]+(?:\.[A-Za-z0-9_]+)+)":\s*"')


def messages() -> dict[str, set[str]]:
    """The keys of each locale block of i18n.js."""
    text = (STATIC / "i18n.js").read_text(encoding="utf-8")
    zh_start, en_start = text.index('"zh-CN": {'), text.index("    en: {")
    end = text.index("function pickLocale")
    return {
        "zh-CN": set(KEY.findall(text[zh_start:en_start])),
        "en": set(KEY.findall(text[en_start:end])),
    }


def wanted() -> set[str]:
    keys = set()
    for name in ("cameras.js", "camera_card.js"):
        found = re.findall(r'\bt\("([a-z_.]+)"', (STATIC / name).read_text(encoding="utf-8"))
        keys |= {k for k in found if not k.endswith(".")}  # "dept." + code: checked below
    keys |= {f"event.{k}" for k in EVENT_TYPES}
    keys |= {f"dept.{d.key}" for d in DEPARTMENTS} | {f"value.{d.key}" for d in DEPARTMENTS}
    keys |= {f"cam.status.{s}" for s in CAMERA_STATUSES} | {f"value.{s}" for s in CAMERA_STATUSES}
    keys |= {f"ptz.{n}" for n in range(1, 5)} | {f"network.{n}" for n in range(9)}
    keys |= {layer.title for layer in CAMERA_LAYERS} | {"group.cameras"}
    keys |= {f"legend.{layer.legend}" for layer in CAMERA_LAYERS}
    return keys


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_every_camera_label_is_translated(locale: str) -> None:
    missing = sorted(wanted() - messages()[locale])
    assert not missing, f"{locale} lacks {missing}"
