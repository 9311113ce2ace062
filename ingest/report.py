"""The per-feature report every import returns."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Issue:
    """One problem with one feature (or a group of them): what, where and why."""

    severity: str  # "error" rejects the import, "warning" is reported and written
    kind: str
    message: str
    feature: int | None = None  # 1-based position of the feature in the file
    code: str | None = None
    field: str | None = None
    codes: tuple[str, ...] = ()
    area_m2: float | None = None
    location: tuple[float, float] | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly mapping, empty fields omitted."""
        data: dict[str, Any] = {"severity": self.severity, "kind": self.kind}
        for key in ("feature", "code", "field"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        if self.codes:
            data["codes"] = list(self.codes)
        if self.area_m2 is not None and math.isfinite(self.area_m2):
            data["area_m2"] = round(self.area_m2, 1)
        if self.location and all(math.isfinite(v) for v in self.location):
            data["location"] = [round(v, 6) for v in self.location]
        data["message"] = self.message
        return data


@dataclass
class ImportReport:
    """What an import found and did."""

    source: str
    level: str
    crs: str
    features: int
    strict: bool = False
    dry_run: bool = False
    issues: list[Issue] = field(default_factory=list)
    written: dict[str, int] = field(default_factory=dict)
    written_codes: list[str] = field(default_factory=list)
    encoding: dict[str, str] | None = None  # Shapefiles: the attributes' encoding and its source

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]

    @property
    def status(self) -> str:
        if self.errors:
            return "rejected"
        return "validated" if self.dry_run else "accepted"

    def add(self, severity: str, kind: str, message: str, **where: Any) -> None:
        """Record an issue; ``strict`` turns warnings into errors."""
        if self.strict and severity == "warning":
            severity = "error"
        self.issues.append(Issue(severity, kind, message, **where))

    def read_from(self, issues: list[Issue], encoding: dict[str, str] | None) -> None:
        """Take the issues found reading the file (never made strict) and its encoding."""
        self.issues.extend(issues)
        self.encoding = encoding

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly summary with every error and warning."""
        return {
            "status": self.status,
            "source": self.source,
            "level": self.level,
            "crs": self.crs,
            "strict": self.strict,
            "features": self.features,
            **({"encoding": self.encoding} if self.encoding else {}),
            "written": self.written,
            "errors": [i.to_dict() for i in self.errors],
            "warnings": [i.to_dict() for i in self.warnings],
        }

    def summary(self) -> str:
        """One human line: status and counts."""
        w = self.written
        wrote = (
            f"; {w.get('inserted', 0)} inserted, {w.get('updated', 0)} updated, "
            f"{w.get('unchanged', 0)} unchanged"
            if w
            else ""
        )
        return (
            f"{self.status}: {self.features} {self.level} features from {self.source} "
            f"({self.crs}), {len(self.errors)} errors, {len(self.warnings)} warnings{wrote}"
        )
