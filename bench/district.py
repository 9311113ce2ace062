"""Shared setup of the element benchmarks: the demo district in a scratch PostGIS, its element
files, and ``gridsvc ingest`` run as a child process with its wall time and peak RSS."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from bench.common import scratch_postgis

ADCODE = "530302"
QUICK_RESIDENTS = 50_000


@dataclass(frozen=True)
class Scratch:
    """A scratch database holding the demo district, and a state directory for gridsvc."""

    url: str
    home: Path
    engine: Engine

    @property
    def env(self) -> dict[str, str]:
        base = {k: v for k, v in os.environ.items() if not k.startswith("GRIDSVC_")}
        return {
            **base,
            "GRIDSVC_DATABASE_URL": self.url,
            "GRIDSVC_HOME": str(self.home),
            "GRIDSVC_DEFAULT_DISTRICT": ADCODE,
        }


@contextmanager
def scratch_district(adcode: str = ADCODE) -> Iterator[Scratch]:
    """A throwaway PostGIS with the demo district's boundary, streets, communities and grids."""
    from gridsvc.db.connect import make_engine
    from gridsvc.db.migrate import upgrade
    from gridsvc.demo.load import load_demo

    with scratch_postgis() as url, tempfile.TemporaryDirectory(prefix="gridsvc-bench-") as tmp:
        upgrade(url)
        engine = make_engine(url, pool_size=2)
        try:
            load_demo(engine, adcode)
            yield Scratch(url, Path(tmp), engine)
        finally:
            engine.dispose()


def element_files(scratch: Scratch, residents: int) -> dict[str, tuple[Path, Path]]:
    """The demo's element files for ``residents`` people: kind's file name → (CSV, map)."""
    from gridsvc.demo.load import element_files as demo_files

    files = demo_files(
        scratch.engine,
        scratch.home,
        ADCODE,
        seed=0,
        scale=residents / QUICK_RESIDENTS,
        reference=dt.date(2026, 11, 28),
    )
    return {csv.name: (csv, mapping) for _, csv, mapping in files}


@dataclass(frozen=True)
class Run:
    """One ``gridsvc ingest`` child: wall seconds, peak RSS (MiB) and its JSON report."""

    seconds: float
    peak_mib: float
    report: dict

    @property
    def written(self) -> int:
        return int(self.report.get("inserted", 0)) + int(self.report.get("updated", 0))


#: Runs the gridsvc command line, then writes the process's own peak RSS (VmHWM, KiB) to the
#: file named first. (getrusage and wait4 would report the bench process's RSS at fork time
#: when that is larger: Linux carries it over into the child's maximum.)
_CHILD = """
import sys
from gridsvc.cli import main
code = main(sys.argv[2:])
with open("/proc/self/status") as fh:
    peak = next(line.split()[1] for line in fh if line.startswith("VmHWM:"))
with open(sys.argv[1], "w") as fh:
    fh.write(peak)
sys.exit(code)
"""


def ingest(scratch: Scratch, kind: str, csv: Path, mapping: Path) -> Run:
    """Run ``gridsvc ingest KIND CSV --map MAP --json`` to its end, timed, with its peak RSS."""
    peak = scratch.home / "ingest-peak-kib"
    args = [
        sys.executable,
        "-c",
        _CHILD,
        str(peak),
        "ingest",
        kind,
        str(csv),
        "--map",
        str(mapping),
        "--district",
        ADCODE,
        "--json",
    ]
    start = time.perf_counter()
    done = subprocess.run(args, env=scratch.env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError as exc:
        tail = done.stderr.strip().splitlines()[-5:]
        raise RuntimeError(f"gridsvc ingest {kind} failed: {' | '.join(tail)}") from exc
    return Run(seconds, int(peak.read_text()) / 1024.0, report)
