"""Survey-tool exports (Qualtrics, SurveyMonkey, Typeform, Google Forms, any CSV with a mapping) into the contract."""

from cxmetrics.ingest.imports.export import ImportFailed
from cxmetrics.ingest.imports.importer import (
    SOURCES,
    FileReport,
    ImportReport,
    Options,
    StrictImportAborted,
    cautions,
    exports_beside_mappings,
    import_files,
    load_folder,
    notes,
    open_export,
)
from cxmetrics.ingest.imports.mapping import Mapping, load, with_options

__all__ = [
    "SOURCES",
    "FileReport",
    "ImportFailed",
    "ImportReport",
    "Mapping",
    "Options",
    "StrictImportAborted",
    "exports_beside_mappings",
    "import_files",
    "load_folder",
    "notes",
    "load",
    "open_export",
    "cautions",
    "with_options",
]
