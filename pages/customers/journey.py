"""Journey & Drivers: where along the journey the experience breaks, and which fixes move NPS most."""

import streamlit as st

from cxmetrics import ui
from cxmetrics.metrics.registry import get_metric
from cxmetrics.query import catalog
from cxmetrics.query.catalog import USED_BY
from cxmetrics.reports.journey import charts as charts_journey
from cxmetrics.reports.journey import detail as journey_detail
from cxmetrics.reports.journey import drivers as key_drivers
from cxmetrics.reports.journey import map as journey
from cxmetrics.reports.journey import service
from cxmetrics.stats.importance import BOOTSTRAP_RESAMPLES, MAX_SHAPLEY_DRIVERS

GRAIN_LABELS = {"week": "4 weeks", "month": "Month", "quarter": "Quarter", "ytd": "Year to date"}
METRIC_LABELS = {m: get_metric(m).label for m in journey.MAP_METRICS}
ROW_LABELS = {"region": "Region", "segment": "Segment"}

database = ui.connection()
review = ui.review()
filters = review.filters
loaded = ui.cached(catalog.loaded_tables, database)

st.title("Journey & Drivers")
left, middle, right = st.columns([2, 1.2, 1])
grain = ui.url_choice(  # the key the Scorecard uses too: its explore links open the map on the same period
    "Period",
    journey.GRAINS,
    "grain",
    "week",
    format_func=GRAIN_LABELS.get,
    help="4 weeks: the 4 weeks to the review week, against the 13 weeks before (one week has too few answers per "
    "touchpoint). Month, quarter: the last one complete by the review week's end, against the one before.",
    container=left,
)
metric_id = middle.segmented_control(
    "Score", journey.MAP_METRICS, format_func=METRIC_LABELS.get, required=True, key="map_metric", default="nps"
)
dimension = right.segmented_control(
    "Rows", journey.ROW_DIMENSIONS, format_func=ROW_LABELS.get, required=True, key="map_rows", default="region"
)
chosen = journey.map_period(grain, review.week)

# --- journey map ---------------------------------------------------------------------------------------------------
st.subheader("Journey map")
cells = ui.cached(journey.journey_map, database, metric_id, filters, chosen, dimension)
st.caption(
    f"{METRIC_LABELS[metric_id]} by touchpoint in journey order, {chosen.label}, compared with "
    f"{chosen.compared_label}. Red: significantly below target or falling significantly; yellow: below target "
    f"within the noise; green: on target; grey: under {journey.minimum_n(metric_id)} responses (score withheld). "
    "Touchpoints are judged against their region's or segment's target (the company's without one). "
    "Click a cell for its detail."
)
if "targets" not in loaded:
    st.info("Load `targets` to judge cells against targets: without it, only significant falls turn a cell red.")
if filters.touchpoints:
    st.info(
        f"Showing only the touchpoint(s) filtered in the sidebar ({', '.join(filters.touchpoints)}): clear the "
        "Touchpoint filter to see the whole journey."
    )


def _open_clicked_cell() -> None:
    """Open the detail of the cell clicked on the map."""
    points = st.session_state["journey_map"].selection.points
    if points:
        st.session_state["cell_row"], st.session_state["cell_touchpoint"] = points[0]["customdata"][:2]


if cells.empty:
    st.warning(f"No {METRIC_LABELS[metric_id]} answers at any touchpoint in {chosen.label} under these filters.")
else:
    st.plotly_chart(
        charts_journey.journey_map(cells, metric_id, chosen.compared_label),
        theme=None,
        key="journey_map",
        on_select=_open_clicked_cell,
        selection_mode="points",
        config={"displayModeBar": False},
    )
    st.markdown(journey.red_summary(cells, metric_id))

    # --- the detail of one cell --------------------------------------------------------------------------------------
    st.subheader("Cell detail")
    rows, touchpoints = list(dict.fromkeys(cells["row"])), list(dict.fromkeys(cells["touchpoint"]))
    first_row, first_touchpoint = journey.default_cell(cells)
    if st.session_state.get("cell_row") not in rows:
        st.session_state["cell_row"] = first_row
    if st.session_state.get("cell_touchpoint") not in touchpoints:
        st.session_state["cell_touchpoint"] = first_touchpoint
    pick_row, pick_touchpoint = st.columns(2)
    row = pick_row.selectbox(ROW_LABELS[dimension], rows, key="cell_row")
    touchpoint = pick_touchpoint.selectbox(
        "Touchpoint", touchpoints, key="cell_touchpoint", format_func=charts_journey.touchpoint_label
    )
    detail = ui.cached(journey_detail.cell_detail, database, metric_id, filters, dimension, row, touchpoint, chosen)
    cell = cells[(cells["row"] == row) & (cells["touchpoint"] == touchpoint)].iloc[0]
    metric = get_metric(metric_id)
    tiles = st.columns(4)
    tiles[0].metric(
        METRIC_LABELS[metric_id],
        f"too few (n = {int(cell['n']):,})" if cell["suppressed"] else metric.format(cell["value"]),
        help=f"{cell['reason'].capitalize()}. n = {int(cell['n']):,} responses in {chosen.label}.",
        border=True,
    )
    tiles[1].metric(
        "Responses",
        f"{detail.responses:,}",
        help=f"Survey responses in {chosen.label}, whichever scores they answered; the score counts those that "
        f"answered {METRIC_LABELS[metric_id]} (n = {int(cell['n']):,}).",
        border=True,
    )
    tiles[2].metric("With a comment", f"{detail.comments:,}", help="Responses with a free-text comment.", border=True)
    tiles[3].metric(
        "Complaints",
        f"{int(detail.complaints['complaints'].sum()):,}" if "complaints" in loaded else "—",
        help=f"Complaints opened in {chosen.label} about the {touchpoint} process.",
        border=True,
    )
    title = f"{METRIC_LABELS[metric_id]} at {charts_journey.touchpoint_label(touchpoint).lower()}, {row}, by month"
    st.plotly_chart(charts_journey.cell_trend(detail.trend, detail.events, metric_id, title, detail.window), theme=None)
    if "complaints" not in loaded:
        st.info(f"Load `complaints` to see the complaints behind a cell ({USED_BY['complaints']}).")
    elif detail.complaints.empty:
        st.caption(f"No complaints about the {touchpoint} process in {chosen.label}.")
    else:
        st.dataframe(
            detail.complaints,
            hide_index=True,
            column_config={
                "category": "Complaint category",
                "complaints": st.column_config.NumberColumn("Complaints", format="%d"),
                "lost": st.column_config.NumberColumn("Lost (not recovered)", format="%d"),
                "still_open": st.column_config.NumberColumn("Still open", format="%d"),
            },
        )

# --- key drivers ---------------------------------------------------------------------------------------------------
st.subheader("Key drivers of NPS")
if "response_attributes" not in loaded:
    st.info(
        f"Load `response_attributes` (attribute ratings of relationship surveys) for {USED_BY['response_attributes']}."
    )
else:
    values = ui.cached(journey.row_values, database, dimension, filters)
    company_label = key_drivers.scope_label(filters)
    value = None
    if len(values) > 1:
        scopes = [company_label] + [f"{ROW_LABELS[dimension]}: {v}" for v in values]
        scope = st.selectbox("Compare with", scopes, index=1, key="driver_scope", help="A region or segment.")
        value = None if scope == company_label else scope.split(": ", 1)[1]
    end = chosen.current.end
    analyses = ui.cached(key_drivers.analyse_with_slice, database, filters, end, company_label, dimension, value)
    company = analyses[0]
    st.caption(
        f"Johnson's relative weights of the 1-5 attribute ratings for NPS over the 12 months to "
        f"{company.window.end:%d %b %Y} (complete responses only), with 95% intervals from {BOOTSTRAP_RESAMPLES} "
        "bootstrap resamples; the weights add up to R², the share of NPS variance the ratings explain. "
        "Relationship surveys rate the whole relationship, so the touchpoint filter does not apply here."
    )
    shown = [a for a in analyses if a.enough]
    for analysis in analyses:
        if not analysis.enough:
            st.warning(
                f"{analysis.scope}: {analysis.n:,} complete responses, fewer than the {analysis.min_n} that driver "
                f"analysis needs for {len(analysis.attributes)} drivers (max(30, 10 x drivers)): no numbers shown."
            )
    if shown:
        st.plotly_chart(charts_journey.driver_importance(shown), theme=None)
        for analysis in shown:
            st.markdown(
                f"**{analysis.scope}**: R² = {analysis.r_squared:.2f}, n = {analysis.n:,} complete responses. "
                + key_drivers.ranking_sentence(analysis)
            )
        lead = shown[-1]
        if len(lead.attributes) <= MAX_SHAPLEY_DRIVERS:
            st.dataframe(
                key_drivers.cross_check(lead),
                hide_index=True,
                column_config={
                    "Relative weight": st.column_config.NumberColumn(format="%.4f"),
                    "95% low": st.column_config.NumberColumn(format="%.4f"),
                    "95% high": st.column_config.NumberColumn(format="%.4f"),
                    "Shapley value": st.column_config.NumberColumn(format="%.4f"),
                    "Share of R² (%)": st.column_config.NumberColumn(format="%.1f"),
                },
            )
            st.caption(f"{lead.scope}: Shapley regression as a cross-check; both methods add up to R².")

        # --- priority matrix -------------------------------------------------------------------------------------
        st.subheader("Priority matrix")
        performance = st.segmented_control(
            "Performance",
            list(key_drivers.PERFORMANCE),
            format_func=key_drivers.PERFORMANCE.get,
            required=True,
            key="performance",
            default="mean_rating",
        )
        matrix = key_drivers.priority(lead.table, performance)
        st.markdown(f"**{lead.scope}** · " + key_drivers.fix_first_sentence(matrix))
        st.plotly_chart(charts_journey.priority_matrix(matrix, key_drivers.PERFORMANCE[performance]), theme=None)
        st.caption("Quadrants cut at the average importance and the average performance of the attributes.")

# --- service effectiveness -----------------------------------------------------------------------------------------
st.subheader("Service effectiveness")
if "contacts" not in loaded:
    st.info(f"Load `contacts` (contact-centre contacts) for {USED_BY['contacts']}.")
else:
    report = ui.cached(service.report, database, filters, chosen.current)
    st.caption(report.caption)
    st.markdown(report.repeat_sentence)
    for lens, title in (("channel", "By contact channel"), ("reason", "By contact reason")):
        st.markdown(f"**{title}**")
        st.dataframe(service.display(report.table, lens), hide_index=True)
