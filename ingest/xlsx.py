"""XLSX sheets read row by row (openpyxl read-only mode), every cell back as text.

Excel stores numbers as floats: an ID typed as a number comes back as ``1234.0`` from a
naive reader. Here integral numbers read as integers (``1234``), other numbers in their
shortest form, dates as ISO ``YYYY-MM-DD`` (``YYYY-MM-DD HH:MM:SS`` when they have a time).
"""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa

from gridsvc.errors import InvalidInput
from ingest.tabular import Opened, _Chunks


def cell_text(value: Any) -> str | None:
    """A cell's value as the text a person typed; None for an empty cell."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    text = str(value)
    return text if text.strip() else None


def _workbook(path: Path):  # type: ignore[no-untyped-def]
    import openpyxl  # the one door to openpyxl

    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InvalidInput(f"could not read {path.name} as an XLSX workbook") from exc


def _sheet(book, path: Path, sheet: str | None):  # type: ignore[no-untyped-def]
    if sheet is None:
        return book.worksheets[0]
    if sheet not in book.sheetnames:
        raise InvalidInput(
            f"{path.name} has no sheet '{sheet}'; its sheets are: {', '.join(book.sheetnames)}"
        )
    return book[sheet]


def _header(rows: Iterator[tuple[Any, ...]], path: Path) -> list[str]:
    for row in rows:
        names = [cell_text(v) for v in row]
        if any(names):
            while names and names[-1] is None:
                names.pop()
            return [n if n is not None else f"column {i + 1}" for i, n in enumerate(names)]
    raise InvalidInput(f"{path.name}: the sheet is empty (no header row)")


def open_sheet(path: Path, sheet: str | None) -> Opened:
    """The sheet's header and a batch source over its data rows."""
    book = _workbook(path)
    try:
        ws = _sheet(book, path, sheet)
        columns = _header(ws.iter_rows(values_only=True), path)
        max_row = ws.max_row
    finally:
        book.close()
    rows_total = max_row - 1 if isinstance(max_row, int) and max_row > 0 else None
    size = path.stat().st_size

    def chunks(resolved: dict[str, str]) -> Callable[[int, int], _Chunks]:
        wanted = list(dict.fromkeys(resolved.values()))
        index = [columns.index(c) for c in wanted]
        return lambda skip, n: _chunks(path, sheet, wanted, index, skip, n, rows_total, size)

    return Opened(columns, chunks, rows_total=rows_total)


def _chunks(
    path: Path,
    sheet: str | None,
    wanted: list[str],
    index: list[int],
    skip: int,
    rows: int,
    rows_total: int | None,
    size: int,
) -> _Chunks:
    book = _workbook(path)
    try:
        it = _sheet(book, path, sheet).iter_rows(values_only=True)
        _header(it, path)
        cols: list[list[str | None]] = [[] for _ in wanted]
        seen = first = blank = 0  # blank: empty rows held back (dropped when trailing)
        for row in it:
            seen += 1
            if seen <= skip:
                continue
            if all(v is None or v == "" for v in row):
                blank += 1
                continue
            for out, i in zip(cols, index, strict=True):
                out.extend([None] * blank)
                out.append(cell_text(row[i]) if i < len(row) else None)
            first, blank = first or seen - len(cols[0]) + 1, 0
            if len(cols[0]) >= rows:
                yield first, _table(wanted, cols), None, _progress(seen, rows_total, size)
                cols, first = [[] for _ in wanted], 0
        if cols and cols[0]:
            yield first, _table(wanted, cols), None, size
    finally:
        book.close()


def _table(names: list[str], cols: list[list[str | None]]) -> pa.Table:
    return pa.table([pa.array(c, pa.string()) for c in cols], names=names)


def _progress(seen: int, rows_total: int | None, size: int) -> int:
    return min(size, size * seen // rows_total) if rows_total else 0
