"""Me and Windows as in the contract for every demo account; teams; the staff directory."""

from __future__ import annotations

import pytest

from exec_center.services.demo import ACCOUNTS, WINDOWS

HUMAN_ACCOUNTS = [a.username for a in ACCOUNTS]


@pytest.mark.parametrize("username", HUMAN_ACCOUNTS)
async def test_me_for_every_demo_account(api, username) -> None:
    account = next(a for a in ACCOUNTS if a.username == username)
    me = (await api.op("Me", as_=username))["me"]
    assert me["name"] == account.name
    assert set(me["roles"]) == {r.value for r in account.roles}
    assert me["roleLabels"] == [next(r.label for r in account.roles if r.value == v)
                                for v in me["roles"]]
    assert sorted(t["name"] for t in me["teams"]) == sorted(
        name for code, name, *_ in __import__("exec_center.services.demo", fromlist=["TEAMS"]).TEAMS
        if code in account.teams)
    assert {w["code"] for w in me["windows"]} == set(account.windows)
    for window in me["windows"]:
        assert window["channelLabel"]


@pytest.mark.parametrize("username", HUMAN_ACCOUNTS)
async def test_windows_for_every_demo_account(api, username) -> None:
    windows = (await api.op("Windows", as_=username))["windows"]
    assert [w["code"] for w in windows] == [code for code, _, _ in WINDOWS]
    by_code = {w["code"]: w for w in windows}
    assert by_code["affairs-handling"]["channel"] == "AFFAIRS_HANDLING"
    assert by_code["affairs-handling"]["channelLabel"] == "事务办理岗"
    assert by_code["affairs-handling"]["unit"] == "AFFAIRS_CENTER"
    assert by_code["affairs-handling"]["unitLabel"] == "执行事务中心"
    assert by_code["execution-filing"]["unit"] == "FILING_DIVISION"
    assert by_code["online-12368"]["online"] is True
    assert by_code["consultation-disclosure"]["online"] is False
    if username != "gateway":  # a machine account reads no staff (tested below)
        assert [s["name"] for s in by_code["affairs-handling"]["staff"]] == ["黄晓敏"]
        assert [s["name"] for s in by_code["execution-filing"]["staff"]] == ["吴丽珍"]
    for window in windows:
        assert window["worklist"]["totalCount"] == len(window["worklist"]["edges"])


async def test_teams_with_their_leads(api) -> None:
    teams = (await api.gql("{ teams { code name kind kindLabel leads { name } "
                           "members { isLead staff { name } } } }", as_="chief"))["teams"]
    by_code = {t["code"]: t for t in teams}
    assert set(by_code) == {"impl-1", "impl-2", "impl-3", "adjudication"}
    assert by_code["impl-1"]["leads"] == [{"name": "何建军"}]
    assert by_code["adjudication"]["kind"] == "ADJUDICATION_TEAM"
    assert by_code["adjudication"]["kindLabel"] == "执行裁决团队"
    assert {m["staff"]["name"] for m in by_code["impl-1"]["members"]} == {"张伟强", "何建军"}


async def test_staff_directory_pages_by_user_name(api) -> None:
    seen: list[str] = []
    after = None
    while True:
        data = (await api.gql(
            "query($after: String) { staff(first: 4, after: $after) { totalCount "
            "pageInfo { hasNextPage endCursor } edges { node { username } } } }",
            {"after": after}, as_="center"))["staff"]
        assert data["totalCount"] == len(ACCOUNTS)
        seen += [e["node"]["username"] for e in data["edges"]]
        if not data["pageInfo"]["hasNextPage"]:
            break
        after = data["pageInfo"]["endCursor"]
    assert seen == sorted(a.username for a in ACCOUNTS)


async def test_staff_directory_filters(api) -> None:
    impl1 = (await api.gql("{ teams { id code } }", as_="chief"))["teams"]
    team_id = next(t["id"] for t in impl1 if t["code"] == "impl-1")
    data = await api.gql(
        "query($team: ID) { byTeam: staff(filter: {teamId: $team}) { edges { node { username } } } "
        "byRole: staff(filter: {role: BUREAU_CHIEF}) { edges { node { username } } } "
        "bySearch: staff(filter: {search: \"impl\"}) { totalCount } }",
        {"team": team_id}, as_="center")
    assert [e["node"]["username"] for e in data["byTeam"]["edges"]] == ["impl1", "impl1-lead"]
    assert [e["node"]["username"] for e in data["byRole"]["edges"]] == ["chief"]
    assert data["bySearch"]["totalCount"] == 4


async def test_first_above_100_is_refused_with_a_clear_message(api) -> None:
    body = await api.gql("{ staff(first: 101) { totalCount } }", as_="center", expect_errors=True)
    assert body["errors"][0]["message"] == "first must be between 0 and 100; got 101"


async def test_a_tampered_cursor_is_refused(api) -> None:
    body = await api.gql('{ staff(after: "not-a-cursor!") { totalCount } }', as_="center",
                         expect_errors=True)
    assert "after is not a cursor" in body["errors"][0]["message"]


async def test_node_fetches_staff_teams_and_windows(api) -> None:
    windows = (await api.gql("{ windows { id code } }", as_="affairs"))["windows"]
    node = (await api.gql("query($id: ID!) { node(id: $id) { id ... on Window { code } } }",
                          {"id": windows[0]["id"]}, as_="affairs"))["node"]
    assert node == windows[0]
    me = await api.id_of("impl1")
    node = (await api.gql("query($id: ID!) { node(id: $id) { ... on Staff { username } } }",
                          {"id": me}, as_="center"))["node"]
    assert node == {"username": "impl1"}


async def test_machine_accounts_cannot_read_the_staff_directory(api) -> None:
    body = await api.gql("{ staff { totalCount } }", as_="gateway", expect_errors=True)
    assert body["data"] is None
    assert "machine accounts" in body["errors"][0]["extensions"]["messageEn"]


async def test_machine_accounts_do_not_see_window_staff(api) -> None:
    windows = (await api.op("Windows", as_="gateway"))["windows"]
    assert all(w["staff"] == [] for w in windows)
