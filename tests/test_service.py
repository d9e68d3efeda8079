"""Service effectiveness on a tiny contact centre checked on paper: FCR, repeat contacts, CSAT and CES after a
contact, handle time and cost, by channel and reason, under filters and the access scope."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pytest

from cxmetrics.filters import AccessScope, Filters
from cxmetrics.metrics.registry import get_metric
from cxmetrics.periods import Period
from cxmetrics.reports.journey import service
from tests import metric_fixtures as fx

NOVEMBER = Period("month", date(2026, 11, 1), date(2026, 11, 30))
CONTACTS = [
    # id, customer, when, channel, reason, resolved first time, handle minutes, cost
    ("t1", "e1", datetime(2026, 10, 28, 9), "phone", "billing question", False, 10.0, 16.0),  # before November
    ("t2", "e1", datetime(2026, 11, 2, 9), "phone", "billing question", True, 20.0, 32.0),  # repeat of t1 (5 days)
    ("t3", "e1", datetime(2026, 11, 20, 9), "phone", "billing question", True, 12.0, 19.2),  # 18 days: not a repeat
    ("t4", "e1", datetime(2026, 11, 3, 9), "chat", "how-to", False, 15.0, 12.0),
    ("t5", "e1", datetime(2026, 11, 5, 9), "chat", "how-to", None, None, None),  # repeat of t4, nothing recorded
    ("t6", "a1", datetime(2026, 11, 4, 9), "email", "how-to", True, 8.0, 5.6),
    ("t7", None, datetime(2026, 11, 4, 10), "email", "how-to", True, 6.0, 4.2),  # unknown customer: never a repeat
]


def _response(rid: str, customer: str, when: datetime, touchpoint: str, csat: int | None, ces: int | None) -> dict:
    return {
        "response_id": rid,
        "customer_id": customer,
        "responded_at": when,
        "survey": "transactional",
        "touchpoint": touchpoint,
        "channel": "email",
        "csat": csat,
        "ces": ces,
    }


@pytest.fixture
def centre():
    conn = fx.new_db()
    fx.insert(conn, "customers", [fx.customer("e1", "EMEA"), fx.customer("a1", "APAC")])
    columns = ("contact_id", "customer_id", "contacted_at", "channel", "reason", "resolved_first_contact",
               "handle_minutes", "cost_usd")  # fmt: skip
    fx.insert(conn, "contacts", [dict(zip(columns, row, strict=True)) for row in CONTACTS])
    fx.insert(
        conn,
        "responses",
        [
            _response("s1", "e1", datetime(2026, 11, 6, 9), "support", 5, 6),  # after t5 (chat, how-to)
            _response("s2", "e1", datetime(2026, 11, 25, 9), "support", 2, 3),  # after t3 (phone, billing question)
            _response("s3", "a1", datetime(2026, 11, 30, 9), "support", 4, None),  # 26 days after t6: unattributed
            _response("s4", "e1", datetime(2026, 11, 6, 9), "product", 1, 1),  # not a support response
        ],
    )
    return conn


def _rows(table):
    return table.set_index(["lens", "value"])


def test_effectiveness_by_channel_reason_and_in_total_on_paper(centre, monkeypatch) -> None:
    monkeypatch.setenv("CX_MIN_N", "1")
    report = service.report(centre, Filters(), NOVEMBER)
    rows = _rows(report.table)
    total = rows.loc[("total", service.TOTAL)]
    assert total["contacts"] == 6  # t2..t7
    assert total["fcr_pct"] == pytest.approx(80.0)  # 4 of 5 recorded
    assert total["repeats"] == 2 and total["repeat_pct"] == pytest.approx(100 * 2 / 6)  # t2, t5
    assert total["handle_minutes"] == pytest.approx(61 / 5)
    assert total["cost_per_contact_usd"] == pytest.approx(73 / 5)
    assert total["csat_pct"] == pytest.approx(50.0) and total["csat_n"] == 2  # s1 (5), s2 (2)
    assert total["ces"] == pytest.approx(4.5) and total["ces_n"] == 2
    phone, chat, email = (rows.loc[("channel", c)] for c in ("phone", "chat", "email"))
    assert (phone["contacts"], phone["fcr_pct"], phone["repeats"], phone["cost_per_contact_usd"]) == (2, 100, 1, 25.6)
    assert (chat["fcr_pct"], chat["repeats"], chat["handle_minutes"], chat["csat_pct"], chat["ces"]) == (
        0,
        1,
        15,
        100,
        6,
    )
    assert (email["repeats"], email["csat_n"]) == (0, 0)
    how_to = rows.loc[("reason", "how-to")]
    assert (how_to["contacts"], how_to["repeats"]) == (4, 1)
    assert how_to["fcr_pct"] == pytest.approx(200 / 3)
    assert (report.support_responses, report.attributed) == (3, 2)
    assert "(2 of 3 support responses)" in report.caption
    assert report.repeat_sentence == (
        "Most repeat contacts: billing question (1 repeats, 50.0% of its contacts), "
        "how-to (1 repeats, 25.0% of its contacts)."
    )


def test_values_under_the_minimum_n_are_withheld(centre, monkeypatch) -> None:
    monkeypatch.setenv("CX_MIN_N", "3")
    total = _rows(service.report(centre, Filters(), NOVEMBER).table).loc[("total", service.TOTAL)]
    assert total["fcr_pct"] == pytest.approx(80.0)  # 5 recorded >= 3
    assert total["csat_pct"] != total["csat_pct"] and total["csat_n"] == 2  # withheld, count kept
    chat = _rows(service.report(centre, Filters(), NOVEMBER).table).loc[("channel", "chat")]
    assert chat["fcr_pct"] != chat["fcr_pct"]  # one recorded
    assert chat["contacts"] == 2  # repeats are a share of them: withheld, the n kept
    assert chat["repeat_pct"] != chat["repeat_pct"] and chat["repeats"] != chat["repeats"]


def test_the_access_scope_and_filters_apply(centre, monkeypatch) -> None:
    monkeypatch.setenv("CX_MIN_N", "1")
    scoped = service.report(centre, Filters(scope=AccessScope(("EMEA",))), NOVEMBER)
    rows = _rows(scoped.table)
    assert rows.loc[("total", service.TOTAL), "contacts"] == 4  # t2..t5: APAC and unknown customers drop
    assert ("channel", "email") not in rows.index
    assert scoped.support_responses == 2
    touchpoint = service.report(centre, Filters(touchpoints=("support",)), NOVEMBER)
    assert "The touchpoint filter does not apply to contacts." in touchpoint.caption
    shown = service.display(touchpoint.table, "channel")
    assert shown.iloc[-1]["Channel"] == service.TOTAL and set(shown["Channel"][:-1]) == {"phone", "chat", "email"}
    assert shown.loc[shown["Channel"] == "phone", "FCR % (95% interval)"].item().startswith("100.0 (")


def test_ces_after_a_contact_carries_the_registrys_sums_for_its_mean_and_interval(centre) -> None:
    sums = service.support_sums(centre, Filters(), NOVEMBER).set_index(["lens", "value"])
    total = sums.loc[("total", service.TOTAL)]
    assert (total["ces_n"], total["ces_total"], total["ces_squares"]) == (2, 9, 45)  # answers 3 and 6
    mean, low, high = get_metric("ces").estimate.estimate(
        {"n": np.array([2.0]), "total": np.array([9.0]), "squares": np.array([45.0])}
    )
    # sd = sqrt((45 - 2 x 4.5^2) / 1) = sqrt(4.5); t(0.975, 1) = 12.706; half width = 12.706 x sqrt(4.5) / sqrt(2)
    assert (mean[0], high[0] - mean[0]) == pytest.approx((4.5, 12.706 * 1.5), rel=1e-4)
    assert mean[0] - low[0] == pytest.approx(high[0] - mean[0])
