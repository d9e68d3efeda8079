"""Actions: the review's decisions, their owners and due dates, and whether the metric each should move has moved."""

from datetime import UTC, datetime, timedelta

import streamlit as st

from cxmetrics import ui
from cxmetrics.metrics.registry import get_metric
from cxmetrics.query import catalog
from cxmetrics.reports.actions import links, movement, register
from cxmetrics.reports.actions import view as actions_view

database = ui.connection()
review = ui.review()
viewer = ui.viewer()
actor = register.Actor(viewer.grant, viewer.who)
today = datetime.now(UTC).date()

ui.header("Actions")
for message in st.session_state.pop("_actions_saved", ()):
    st.success(message)
view = ui.cached(actions_view.build, database, viewer.scope, today)
st.caption(view.caption)
ui.tile_row(view.tiles)
if view.empty_note:
    st.info(view.empty_note)
else:
    ui.table(
        view.table,
        actions_view.TABLE_COLUMNS,
        download=("Download the register (CSV)", view.csv, view.csv_name),
    )


def _slice_options(dimension: str) -> list[str]:
    """The values a slice may take: 'all' ('') only where the viewer's scope does not restrict the dimension."""
    values = ui.cached(catalog.dimension_values, database, dimension, viewer.scope)
    return values if dimension in viewer.scope.restrictions() else ["", *values]


def _seed_from_url() -> None:
    """Prefill the new action's fields from a link (a 'what changed' bullet, a journey cell, a driver), once; a
    value the form does not offer is left out."""
    offered = {"metric": movement.ACTION_METRICS, "direction": register.DIRECTIONS}
    offered |= {dim: _slice_options(dim) for dim in register.SLICE_DIMENSIONS}
    for field in links.FIELDS:
        key, value = links.PREFIX + field, st.query_params.get(links.PREFIX + field)
        if value is not None and f"new_{field}" not in st.session_state and value in offered.get(field, (value,)):
            st.session_state[f"new_{field}"] = value
        st.query_params.pop(key, None)


def _save(message: str) -> None:
    st.session_state["_actions_saved"] = (message,)
    st.rerun()


st.subheader("Record an action")
_seed_from_url()
if origin := st.session_state.get("new_origin"):
    st.caption(f"Prefilled from the {origin}; the baseline is read when you record it.")
with st.form("new_action", clear_on_submit=False):
    title = st.text_input("Action", key="new_title", placeholder="What will be done")
    who, due = st.columns(2)
    owner = who.text_input("Owner", key="new_owner", value=viewer.who, help="Their sign-in email lets them update it.")
    due_date = due.date_input("Due", key="new_due", value=today + timedelta(weeks=4), min_value=today)
    what, way = st.columns([2, 1])
    metric_id = what.selectbox(
        "Metric it should move",
        movement.ACTION_METRICS,
        key="new_metric",
        format_func=lambda m: get_metric(m).label,
    )
    direction = way.selectbox("Expected direction", register.DIRECTIONS, key="new_direction")
    chosen = {}
    for column, dimension in zip(st.columns(4), register.SLICE_DIMENSIONS, strict=True):
        chosen[dimension] = column.selectbox(
            dimension.capitalize(),
            _slice_options(dimension),
            key=f"new_{dimension}",
            format_func=lambda value: value or "All",
        )
    note = st.text_area("Note", key="new_note", height=68)
    st.caption(
        f"Baseline: the metric in this slice over the {movement.WINDOW_WEEKS} weeks to the review week "
        f"{review.week.label} (sidebar), with its interval and n."
    )
    recorded = st.form_submit_button("Record the action", type="primary")
if recorded:
    draft = register.Draft(title, owner, due_date, metric_id, direction, **chosen, note=note)
    try:
        row = register.create(ui.database_target(), draft, actor, review.week)
    except register.ActionRefused as refusal:
        st.error(f"Not recorded: {refusal}.")
    else:
        for field in ("title", "note", "origin"):
            st.session_state.pop(f"new_{field}", None)
        metric = get_metric(row["metric"])
        base = "withheld (too few responses)" if row["baseline_value"] is None else metric.format(row["baseline_value"])
        _save(f"Recorded {row['action_id']}: baseline {base} (n = {row['baseline_n']:,}).")

st.subheader("Update an action")
mine = actions_view.updatable(view, actor)
if not mine:
    st.caption("Owners update their actions; the CX team and admins update any in their access.")
else:
    with st.form("update_action"):
        picked = st.selectbox("Action", mine, key="update_pick", format_func=lambda line: line.label)
        status = st.selectbox("Status", register.STATUSES, key="update_status")
        added = st.text_input("Add a note", key="update_note")
        saved = st.form_submit_button("Save")
    if saved:
        try:
            register.update(ui.database_target(), picked.action_id, actor, status=status, note=added)
        except register.ActionRefused as refusal:
            st.error(f"Not saved: {refusal}.")
        else:
            st.session_state.pop("update_note", None)
            _save(f"Updated {picked.action_id}: {status}.")
