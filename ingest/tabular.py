"""Element source files read in bounded batches: CSV, XLSX, GeoJSON, GeoPackage, zipped
Shapefile. The format is found from the content, never the name.

Every format yields the same :class:`RawBatch`: the mapped columns as raw text under their
target field names, the tag columns, and for spatial files the geometries. CSV streams
through ``pyarrow.csv.open_csv`` (GB18030 is transcoded block by block), so memory stays
bounded by ``batch_rows`` whatever the file size; XLSX streams through openpyxl's read-only
mode; spatial files through ``pyogrio.open_arrow``.
"""

from __future__ import annotations

import codecs
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from gridsvc.errors import InvalidInput
from ingest.archive import Member, ZipLimits, check_members
from ingest.mapfile import MappingSpec
from ingest.shapefile import SHP_MAGIC

TAG_COLUMN = "__tag_column"
FLAG_PREFIX = "__flag:"
_HEAD_BYTES = 1 << 20
_BLOCK_BYTES = 1 << 20
_WGS84 = "EPSG:4326"
#: An XLSX is a zip of XML parts; it may expand far, but not without bound.
XLSX_LIMITS = ZipLimits(max_members=10_000, max_uncompressed_bytes=16 * 1024**3, max_ratio=1000)


@dataclass(frozen=True)
class RawBatch:
    """Consecutive rows of a file: mapped columns as raw text, geometries, progress."""

    first_row: int  # 1-based data-row (feature) number of the frame's first row
    frame: pd.DataFrame  # target field → raw text (missing: NA), plus tag and flag columns
    geometry: np.ndarray | None  # shapely geometries in ``crs``; None for CSV / XLSX
    bytes_done: int
    crs: str  # the CRS of lon/lat, wkt and geometry: declared, else the file's, else WGS 84
    numbers: np.ndarray | None = None  # row numbers of a subset of rows (not consecutive)

    def __len__(self) -> int:
        return len(self.frame)

    @property
    def rows(self) -> np.ndarray:
        """The 1-based row number of each row."""
        if self.numbers is not None:
            return np.asarray(self.numbers, dtype=np.int64)
        return np.arange(self.first_row, self.first_row + len(self.frame), dtype=np.int64)


#: (skip_rows, batch_rows) → (first_row, pyarrow table of source columns, geometry, bytes_done)
_Chunks = Iterator[tuple[int, pa.Table, np.ndarray | None, int]]


@dataclass
class Table:
    """An opened source file: its columns and a way to read its rows batch by batch."""

    format: str  # csv, xlsx, geojson, gpkg, shapefile
    columns: list[str]
    encoding: str | None
    bytes_total: int
    rows_total: int | None
    spec: MappingSpec
    crs: str
    batch_rows: int
    _chunks: Callable[[int, int], _Chunks]
    _resolved: dict[str, str]  # mapping column → the file's column

    def batches(self, skip_rows: int = 0) -> Iterator[RawBatch]:
        """The rows after the first ``skip_rows``, ``batch_rows`` at a time."""
        for first, table, geometry, done in self._chunks(skip_rows, self.batch_rows):
            yield RawBatch(first, self._frame(table), geometry, done, self.crs)

    def _frame(self, table: pa.Table) -> pd.DataFrame:
        names, arrays = [], []
        targets = [
            *self.spec.fields.items(),
            *([(TAG_COLUMN, self.spec.tag_column)] if self.spec.tag_column else []),
            *((FLAG_PREFIX + code, col) for col, code in self.spec.tag_flags.items()),
        ]
        for target, column in targets:
            names.append(target)
            arrays.append(table.column(self._resolved[column]))
        return pa.table(arrays, names=names).to_pandas()


def open_table(path: Path, spec: MappingSpec, *, batch_rows: int = 100_000) -> Table:
    """Open ``path`` for ``spec``; InvalidInput when unreadable or a mapped column is missing."""
    from ingest import spatial, xlsx  # the optional-format readers, imported when used

    path = Path(path)
    if batch_rows < 1:
        raise ValueError("batch_rows must be at least 1")
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(_HEAD_BYTES)
    except OSError as exc:
        raise InvalidInput(f"could not read {path.name}") from exc
    if not head:
        raise InvalidInput(f"{path.name} is empty")
    fmt = sniff(path, head)
    if fmt == "xlsx":
        opened = xlsx.open_sheet(path, spec.sheet)
    elif fmt == "csv":
        opened = _open_csv(path, spec, head)
    else:
        opened = spatial.open_layer(path, spec, fmt)
    resolved = resolve_columns(path.name, opened.columns, spec)
    crs = spec.crs or opened.crs or _WGS84
    return Table(
        opened.format or fmt,
        opened.columns,
        opened.encoding,
        size,
        opened.rows_total,
        spec,
        crs,
        batch_rows,
        opened.chunks(resolved),
        resolved,
    )


@dataclass
class Opened:
    """What a format reader found on opening: columns, encoding, rows, CRS, the batch source."""

    columns: list[str]
    chunks: Callable[[dict[str, str]], Callable[[int, int], _Chunks]]
    encoding: str | None = None
    rows_total: int | None = None
    crs: str | None = None
    format: str | None = None  # when the reader tells formats apart further (geojson, gpkg)


def sniff(path: Path, head: bytes) -> str:
    """The format of a file from its first bytes: csv, xlsx, geojson, gpkg or shapefile."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"PK"):
        return _sniff_zip(path)
    if head.startswith(b"SQLite format 3\x00"):
        return "gpkg"
    if text.startswith(b"{"):
        return "geojson"
    if head.startswith(SHP_MAGIC):
        raise InvalidInput(f"{path.name}: send a Shapefile zipped with its .dbf (and .prj)")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise InvalidInput(f"{path.name} is an old Excel (.xls) file; save it as .xlsx or CSV")
    if text.startswith(b"<"):
        raise InvalidInput(f"{path.name}: XML is not accepted; send CSV, XLSX or GeoJSON")
    if b"\x00" in head:
        raise InvalidInput(
            f"{path.name}: unrecognised binary content; accepted: CSV, XLSX, GeoJSON, "
            "GeoPackage, zipped Shapefile"
        )
    return "csv"


def _sniff_zip(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise InvalidInput(f"could not read {path.name} as a zip archive") from exc
    names = {i.filename for i in infos}
    if "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names):
        members = [Member(i.filename, i.compress_size, i.file_size) for i in infos]
        check_members(path.name, members, XLSX_LIMITS)
        return "xlsx"
    return "shapefile"


def resolve_columns(name: str, columns: list[str], spec: MappingSpec) -> dict[str, str]:
    """Each mapped column → the file's column (exact, else ignoring surrounding spaces)."""
    stripped: dict[str, list[str]] = {}
    for c in columns:
        stripped.setdefault(c.strip(), []).append(c)
    resolved: dict[str, str] = {}
    missing = []
    for wanted in spec.source_columns():
        if wanted in columns:
            resolved[wanted] = wanted
        elif len(stripped.get(wanted.strip(), [])) == 1:
            resolved[wanted] = stripped[wanted.strip()][0]
        else:
            missing.append(wanted)
    if missing:
        raise InvalidInput(
            f"{name} has no column(s) {', '.join(missing)} named in the mapping; "
            f"its columns are: {', '.join(columns) or 'none'}"
        )
    return resolved


def detect_encoding(head: bytes) -> str:
    """``utf-8`` when the head of a text file is UTF-8 (a cut last character allowed), else
    ``gb18030``."""
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8"


def _open_csv(path: Path, spec: MappingSpec, head: bytes) -> Opened:
    encoding = spec.encoding or detect_encoding(head)
    columns = _csv_header(path, encoding)

    def chunks(resolved: dict[str, str]) -> Callable[[int, int], _Chunks]:
        wanted = list(dict.fromkeys(resolved.values()))
        return lambda skip, rows: _csv_chunks(path, encoding, columns, wanted, skip, rows)

    return Opened(columns, chunks, encoding=encoding)


def _csv_reader(fh, encoding: str, skip: int, types: dict[str, pa.DataType] | None, wanted):  # type: ignore[no-untyped-def]
    read = pacsv.ReadOptions(encoding=encoding, block_size=_BLOCK_BYTES, skip_rows_after_names=skip)
    convert = pacsv.ConvertOptions(
        column_types=types or {},
        strings_can_be_null=True,
        null_values=[""],
        include_columns=wanted or [],
    )
    return pacsv.open_csv(fh, read_options=read, convert_options=convert)


def _csv_header(path: Path, encoding: str) -> list[str]:
    try:
        with path.open("rb") as fh:
            names = list(_csv_reader(fh, encoding, 0, None, None).schema.names)
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise InvalidInput(
            f"could not read {path.name} as CSV in {encoding}: {_csv_problem(exc)}"
        ) from None
    if not names:
        raise InvalidInput(f"{path.name} has no header row")
    return names


def _csv_chunks(
    path: Path, encoding: str, columns: list[str], wanted: list[str], skip: int, rows: int
) -> _Chunks:
    types = {c: pa.string() for c in wanted}
    first = skip + 1
    pending: list[pa.RecordBatch] = []
    count = 0
    with path.open("rb") as fh:
        try:
            reader = _csv_reader(fh, encoding, skip, types, wanted)
            for batch in reader:
                pending.append(batch)
                count += batch.num_rows
                while count >= rows:
                    table = pa.Table.from_batches(pending, schema=reader.schema)
                    yield first, table.slice(0, rows), None, fh.tell()
                    first, count = first + rows, count - rows
                    pending = table.slice(rows).to_batches()
        except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
            raise InvalidInput(f"{path.name}: rows from {first} on: {_csv_problem(exc)}") from None
        if count:
            yield first, pa.Table.from_batches(pending, schema=reader.schema), None, fh.tell()


def _csv_problem(exc: Exception) -> str:
    """What is wrong, without the row text Arrow quotes (it may hold personal data)."""
    if isinstance(exc, UnicodeDecodeError):
        return f"bytes that are not valid {exc.encoding} (declare the encoding in the mapping)"
    found = re.search(r"Expected \d+ columns, got \d+", str(exc))
    if found:
        return f"a row has the wrong number of columns ({found.group(0).lower()})"
    return "the content is not valid CSV"
