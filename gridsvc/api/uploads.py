"""Uploaded boundary files: read into a FeatureTable through a private temporary copy."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from fastapi import UploadFile

from ingest.readers import FeatureTable, ReadOptions, read_layer

FIELD = "Field mapping TARGET=COLUMN (repeat the field), targets code, name, parent_code"
ENCODING = "Encoding of Shapefile attributes (utf-8, gbk, ...); detected when absent"


def read_upload(file: UploadFile, options: ReadOptions | None = None) -> FeatureTable:
    """Save the upload under its own name (the suffix picks the format) and read it."""
    name = Path(file.filename or "").name
    if name in ("", ".", ".."):  # no usable name: a directory, not a file, under tmp
        name = "upload.geojson"
    with tempfile.TemporaryDirectory(prefix="gridsvc-upload-") as tmp:
        path = Path(tmp) / name
        with path.open("wb") as out:
            shutil.copyfileobj(file.file, out)
        return read_layer(path, source=name, options=options)
