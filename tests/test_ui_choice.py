"""`ui.url_choice`: a page's segmented control seeded from the URL and mirrored back to it; a choice already in the
session (e.g. made on another page with the same key) kept when it is one of this page's options."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def _page() -> None:
    import streamlit as st

    from cxmetrics import ui

    chosen = ui.url_choice("Period", ["week", "month", "quarter"], "grain", "week", format_func=str.title)
    st.write(f"chosen {chosen}")


def _app(**query: str) -> AppTest:
    app = AppTest.from_function(_page, default_timeout=30)
    for key, value in query.items():
        app.query_params[key] = value
    return app


def test_the_url_seeds_the_choice_and_the_default_stays_out_of_the_url() -> None:
    app = _app(grain="month")
    app.run()
    assert app.segmented_control(key="grain").value == "month"
    assert app.query_params.get("grain") == "month"
    app.segmented_control(key="grain").set_value("week").run()
    assert app.markdown[0].value == "chosen week"
    assert "grain" not in app.query_params


def test_an_unknown_value_in_the_url_falls_back_to_the_default() -> None:
    app = _app(grain="fortnight")
    app.run()
    assert app.segmented_control(key="grain").value == "week"
    assert "grain" not in app.query_params


def test_a_choice_already_in_the_session_wins_over_the_url() -> None:
    app = _app(grain="quarter")
    app.session_state["grain"] = "month"
    app.run()
    assert app.segmented_control(key="grain").value == "month"
    assert app.query_params.get("grain") == "month"


def test_a_choice_from_another_page_that_is_not_an_option_here_gives_way_to_the_url() -> None:
    """E.g. a grain the other page offers and this one does not."""
    app = _app(grain="quarter")
    app.session_state["grain"] = "ytd"
    app.run()
    assert app.segmented_control(key="grain").value == "quarter"
