"""Load data: upload data-contract files or a survey-tool export, see the dry run, then load with one click."""

import zoneinfo

import streamlit as st

from cxmetrics import ui
from cxmetrics.access import NotAllowed
from cxmetrics.ingest import imports, uploads
from cxmetrics.ingest.uploads import Upload, UploadRefused
from cxmetrics.reports.data import loading

database = ui.connection()
viewer = ui.viewer()
target = database.version[0]
limit_mb = int(st.get_option("server.maxUploadSize"))
ZONES = ["", *sorted(zoneinfo.available_timezones())]

ui.header(
    "Load data",
    f"Into {ui.database_label(database)}. Upload this week's files and check the dry run, then load. A load adds "
    "new rows and replaces changed ones, all or nothing; loading the same file twice changes nothing. Every viewer "
    "sees the new data on their next click, and the load is recorded with your name.",
)
if done := st.session_state.pop("_load_done", None):
    st.success(done)

st.session_state.setdefault("_upload_round", 0)
round_ = st.session_state["_upload_round"]
kind = st.segmented_control(
    "What are you loading?", loading.KINDS, default=loading.CONTRACT, required=True, key="_upload_kind"
)


def _uploaded(files) -> list[Upload]:
    return [Upload(f.name, f.getvalue()) for f in files]


def _run(dry_run: bool, progress=None) -> uploads.Outcome:
    """The dry run or the load of what is uploaded (the caller catches refusals)."""
    if kind == loading.CONTRACT:
        return uploads.load_contract_files(
            _uploaded(files), target, viewer.grant, viewer.name, dry_run=dry_run, limit_mb=limit_mb, progress=progress
        )
    mapping = _uploaded([mapping_file])[0] if mapping_file else None
    return uploads.import_export(
        _uploaded([export])[0], mapping, zone, tool, target, viewer.grant, viewer.name,
        dry_run=dry_run, limit_mb=limit_mb,
    )  # fmt: skip


if kind == loading.EXPORT:
    export = st.file_uploader(
        "Survey-tool export (CSV or Excel workbook)",
        key=f"_upload_export_{round_}",
        help="Qualtrics, SurveyMonkey, Typeform or Google Forms exports are recognised from their header rows; any "
        "other CSV needs a mapping and 'csv' as the tool.",
    )
    mapping_file = st.file_uploader(
        "Mapping (TOML)",
        key=f"_upload_mapping_{round_}",
        help='Which export column feeds which contract column, e.g. `nps = "QID1"`, `survey = { value = '
        '"relationship" }`. See the README\'s survey-tool imports section.',
    )
    left, right = st.columns(2)
    tool = left.selectbox("Tool", imports.SOURCES, key="_upload_tool", help="auto: detected from the header rows.")
    zone = right.selectbox(
        "Time zone of the export's times",
        ZONES,
        key="_upload_zone",
        format_func=lambda z: z or "As the file states (refused when it states none)",
        help="Times are stored in UTC; a file that states no zone needs one, never guessed.",
    )
    chosen = [export] if export else []
    extra = (mapping_file.file_id if mapping_file else None, tool, zone)
else:
    files = st.file_uploader(
        "Data files, one per table (CSV, CSV.GZ or Parquet)",
        accept_multiple_files=True,
        key=f"_upload_files_{round_}",
        help="Name each file after its table: customers.csv, responses.parquet, targets.csv, ... The columns are "
        "listed in docs/data_model.md.",
    )
    chosen = list(files or [])
    extra = ()
st.caption(f"Up to {limit_mb} MB a file.")

if not chosen:
    st.info("Upload a file to see what loading it would do. Nothing is loaded until you press Load into the dashboard.")
    st.stop()

preview_key = (kind, tuple(f.file_id for f in chosen), extra, database.version)
if st.session_state.get("_upload_preview", (None,))[0] != preview_key:
    try:
        with st.spinner("Dry run: checking every row ..."):
            st.session_state["_upload_preview"] = (preview_key, _run(dry_run=True))
    except (UploadRefused, NotAllowed) as refused:
        st.session_state["_upload_preview"] = (preview_key, refused)
preview = st.session_state["_upload_preview"][1]
if isinstance(preview, Exception):
    st.error(f"This upload cannot be loaded: {preview}. Nothing was loaded.")
    st.stop()

st.subheader("Dry run")
st.markdown(f"**Detected:** {preview.kind}. " + loading.verdict(preview))
if preview.mapping:
    with st.expander("Mapping in use", expanded=True):
        st.code("\n".join(preview.mapping), language=None)
ui.table(preview.counts)
for note in preview.notes:
    st.caption(note)
if preview.rejects.empty:
    st.success("No row would be rejected.")
else:
    st.warning(f"{preview.rejected:,} rows would be rejected and not loaded; the other rows load.")
    ui.table(preview.rejects)

if st.button("Load into the dashboard", type="primary", icon=":material/upload:", key="_upload_load"):
    bar = st.progress(0.0, text="Loading ...") if kind == loading.CONTRACT else None

    def progress(done: int, total: int, label: str) -> None:
        bar.progress(done / max(total, 1), text=f"Loading {label} ({done} of {total} files)")

    try:
        with st.spinner("Loading: every row is checked, then the new data replaces the old in one step ..."):
            loaded = _run(dry_run=False, progress=progress if bar else None)
    except (UploadRefused, NotAllowed) as refused:
        st.error(f"Nothing was loaded: {refused}")
        st.stop()
    st.session_state["_load_done"] = f"{loading.verdict(loaded)} Recorded as loaded by {viewer.name}."
    st.session_state["_upload_round"] = round_ + 1
    st.session_state.pop("_upload_preview", None)
    st.rerun()
