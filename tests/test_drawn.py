"""Charts and tables are drawn once per distinct input and replayed on later runs, never shared between inputs."""

from __future__ import annotations

import pickle
import threading

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from cxmetrics import ui
from cxmetrics.display.fingerprint import fingerprint

SCRIPT = """
import os
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from cxmetrics import ui

log = Path(os.environ["DRAWN_LOG"])


def trend(frame):
    with log.open("a") as out:
        out.write("chart\\n")
    return go.Figure(go.Scatter(x=frame["week"], y=frame["nps"]))


def shaded(frame):
    with log.open("a") as out:
        out.write("style\\n")
    return frame.style.map(lambda v: "color: red" if v < 0 else "")


shift = st.number_input("shift", value=0)
frame = pd.DataFrame({"week": [1, 2, 3], "nps": [10 + shift, -5, 20]})
with st.container():
    ui.chart(trend, frame)
ui.table(frame, style=shaded, footnotes=("A note",))
"""


def _drawn_log(path) -> list[str]:
    return path.read_text().split() if path.exists() else []


def test_a_chart_and_a_styled_table_are_made_once_per_input_and_replayed(tmp_path, monkeypatch):
    log = tmp_path / "drawn.log"
    monkeypatch.setenv("DRAWN_LOG", str(log))
    ui._drawn.clear()
    app = AppTest.from_string(SCRIPT, default_timeout=60).run()
    assert not app.exception
    assert _drawn_log(log) == ["chart", "style"]
    app.run()  # same input: replayed, not made again
    assert not app.exception
    assert _drawn_log(log) == ["chart", "style"]
    assert len(app.get("plotly_chart")) == 1 and len(app.dataframe) == 1
    assert [c.value for c in app.caption] == ["A note"]
    app.number_input[0].set_value(3).run()  # another input: made again
    assert _drawn_log(log) == ["chart", "style", "chart", "style"]
    assert len(app.get("plotly_chart")) == 1 and len(app.dataframe) == 1


def test_the_fingerprint_tells_apart_every_value_label_and_type():
    frame = pd.DataFrame({"week": [1, 2, 3], "nps": [10.0, -5.0, 20.0]})
    same = pd.DataFrame({"week": [1, 2, 3], "nps": [10.0, -5.0, 20.0]})
    assert fingerprint(frame, "a") == fingerprint(same, "a")
    others = [
        frame.assign(nps=[10.0, -5.0, 20.5]),  # one value
        frame.rename(columns={"nps": "csat"}),  # a label
        frame.astype({"week": "int32"}),  # a type
        frame.set_index(pd.Index([1, 2, 4])),  # the index
        frame.iloc[:2],  # a row fewer
    ]
    digests = {fingerprint(frame, "a"), *(fingerprint(o, "a") for o in others), fingerprint(frame, "b")}
    assert len(digests) == len(others) + 2
    big = pd.DataFrame({"x": range(200_000)})
    changed = big.copy()
    changed.loc[123_457, "x"] = -1  # one cell of a large frame: never sampled away
    assert fingerprint(big) != fingerprint(changed)


def test_a_value_that_cannot_be_pickled_has_no_fingerprint_and_is_drawn_directly():
    assert fingerprint(lambda: 1) is None
    with pytest.raises(TypeError):
        pickle.dumps(threading.Lock())
    assert fingerprint([threading.Lock()]) is None


def test_a_full_collection_runs_at_most_once_per_interval(monkeypatch):
    collected = []
    clock = [1000.0]
    monkeypatch.setattr(ui.gc, "collect", lambda *a: collected.append(clock[0]))
    monkeypatch.setattr(ui.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(ui, "_last_collection", [clock[0] - ui.COLLECT_EVERY_SECONDS])
    monkeypatch.setattr(ui, "_heap_settled", lambda page: True)
    for _ in range(5):
        ui.settle_heap("scorecard")
    assert collected == [1000.0]
    clock[0] += ui.COLLECT_EVERY_SECONDS - 0.1
    ui.settle_heap("scorecard")
    assert collected == [1000.0]
    clock[0] += 0.2
    ui.settle_heap("scorecard")
    assert collected == [1000.0, clock[0]]


def test_a_figure_for_a_selectable_chart_is_made_once_per_input_and_shared():
    made = []

    def bars(frame: pd.DataFrame) -> dict:
        made.append(len(frame))
        return {"data": [{"type": "bar", "y": list(frame["nps"])}]}

    ui._made.clear()
    frame = pd.DataFrame({"nps": [1.0, 2.0]})
    first = ui.figure(bars, frame)
    assert ui.figure(bars, frame.copy()) is first
    other = ui.figure(bars, frame.assign(nps=[1.0, 3.0]))
    assert other is not first and other["data"][0]["y"] == [1.0, 3.0]
    assert made == [2, 2]
