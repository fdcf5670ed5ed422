"""Catalogue flow: the command centre's indicator board (Indicator, IndicatorCases), as the
command centre, the bureau chief and the centre head read it."""

from __future__ import annotations

import pytest

from .test_indicators import NOW, _insert

PERIOD = {"from": "2025-01-01", "to": "2025-03-31"}


@pytest.mark.parametrize("user", ["command", "chief", "center-head"])
async def test_a_reader_reads_an_indicator_and_the_cases_behind_a_figure(api, ctx, clock, user) -> None:
    clock.set(NOW)
    await _insert(ctx, 30)
    data = (await api.op("Indicator", {"name": "CASES_RECEIVED", **PERIOD, "granularity": "MONTH"},
                         as_=user))["indicator"]
    assert (data["nameLabel"], data["granularityLabel"], data["byLabel"]) == ("收案数", "按月", "合计")
    assert "received_on" in data["definition"] and data["denominatorDefinition"] is None
    assert [c["bucket"] for c in data["cells"]] == ["2025-01-01", "2025-02-01", "2025-03-01"]

    by_team = (await api.op("Indicator", {"name": "CASES_RECEIVED", **PERIOD, "by": "TEAM"},
                            as_=user))["indicator"]["cells"]
    cell = next(c for c in by_team if c["key"])
    assert cell["keyLabel"] and float(cell["value"]) == float(cell["numerator"]) >= 1
    page = (await api.op("IndicatorCases", {"name": "CASES_RECEIVED", **PERIOD, "by": "TEAM",
                                            "bucket": cell["bucket"], "key": cell["key"], "first": 2},
                         as_=user))["indicatorCases"]
    assert page["totalCount"] == int(float(cell["numerator"]))
    assert all(e["node"]["team"]["id"] == cell["key"] for e in page["edges"])
    seen = [e["node"]["id"] for e in page["edges"]]
    while page["pageInfo"]["hasNextPage"]:
        page = (await api.op("IndicatorCases", {"name": "CASES_RECEIVED", **PERIOD, "by": "TEAM",
                                                "bucket": cell["bucket"], "key": cell["key"], "first": 2,
                                                "after": page["pageInfo"]["endCursor"]}, as_=user))["indicatorCases"]
        seen += [e["node"]["id"] for e in page["edges"]]
    assert len(seen) == len(set(seen)) == page["totalCount"]


async def test_a_reader_reads_the_supervision_orders_answered_on_time_by_team(api, ctx, clock) -> None:
    clock.set(NOW)
    await _insert(ctx, 30)
    data = (await api.op("Indicator", {"name": "SUPERVISION_REPLY_ON_TIME", **PERIOD, "by": "TEAM"},
                         as_="command"))["indicator"]
    assert (data["nameLabel"], data["byLabel"]) == ("督办按期答复率", "团队")
    assert "due_on" in data["definition"] and "on_time" in data["numeratorDefinition"]
    cells = [c for c in data["cells"] if c["key"]]
    assert cells and all(c["keyLabel"] for c in cells)
    for c in cells:
        assert float(c["value"]) == pytest.approx(float(c["numerator"]) / float(c["denominator"]))
