"""Ingest stage: find, read and validate a data folder's files, reject with reasons, load atomically."""

from cxmetrics.ingest.load import (
    REJECTS_KEPT,
    LoadReport,
    Progress,
    Reject,
    StrictLoadAborted,
    TableResult,
    build_fingerprint,
    ensure_built,
    load_folder,
    load_table,
)

__all__ = [
    "Progress",
    "REJECTS_KEPT",
    "Reject",
    "TableResult",
    "LoadReport",
    "StrictLoadAborted",
    "load_table",
    "load_folder",
    "build_fingerprint",
    "ensure_built",
]
