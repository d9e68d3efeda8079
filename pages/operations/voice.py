"""Voice of the Customer: what customers talk about and how they feel, what detractors complain about, every
listening post in proportion, and the comments themselves next to each customer's revenue."""

from dataclasses import replace

import streamlit as st

from cxmetrics import config, ui
from cxmetrics.display import figures
from cxmetrics.query import catalog
from cxmetrics.reports.voice import analysis as voice
from cxmetrics.reports.voice import charts as charts_voice
from cxmetrics.text import sentiment

database = ui.connection()
review = ui.review()
min_n = int(config.get("CX_MIN_N"))

st.title("Voice of the Customer")
weeks = ui.url_choice(
    "Window",
    [str(w) for w in voice.WINDOW_WEEKS],
    "window",
    "13",
    format_func=lambda w: f"{w} weeks",
    help="The weeks ending with the review week chosen in the sidebar; compared with as many weeks before them.",
)
current = voice.window(review.week, int(weeks))
prior = voice.prior_window(current)
st.caption(
    f"{weeks} weeks from {current.start:%d %b} to {current.end:%d %b %Y}, compared with the {weeks} weeks before "
    f"({prior.start:%d %b} to {prior.end:%d %b %Y}). Themes come from the editable taxonomy; sentiment runs from "
    "-1 (negative) to +1 (positive)."
)
status = ui.cached(voice.status, database)
if status.missing:
    st.info(
        "Not loaded: " + ", ".join(f"`{t}`" for t in status.missing) + ". Load them to see "
        "contact reasons, complaints and social mentions beside survey comments, and each customer's revenue."
    )
if not status.built:
    st.warning(
        "Comments have not been scored for sentiment and themes in this database (it was loaded by an older "
        "version). Load the data again with `python -m cxmetrics load` to see themes, sentiment and verbatims; "
        "the listening posts below show volumes only."
    )
elif not status.taxonomy_current:
    st.info(
        "The theme taxonomy file changed after the last load: themes shown are from the taxonomy the data was "
        "tagged with. Load the data again to re-tag comments with the new file."
    )

if status.built:
    sums = ui.cached(voice.theme_sums, database, review.filters, current, prior)
    overall = voice.totals(sums)
    table = voice.theme_table(sums, status.labels, min_n)
    pareto = voice.detractor_pareto(sums, status.labels)
    growing = voice.growing_themes(table)
    if overall["comments"] == 0:
        st.info("No survey comments match the filters in this window: widen the window or clear a filter.")
    else:
        top = pareto[pareto["theme"] != voice.NO_THEME]
        tiles = st.columns(4, vertical_alignment="top")
        tiles[0].metric(
            "Survey comments",
            f"{overall['comments']:,}",
            help=f"Responses with a comment in the window; NPS of those who commented: {overall['nps']:.0f} "
            f"(n = {overall['nps_n']:,}).",
            border=True,
        )
        tiles[1].metric(
            "Negative comments",
            f"{overall['negative_pct']:.0f}%",
            help=f"Share of comments with sentiment at or below {sentiment.NEGATIVE} (VADER). "
            f"Mean sentiment {overall['sentiment']:+.2f}.",
            border=True,
        )
        with tiles[2].container(border=True):
            st.caption("Top detractor theme", help="The theme most mentioned in comments of detractors (NPS 0-6).")
            if len(top):
                st.markdown(f"**{top['label'].iloc[0]}**")
                st.caption(
                    f"In {top['pct_of_detractor_comments'].iloc[0]:.0f}% of {overall['detractor_comments']:,} "
                    "detractor comments"
                )
            else:
                st.markdown("No detractor comments")
        with tiles[3].container(border=True):
            st.caption(
                "Fastest-growing theme",
                help="Largest rise in the share of comments mentioning it since the prior window.",
            )
            if len(growing):
                row = growing.iloc[0]
                st.markdown(f"**{row['label']}**")
                verdict = "significant" if row["change_significant"] else "not significant"
                st.caption(f"{row['share_change_pts']:+.1f} pts to {row['share_pct']:.1f}% of comments, {verdict}")
            else:
                st.markdown("No theme grew")

        st.subheader("Themes and sentiment")
        view = charts_voice.theme_view(table, min_n)
        st.dataframe(
            charts_voice.theme_style(view),
            hide_index=True,
            height=figures.table_height(view),
            column_order=[c for c in view.columns if c != "withheld"],
            column_config={
                "Theme": st.column_config.TextColumn("Theme", width=200, pinned=True),
                "Mentions": st.column_config.TextColumn("Mentions", width=75),
                "Share of comments %": st.column_config.TextColumn("Share", width=65, help="Share of comments."),
                "Share change pts": st.column_config.TextColumn(
                    "Change", width=65, help="Change of the share against the prior window, points."
                ),
                "Sentiment": st.column_config.TextColumn(
                    "Sentiment", width=75, help="Mean VADER compound score, -1 negative .. +1 positive."
                ),
                "Negative %": st.column_config.TextColumn("Negative", width=70, help="Share of negative comments."),
                "NPS mentioning": st.column_config.TextColumn(
                    "NPS with", width=70, help="NPS of the responses whose comment mentions the theme."
                ),
                "NPS n": st.column_config.TextColumn(
                    "n", width=55, help="NPS answers among the comments mentioning the theme."
                ),
                "NPS of the rest": st.column_config.TextColumn(
                    "NPS rest", width=70, help="NPS of the other responses with a comment."
                ),
                "NPS gap": st.column_config.TextColumn(
                    "NPS gap",
                    width=200,
                    help="Mentioning minus the rest; significant when the 95% test (adjusted Wald) says it is not "
                    "noise.",
                ),
            },
        )
        st.caption(
            f"A comment can mention several themes. Grey rows: fewer than {min_n} mentions or NPS answers, so the "
            "score is withheld (–) and the count stays. NPS compares the comments mentioning a theme with the other "
            "comments of the window."
        )
        left, right = st.columns(2)
        with left:
            st.markdown("**NPS when a theme is mentioned, against the rest**")
            st.plotly_chart(charts_voice.theme_impact(table), theme=None)
            st.caption("Red: significantly lower NPS; green: significantly higher; grey: not significant.")
        with right:
            st.markdown("**What detractors talk about**")
            st.plotly_chart(charts_voice.pareto(pareto), theme=None)
            st.caption(
                f"Themes in the {overall['detractor_comments']:,} comments of detractors (NPS 0-6): bars count "
                "the comments mentioning each theme (label: share of detractor comments); the line adds up the "
                "share of all their theme mentions (top axis)."
            )

        st.subheader("Growing fastest since the prior window")
        if growing.empty:
            st.markdown("No theme's share of comments grew since the prior window.")
        for _, row in growing.iterrows():
            st.markdown(f"- {voice.growth_sentence(row)}")

st.subheader("Listening posts side by side")
trend = ui.cached(
    voice.posts_trend,
    database,
    review.filters,
    min(prior.start, voice.trend_start(current)),
    current.end,
    status.loaded,
    status.built,
)
summary = voice.posts_summary(trend, current, prior)
st.dataframe(
    charts_voice.posts_view(summary),
    hide_index=True,
    column_config={
        "Share of all voices %": st.column_config.TextColumn(
            "Share of all voices", help="Of every comment, contact, complaint and social post in the window."
        ),
        "Change vs prior %": st.column_config.TextColumn("Change vs prior", help="Volume against the prior window."),
        "Sentiment": st.column_config.TextColumn("Sentiment", help="Mean VADER score; posts with text only."),
        "Negative %": st.column_config.TextColumn("Negative"),
        "Reach": st.column_config.TextColumn("Reach", help="Social posts: audience reached (followers or views)."),
    },
)
st.plotly_chart(charts_voice.listening_posts(trend, voice.trend_start(current)), theme=None)
notes = voice.posts_filter_notes(review.filters, status.loaded)
st.caption(
    "Contact reasons and complaints are categories, not free text: their volume is shown, not a sentiment. "
    + " ".join(notes)
)

if status.built:
    st.subheader("Verbatims")
    controls = st.columns([3, 3, 2, 2])
    search = controls[0].text_input("Search comments", key="voice_search", placeholder="e.g. invoice")
    chosen_themes = controls[1].multiselect(
        "Theme", list(status.labels), format_func=status.labels.get, key="voice_themes", placeholder="All"
    )
    sentiments = controls[2].multiselect("Sentiment", sentiment.LABELS, key="voice_sentiment", placeholder="All")
    groups = controls[3].multiselect(
        "Score", voice.NPS_GROUPS, format_func=voice.NPS_GROUP_LABELS.get, key="voice_score", placeholder="All"
    )
    more = st.columns([3, 3, 4])
    touchpoints = more[0].multiselect(
        "Touchpoint",
        review.filters.touchpoints or ui.cached(catalog.dimension_values, database, "touchpoint", review.filters.scope),
        key="voice_touchpoint",
        placeholder="All",
    )
    regions = more[1].multiselect(
        "Region",
        review.filters.regions or ui.cached(catalog.dimension_values, database, "region", review.filters.scope),
        key="voice_region",
        placeholder="All",
    )
    has_revenue = "customer_revenue" in status.loaded
    order = more[2].segmented_control(
        "Order",
        ["Newest first", "Highest revenue first"] if has_revenue else ["Newest first"],
        default="Newest first",
        required=True,
        key="voice_order",
    )
    ask = voice.VerbatimQuery(
        search=search, themes=tuple(chosen_themes), sentiments=tuple(sentiments), nps_groups=tuple(groups)
    )
    ask = replace(ask, by_revenue=order == "Highest revenue first")
    local = replace(
        review.filters,
        touchpoints=tuple(touchpoints) or review.filters.touchpoints,
        regions=tuple(regions) or review.filters.regions,
    )
    if st.session_state.get("voice_asked") != (ask, local, current):
        st.session_state["voice_asked"] = (ask, local, current)
        st.session_state["voice_page"] = 1
    page = int(st.session_state.get("voice_page", 1))
    rows, matched = ui.cached(voice.verbatims, database, local, current, replace(ask, page=page))
    if rows.empty and matched:
        page = st.session_state["voice_page"] = voice.page_count(matched)
        rows, matched = ui.cached(voice.verbatims, database, local, current, replace(ask, page=page))
    if matched == 0:
        st.info("No comments match these conditions in the window.")
    else:
        view = voice.verbatim_view(rows, status.labels)
        st.dataframe(
            view,
            hide_index=True,
            height=figures.table_height(view),
            column_config={
                "date": st.column_config.DateColumn("Date"),
                "customer": st.column_config.TextColumn("Customer", width=170, pinned=True),
                "revenue_12m_usd": st.column_config.NumberColumn(
                    "Revenue 12m (USD)",
                    format="localized",
                    help="The customer's revenue over the 12 closed months to the window's end.",
                ),
                "region": "Region",
                "touchpoint": "Touchpoint",
                "nps": st.column_config.NumberColumn(
                    "NPS", format="%d", width=45, help="Likelihood to recommend, 0-10."
                ),
                "sentiment": st.column_config.TextColumn("Sentiment", width=75),
                "themes": st.column_config.TextColumn("Themes", width=200),
                "comment": st.column_config.TextColumn("Comment", width=460),
            },
        )
        pages = voice.page_count(matched)
        first = (page - 1) * voice.PAGE_SIZE + 1
        pager, note = st.columns([1, 5])
        pager.number_input("Page", min_value=1, max_value=pages, step=1, key="voice_page")
        note.caption(
            f"Comments {first:,} to {first + len(view) - 1:,} of {matched:,}"
            + ("" if has_revenue else ". Load `customer_revenue` to see each customer's revenue.")
        )
