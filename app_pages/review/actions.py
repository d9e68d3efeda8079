"""Actions: the review's decisions, their owners and due dates, and whether the metric each should move has moved."""

from datetime import UTC, datetime, timedelta

import streamlit as st

from cxmetrics import ui
from cxmetrics.display import figures
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
if saved := st.session_state.pop("_actions_saved", None):
    st.success(saved)
view = ui.cached(actions_view.build, database, review.filters, today)
st.caption(view.caption)
if view.empty_note:
    st.info(view.empty_note)
else:
    ui.tile_row(view.tiles)
for line in view.lines:
    with st.container(border=True):
        title, badges = st.columns([3, 1])
        title.markdown(f"**{line.title}**  \n{line.details}")
        badges.badge(line.status_text, color=figures.badge_colour(line.status_colour))
        badges.badge(line.movement.verdict.capitalize(), color=figures.badge_colour(line.verdict_colour))
        st.markdown(line.movement.sentence)
        if line.note:
            st.caption(line.note.replace("\n", "  \n"))
if view.lines:
    st.download_button(
        "Download the register (CSV)", view.csv, file_name=view.csv_name, mime="text/csv", icon=":material/download:"
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


def _record() -> None:
    """Record the new action (a callback: it runs before the rerun, so the form can be emptied after it)."""
    state = st.session_state
    fields = {name: state[f"new_{name}"] for name in ("title", "owner", "due", "metric", "direction", "note")}
    draft = register.Draft(
        fields["title"], fields["owner"], fields["due"], fields["metric"], fields["direction"],
        **{dim: state[f"new_{dim}"] for dim in register.SLICE_DIMENSIONS}, note=fields["note"],
    )  # fmt: skip
    try:
        row = register.create(ui.database_target(), draft, actor, review.week)
    except register.ActionRefused as refusal:
        state["_actions_refused"] = f"Not recorded: {refusal}."
        return
    state["_actions_saved"] = actions_view.recorded_text(row)
    state["new_title"], state["new_note"] = "", ""
    state.pop("new_origin", None)


def _update() -> None:
    """Save the status and note of the action picked (a callback, as `_record`)."""
    state = st.session_state
    picked = state["update_pick"]
    try:
        register.update(ui.database_target(), picked.action_id, actor, status=state["update_status"],
                        note=state["update_note"])  # fmt: skip
    except register.ActionRefused as refusal:
        state["_actions_refused"] = f"Not saved: {refusal}."
        return
    state["_actions_saved"] = f"Updated {picked.action_id}: {state['update_status']}."
    state["update_note"] = ""


st.subheader("Record an action")
_seed_from_url()
if origin := st.session_state.get("new_origin"):
    st.caption(f"Prefilled from the {origin}; the baseline is read when you record it.")
if refused := st.session_state.pop("_actions_refused", None):
    st.error(refused)
with st.form("new_action"):
    st.text_input("Action", key="new_title", placeholder="What will be done")
    who, due = st.columns(2)
    who.text_input("Owner", key="new_owner", value=viewer.who, help="Their sign-in email lets them update it.")
    due.date_input("Due", key="new_due", value=today + timedelta(weeks=4), min_value=today)
    what, way = st.columns([2, 1])
    what.selectbox(
        "Metric it should move", movement.ACTION_METRICS, key="new_metric", format_func=lambda m: get_metric(m).label
    )
    way.selectbox("Expected direction", register.DIRECTIONS, key="new_direction")
    for column, dimension in zip(st.columns(4), register.SLICE_DIMENSIONS, strict=True):
        column.selectbox(
            dimension.capitalize(),
            _slice_options(dimension),
            key=f"new_{dimension}",
            format_func=lambda value: value or "All",
        )
    st.text_area("Note", key="new_note", height=68)
    st.caption(
        f"Baseline: the metric in this slice over the {movement.WINDOW_WEEKS} weeks to the review week "
        f"{review.week.label} (sidebar), with its interval and n."
    )
    st.form_submit_button("Record the action", type="primary", on_click=_record)

st.subheader("Update an action")
mine = actions_view.updatable(view, actor)
if not mine:
    st.caption("Owners update their actions; the CX team and admins update any in their access.")
else:
    with st.form("update_action"):
        st.selectbox("Action to update", mine, key="update_pick", format_func=lambda line: line.label)
        st.selectbox("Status", register.STATUSES, key="update_status")
        st.text_input("Add a note", key="update_note")
        st.form_submit_button("Save", on_click=_update)
