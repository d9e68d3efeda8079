"""Journey & Drivers: where along the journey the experience breaks, and which fixes move NPS most."""

import streamlit as st

from cxmetrics import ui
from cxmetrics.reports.actions import links as actions_links
from cxmetrics.reports.journey import charts
from cxmetrics.reports.journey import view as journey
from cxmetrics.reports.journey.detail import cell_filters

database = ui.connection()
review = ui.review()

ui.header("Journey & Drivers")
ui.data_warnings("journey")
left, middle, right = st.columns([2, 1.2, 1])
grain = ui.url_choice(  # the key the Scorecard uses too: its explore links open the map on the same period
    "Period",
    journey.GRAINS,
    "grain",
    "week",
    format_func=journey.GRAIN_LABELS.get,
    help="4 weeks: the 4 weeks to the review week, against the 13 weeks before (one week has too few answers per "
    "touchpoint). Month, quarter: the latest closed by the last day with data (for an earlier week, by the end of the "
    "week after it), against the one before.",
    container=left,
)
metric_id = middle.segmented_control(
    "Score",
    journey.MAP_METRICS,
    format_func=journey.METRIC_LABELS.get,
    required=True,
    key="map_metric",
    default="transactional_nps",
)
dimension = right.segmented_control(
    "Rows", journey.ROW_DIMENSIONS, format_func=journey.ROW_LABELS.get, required=True, key="map_rows", default="region"
)
view = ui.cached(journey.build, database, review.filters, review.week, grain, metric_id, dimension)

st.subheader("Journey map")
st.caption(view.caption)
ui.notes(view.targets_note)
if view.touchpoint_note:
    st.info(view.touchpoint_note)


def _open_clicked_cell() -> None:
    """Open the detail of the cell clicked on the map."""
    points = st.session_state["journey_map"].selection.points
    if points:
        st.session_state["cell_row"], st.session_state["cell_touchpoint"] = points[0]["customdata"][:2]


@ui.section
def cell_detail(view: journey.JourneyView, dimension: str) -> None:
    """One cell of the map over time with its complaints: picking another cell reruns this section alone."""
    database, review = ui.connection(), ui.review()
    st.subheader("Cell detail")
    # Picked below (or by a click on the map): the build gets the last choice and settles on a cell the map has.
    asked_cell = (st.session_state.get("cell_row"), st.session_state.get("cell_touchpoint"))
    cell = ui.cached(journey.cell, database, review.filters, view.cell_picks, asked_cell)
    pick_row, pick_touchpoint = st.columns(2)
    ui.choice(pick_row, journey.ROW_LABELS[dimension], cell.rows, "cell_row", cell.row)
    ui.choice(
        pick_touchpoint, "Touchpoint", cell.touchpoints, "cell_touchpoint", cell.touchpoint, charts.touchpoint_label
    )
    ui.tile_row(cell.tiles)
    narrowed = cell_filters(review.filters, dimension, cell.row, cell.touchpoint)
    st.markdown(f"[Record an action for this cell]({actions_links.from_cell(review.week, metric_id, narrowed)})")
    ui.chart(charts.cell_trend, cell.trend, cell.events, view.metric, cell.trend_title, cell.window)
    if cell.complaints_missing:
        st.info(cell.complaints_missing)
    elif cell.no_complaints:
        st.caption(cell.no_complaints)
    else:
        ui.table(cell.complaints)


@ui.section
def key_drivers(view: journey.JourneyView) -> None:
    """Driver importance and the priority matrix: their own controls rerun this section alone."""
    database, review = ui.connection(), ui.review()
    st.subheader("Key drivers of NPS")
    ui.notes(view.drivers_missing)
    if view.driver_choices:
        # Picked below: the build gets the last choice (the first row by default) and reruns alone when it changes.
        compare_with = st.session_state.get("driver_scope")
        drivers = ui.cached(journey.drivers, database, review.filters, view.driver_choices, compare_with)
        if drivers.scopes:
            st.selectbox(
                "Compare with",
                drivers.scopes,
                index=journey.DEFAULT_SCOPE,
                key="driver_scope",
                help="A region or segment.",
            )
        st.caption(drivers.caption)
        for warning in drivers.warnings:
            st.warning(warning)
        if drivers.shown:
            ui.chart(charts.driver_importance, list(drivers.shown))
            for sentence in drivers.sentences:
                st.markdown(sentence)
            if drivers.cross_check is not None:
                ui.table(drivers.cross_check)
                st.caption(drivers.cross_check_caption)

            st.subheader("Priority matrix")
            performance = st.segmented_control(
                "Performance",
                list(journey.PERFORMANCE),
                format_func=journey.PERFORMANCE.get,
                required=True,
                key="performance",
                default="mean_rating",
            )
            priority = drivers.priority[performance]
            st.markdown(priority.sentence)
            if priority.fix_first:
                link = actions_links.from_driver(review.week, priority.fix_first, review.filters)
                st.markdown(f"[Record an action]({link})")
            ui.chart(charts.priority_matrix, priority.matrix, priority.label)
            st.caption(
                "Quadrants cut at the median importance and the median performance of the attributes, so one dominant "
                "driver cannot push every other below the cut."
            )


if view.empty_warning:
    st.warning(view.empty_warning)
if view.cell_picks:
    st.plotly_chart(
        ui.figure(charts.journey_map, view.cells, view.metric, view.period.compared_label),
        theme=None,
        key="journey_map",
        on_select=_open_clicked_cell,
        selection_mode="points",
        config={"displayModeBar": False},
    )
    st.markdown(view.red_summary)

    cell_detail(view, dimension)

key_drivers(view)

st.subheader("Service effectiveness")
ui.notes(view.service_missing)
if view.service:
    st.caption(view.service.caption)
    st.markdown(view.service.repeat_sentence)
    for title, table in view.service_tables:
        st.markdown(title)
        ui.table(table)
