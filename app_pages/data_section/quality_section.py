"""The Data page's "Data quality" section, shown near its top (imported by the page; not a page of its own)."""

import streamlit as st

from cxmetrics import ui
from cxmetrics.reports.data import quality as data_quality


def show() -> None:
    """Freshness per table, the review week's checks of the responses and the rejects of recent loads."""
    review = ui.chosen_review()
    section = ui.cached(data_quality.build, ui.connection(), review.filters.scope, review.week)
    st.subheader("Data quality")
    st.caption(section.caption)
    for line in section.lines:
        st.warning(line, icon=":material/report:")
    if not section.lines:
        st.success("No data-quality problem found: every table is fresh and the review week's responses look usual.")
    ui.table(section.freshness)
    with st.expander("Response volumes, unanswered scores and answer shifts of the review week"):
        ui.table(section.volumes)
        ui.table(section.answers)
        st.caption(section.duplicates_note)
        if not section.rejects.empty:
            ui.table(section.rejects)
