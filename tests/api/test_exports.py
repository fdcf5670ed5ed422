"""Exports (issue 15, item 3): a case list downloads as .xlsx or CSV with zh-CN headers, holding
exactly the cases the viewer lists with the `cases` query, with the same bearer token; personal
data (ID numbers, phones) is not in it."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
import sqlalchemy as sa

from exec_center.api import cases as case_api
from exec_center.db.models import Case, Team
from exec_center.services import exports

from .test_case_lifecycle import RECEIVE_VARIABLES, receive

CASES = """query($filter: CaseFilter, $after: String) { cases(first: 100, filter: $filter, after: $after) {
  totalCount pageInfo { hasNextPage endCursor } edges { node { number } } } }"""


async def listed(api, as_: str, flt: dict | None = None) -> list[str]:
    """The case numbers the `cases` query lists for this viewer, newest first (every page)."""
    numbers, after = [], None
    while True:
        page = (await api.gql(CASES, {"filter": flt, "after": after}, as_=as_))["cases"]
        numbers += [e["node"]["number"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return numbers
        after = page["pageInfo"]["endCursor"]


async def download(api, path: str, as_: str | None = None, params=None):  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {await api.token(as_)}"} if as_ else {}
    return await api.client.get(path, params=params, headers=headers)


def sheet_rows(content: bytes) -> list[tuple]:
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    return list(workbook.active.iter_rows(values_only=True))


def csv_rows(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf"), "UTF-8 with a BOM, for Excel and WPS"
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


@pytest.fixture
async def spread(api) -> dict[str, str]:
    """Three cases: one of team impl-1, one of team impl-2, one not yet transferred."""
    numbers = [(await receive(api))["number"] for _ in range(3)]
    async with api.ctx.writer() as session:
        teams = dict((await session.execute(sa.select(Team.code, Team.id))).all())
        for number, team in zip(numbers, ("impl-1", "impl-2"), strict=False):
            await session.execute(sa.update(Case).where(Case.number == number).values(team_id=teams[team]))
        await session.commit()
    return {"impl-1": numbers[0], "impl-2": numbers[1], "none": numbers[2]}


async def test_a_case_list_as_xlsx_holds_what_the_cases_query_lists(api, spread) -> None:
    response = await download(api, "/exports/cases.xlsx", as_="center")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "filename*=UTF-8''" in response.headers["content-disposition"]
    rows = sheet_rows(response.content)
    assert list(rows[0]) == exports.CASE_HEADERS
    assert rows[0][:4] == ("案号", "案件类型", "案件阶段", "收案日期")
    assert [r[0] for r in rows[1:]] == await listed(api, "center")
    mine = next(r for r in rows if r[0] == spread["impl-1"])
    applicant = RECEIVE_VARIABLES["input"]["applicants"][0]["name"]
    assert mine[1] == "执行保全案件" and mine[2] == "已收案" and mine[4] == applicant
    assert mine[7] == float(Decimal(RECEIVE_VARIABLES["input"]["claimAmount"])) and mine[9] == "执行实施一团队"


async def test_a_case_list_as_csv_is_utf8_with_a_bom_and_the_same_rows(api, spread) -> None:
    response = await download(api, "/exports/cases.csv", as_="center", params={"stage": "RECEIVED"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    rows = csv_rows(response.content)
    assert rows[0] == exports.CASE_HEADERS
    assert [r[0] for r in rows[1:]] == await listed(api, "center", {"stage": ["RECEIVED"]})
    assert set(spread.values()) <= {r[0] for r in rows[1:]}


async def test_no_personal_data_is_exported(api, spread) -> None:
    party = RECEIVE_VARIABLES["input"]["respondents"][0]
    for path in ("/exports/cases.xlsx", "/exports/cases.csv"):
        content = (await download(api, path, as_="center")).content
        text = content.decode("utf-8-sig") if path.endswith("csv") else repr(sheet_rows(content))
        for value in (party["idNumber"], party.get("phone")):
            if value:
                assert value not in text


async def test_a_team_member_gets_only_the_cases_they_may_see(api, spread) -> None:
    rows = sheet_rows((await download(api, "/exports/cases.xlsx", as_="impl1")).content)
    numbers = [r[0] for r in rows[1:]]
    assert numbers == await listed(api, "impl1")
    assert spread["impl-1"] in numbers
    assert spread["impl-2"] not in numbers and spread["none"] not in numbers
    # The filter is the `cases` query's: a team the viewer is not in gives nothing more.
    impl2 = await api.gql('{ teams { id code } }', as_="impl1")
    team_id = next(t["id"] for t in impl2["teams"] if t["code"] == "impl-2")
    rows = csv_rows((await download(api, "/exports/cases.csv", as_="impl1", params={"teamId": team_id})).content)
    assert rows[1:] == []


async def test_filters_as_query_parameters(api, spread) -> None:
    search = spread["impl-2"][-6:]
    for params, flt in [
        ({"search": search}, {"search": search}),
        ({"stage": "RECEIVED,CLOSED", "mine": "false"}, {"stage": ["RECEIVED", "CLOSED"], "mine": False}),
        ({"type": "ZHI_BAO", "receivedFrom": "2024-01-01", "overdue": "false"},
         {"type": ["ZHI_BAO"], "receivedFrom": "2024-01-01", "overdue": False}),
    ]:
        rows = csv_rows((await download(api, "/exports/cases.csv", as_="chief", params=params)).content)
        assert [r[0] for r in rows[1:]] == await listed(api, "chief", flt), params


async def test_bad_parameters_name_the_field(api) -> None:
    response = await download(api, "/exports/cases.csv", as_="center", params={"stage": "NOPE"})
    assert response.status_code == 400
    assert response.json()["field"] == "filter.stage" and response.json()["code"] == "BAD_FORMAT"
    response = await download(api, "/exports/cases.csv", as_="center", params={"search": "x" * 51})
    assert response.status_code == 400 and response.json()["field"] == "filter.search"
    assert "检索内容" in response.json()["message"]


async def test_no_token_is_401_and_a_role_without_the_list_is_403(api) -> None:
    assert (await download(api, "/exports/cases.xlsx")).status_code == 401
    response = await api.client.get("/exports/cases.xlsx", headers={"Authorization": "Bearer forged"})
    assert response.status_code == 401
    response = await download(api, "/exports/cases.xlsx", as_="affairs")
    assert response.status_code == 403 and "导出案件列表" in response.json()["message"]


async def test_a_list_longer_than_a_direct_download_is_sent_to_the_worker(api, spread, monkeypatch) -> None:
    monkeypatch.setattr(exports, "DIRECT_LIMIT", 2)
    response = await download(api, "/exports/cases.csv", as_="center")
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "TOO_MANY_ROWS" and body["limit"] == 2
    assert body["rows"] == len(await listed(api, "center")) and "requestExport" in body["message"]


async def test_text_that_looks_like_a_formula_stays_text(api) -> None:
    variables = {"input": {**RECEIVE_VARIABLES["input"]}}
    variables["input"]["applicants"] = [{**RECEIVE_VARIABLES["input"]["applicants"][0], "name": "=HYPERLINK(1)"}]
    await receive(api, variables)
    rows = sheet_rows((await download(api, "/exports/cases.xlsx", as_="center")).content)
    assert "=HYPERLINK(1)" in {r[4] for r in rows[1:]}
    workbook = openpyxl.load_workbook(io.BytesIO((await download(api, "/exports/cases.xlsx", as_="center")).content))
    cells = [c for c in workbook.active["E"] if c.value == "=HYPERLINK(1)"]
    assert cells and all(c.data_type == "s" for c in cells)
    rows = csv_rows((await download(api, "/exports/cases.csv", as_="center")).content)
    assert "'=HYPERLINK(1)" in {r[4] for r in rows[1:]}


def test_the_export_lists_whom_the_cases_query_lists() -> None:
    assert set(exports.CASE_LISTERS) == set(case_api.CASE_LISTERS)
    assert set(exports.LIST_EVERY_CASE) == set(case_api.LIST_EVERY_CASE)
    assert exports.SEARCH_MAX == case_api.SEARCH_MAX


async def test_a_longer_list_costs_no_more_statements(api, spread) -> None:
    from tests.integration.test_intake_numbering import Statements

    async def statements() -> int:
        with Statements(api.ctx.engine) as seen:
            assert (await download(api, "/exports/cases.csv", as_="center")).status_code == 200
        return len(seen.seen)

    await statements()  # warm: the test's token
    before = await statements()
    for _ in range(3):
        await receive(api)
    assert await statements() == before
