"""Targets & events: both tables edited in place, saved whole after the load's checks, and the edit history."""

import streamlit as st

from cxmetrics import ui
from cxmetrics.access import NotAllowed
from cxmetrics.ingest import edits
from cxmetrics.reports.data import editors, loading

database = ui.connection()
viewer = ui.viewer()
view = ui.cached(editors.build, database)

ui.header("Targets & events", view.caption)
if done := st.session_state.pop("_edit_done", None):
    st.success(done)
st.session_state.setdefault("_edit_round", 0)
round_ = st.session_state["_edit_round"]


def _save(table: str, edited) -> None:
    """Save one editor's table; on a refusal show each refused row's reason and keep the edits on screen."""
    try:
        saved = edits.save(database.version[0], table, editors.from_editor(table, edited), viewer.grant, viewer.name)
    except edits.EditRefused as refused:
        st.error(loading.refusal(refused.rejects))
        st.markdown(loading.refused_rows(refused.rejects))
        return
    except NotAllowed as refused:
        st.error(f"Nothing was saved: {refused}.")
        return
    if not saved.changed:
        st.info("Nothing to save: the table is as stored.")
        return
    st.session_state["_edit_done"] = (
        f"Saved {table}: {saved.inserted} added, {saved.updated} changed, {saved.deleted} deleted, by {viewer.name}. "
        "Every page shows the new values from now on."
    )
    st.session_state["_edit_round"] = round_ + 1
    st.rerun()


targets_tab, events_tab, history_tab = st.tabs(["Targets", "Events", "Edit history"])
with targets_tab:
    st.caption(
        "One row per metric, period and slice. A target is in the metric's unit: NPS points (-100 to 100), "
        "percentages (0 to 100), USD for money; a value the metric cannot reach is refused. Add a row at the bottom; "
        "delete one by ticking it and pressing the bin above the table."
    )
    targets = ui.editor(view.targets, key=f"targets_editor_{round_}", rows="dynamic", choices=view.target_choices)
    if st.button("Save targets", type="primary", key="save_targets"):
        _save("targets", targets)
with events_tab:
    st.caption("Events are marked on every trend chart. New events get an id.")
    events = ui.editor(
        view.events, key=f"events_editor_{round_}", rows="dynamic", choices=view.event_choices, disabled=["event_id"]
    )
    if st.button("Save events", type="primary", key="save_events"):
        _save("events", events)
with history_tab:
    if view.history.empty:
        st.info("No edits yet: every change saved here is listed with who made it, when, and the old and new value.")
    else:
        st.caption(f"The latest {editors.HISTORY_ROWS} changes, newest first; one row per changed value.")
        ui.table(view.history)
