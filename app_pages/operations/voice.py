"""Voice of the Customer: what customers talk about and how they feel, what detractors complain about, every
listening post in proportion, and the comments themselves next to each customer's revenue."""

import streamlit as st

from cxmetrics import ui
from cxmetrics.display import figures
from cxmetrics.reports.voice import charts
from cxmetrics.reports.voice import view as voice

database = ui.connection()
review = ui.review()

ui.header("Voice of the Customer")
ui.data_warnings("voice")
weeks = int(
    ui.url_choice(
        "Window",
        list(voice.WINDOW_LABELS),
        "window",
        voice.DEFAULT_WINDOW,
        format_func=voice.WINDOW_LABELS.get,
        help="The weeks ending with the review week chosen in the sidebar; compared with as many weeks before them.",
    )
)
view = ui.cached(voice.build, database, review.filters, review.week, weeks)
st.caption(view.subtitle)
ui.notes(view.missing_note)
if view.unscored_warning:
    st.warning(view.unscored_warning)
if view.taxonomy_note:
    st.info(view.taxonomy_note)

if view.no_comments_note:
    st.info(view.no_comments_note)
if themes := view.themes:
    ui.tile_row(themes.tiles)
    st.subheader("Themes and sentiment")
    ui.table(themes.rows, themes.columns, style=charts.theme_style, height=figures.table_height(themes.rows))
    st.caption(themes.caption)
    st.caption(themes.sentiment_note)
    left, right = st.columns(2)
    with left:
        st.markdown("**NPS when a theme is mentioned, against the rest**")
        ui.chart(charts.theme_impact, themes.table)
        st.caption("Red: significantly lower NPS; green: significantly higher; grey: not significant.")
    with right:
        st.markdown("**What detractors talk about**")
        ui.chart(charts.pareto, themes.pareto)
        st.caption(themes.pareto_caption)
    st.subheader("Growing fastest since the prior window")
    for line in themes.growth:
        st.markdown(line)

st.subheader("Listening posts side by side")
ui.table(view.posts)
ui.chart(charts.listening_posts, view.trend, view.trend_start)
st.caption(view.posts_caption)


@ui.section
def verbatims(view: voice.VoiceView, weeks: int) -> None:
    """The comments themselves: a search, filter or page change reruns this section alone."""
    database, review = ui.connection(), ui.review()
    st.subheader("Verbatims")
    controls = st.columns([3, 3, 2, 2])
    search = controls[0].text_input("Search comments", key="voice_search", placeholder="e.g. invoice")
    chosen_themes = controls[1].multiselect(
        "Theme", list(view.theme_labels), format_func=view.theme_labels.get, key="voice_themes", placeholder="All"
    )
    sentiments = controls[2].multiselect("Sentiment", voice.SENTIMENTS, key="voice_sentiment", placeholder="All")
    groups = controls[3].multiselect(
        "Score", voice.NPS_GROUPS, format_func=voice.NPS_GROUP_LABELS.get, key="voice_score", placeholder="All"
    )
    more = st.columns([3, 3, 4])
    touchpoints = more[0].multiselect("Touchpoint", view.touchpoints, key="voice_touchpoint", placeholder="All")
    regions = more[1].multiselect("Region", view.regions, key="voice_region", placeholder="All")
    order = more[2].segmented_control(
        "Order", view.orders, format_func=voice.ORDER_LABELS.get, default="newest", required=True, key="voice_order"
    )
    question = voice.Question(
        search=search,
        themes=tuple(chosen_themes),
        sentiments=tuple(sentiments),
        nps_groups=tuple(groups),
        touchpoints=tuple(touchpoints),
        regions=tuple(regions),
        order=order,
    )
    page_key = voice.page_key(review.filters, review.week, weeks, question)
    page = st.session_state.get(page_key, 1)
    found = ui.cached(voice.verbatims, database, review.filters, review.week, weeks, question, page)
    if found.empty_note:
        st.info(found.empty_note)
    else:
        ui.table(found.rows, height=figures.table_height(found.rows))
        pager, note = st.columns([1, 5])
        ui.page_number(pager, page_key, found.page, found.pages)
        note.caption(found.caption)


if view.built:
    verbatims(view, weeks)
