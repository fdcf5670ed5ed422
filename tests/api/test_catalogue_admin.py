"""The catalogue replayed on the administrator's screens (staff, roles, teams, windows, the
calendar, the transfer strategy) and the shell every role shares (sign in, who am I, sign out)."""

from __future__ import annotations

from .test_catalogue_case_flow import windows
from .test_operations_catalogue import edges, ok, refused, run

NEW = {"username": "clerk2", "name": "新同事", "password": "s3cret-enough", "unit": "AFFAIRS_CENTER",
       "roles": ["AFFAIRS_CLERK"], "officePhone": "0766-7512302"}


async def sign_in(api, username: str, password: str) -> dict:
    return (await api.op("SignIn", {"username": username, "password": password}))["signIn"]


async def test_the_administrator_sets_up_a_new_clerk(api) -> None:
    before = (await run(api, "StaffDirectory", {"filter": {"role": "AFFAIRS_CLERK"}}, as_="admin"))["staff"]
    assert [s["username"] for s in edges(before)] == ["affairs"]
    error = await refused(api, "CreateStaff", {"input": NEW}, as_="center")
    assert error["code"] == "FORBIDDEN"
    created = (await ok(api, "CreateStaff", {"input": NEW}, as_="admin"))["staff"]
    assert (created["username"], created["roles"], created["active"]) == ("clerk2", ["AFFAIRS_CLERK"], True)
    after = (await run(api, "StaffDirectory", {"filter": {"role": "AFFAIRS_CLERK"}}, as_="admin"))["staff"]
    assert after["totalCount"] == before["totalCount"] + 1

    # Roles, teams and windows.
    granted = (await ok(api, "GrantRole", {"staffId": created["id"], "role": "CONSULTATION_CLERK"},
                        as_="admin"))["staff"]
    assert granted["roles"] == ["AFFAIRS_CLERK", "CONSULTATION_CLERK"]
    revoked = (await ok(api, "RevokeRole", {"staffId": created["id"], "role": "CONSULTATION_CLERK"},
                        as_="admin"))["staff"]
    assert revoked["roles"] == ["AFFAIRS_CLERK"]
    at = await windows(api, "admin")
    seated = (await ok(api, "AssignWindowStaff", {"input": {"windowId": at["affairs-handling"],
                                                            "staffId": created["id"]}}, as_="admin"))["window"]
    assert "clerk2" in [s["username"] for s in seated["staff"]]
    teams = {t["code"]: t for t in (await run(api, "Teams", as_="admin"))["teams"]}
    assert teams["impl-1"]["leads"][0]["name"] == "何建军" and "都城镇" in teams["impl-1"]["townships"]
    joined = (await ok(api, "SetTeamMembership", {"input": {"teamId": teams["impl-2"]["id"],
                                                            "staffId": created["id"]}}, as_="admin"))["team"]
    assert {"isLead": False, "staff": {"id": created["id"], "username": "clerk2", "name": "新同事"}} in joined["members"]

    # The clerk signs in and sees their window and team.
    signed = await sign_in(api, "clerk2", "s3cret-enough")
    assert signed["userErrors"] == [] and signed["token"] and signed["staff"]["roles"] == ["AFFAIRS_CLERK"]
    me = (await run(api, "Me", as_="clerk2"))["me"]
    assert [w["code"] for w in me["windows"]] == ["affairs-handling"]
    assert [t["name"] for t in me["teams"]] == ["执行实施二团队"]

    # Disabled: no sign-in; enabled again and a new password set.
    disabled = (await ok(api, "DisableStaff", {"staffId": created["id"]}, as_="admin"))["staff"]
    assert disabled["active"] is False
    assert (await sign_in(api, "clerk2", "s3cret-enough"))["userErrors"][0]["code"] == "INVALID_CREDENTIALS"
    assert (await ok(api, "EnableStaff", {"staffId": created["id"]}, as_="admin"))["staff"]["active"] is True
    await ok(api, "ResetStaffPassword", {"staffId": created["id"], "password": "another-s3cret"}, as_="admin")
    assert (await sign_in(api, "clerk2", "s3cret-enough"))["userErrors"][0]["code"] == "INVALID_CREDENTIALS"
    assert (await sign_in(api, "clerk2", "another-s3cret"))["token"]


async def test_the_calendar_the_time_limits_and_the_transfer_strategy(api) -> None:
    year = (await run(api, "CalendarYear", {"year": 2024}, as_="admin"))["calendar"]
    assert (year["confirmed"], year["workingDays"]) == (True, 251)
    assert "2024-02-18" in year["makeupWorkingDays"] and {"date": "2024-10-01", "name": "国庆节"} in year["holidays"]
    added = (await ok(api, "AddCalendarEntry", {"input": {"date": "2024-03-05", "working": False,
                                                          "note": "郁南县停工通知"}}, as_="admin"))["entry"]
    assert added["createdBy"]["name"] == "系统管理员"
    year = (await run(api, "CalendarYear", {"year": 2024}, as_="center"))["calendar"]
    assert year["workingDays"] == 250 and [e["date"] for e in year["entries"]] == ["2024-03-05"]
    removed = await ok(api, "RemoveCalendarEntry", {"id": added["id"]}, as_="admin")
    assert removed["entry"] is None or removed["entry"]["id"] == added["id"]
    assert (await run(api, "CalendarYear", {"year": 2024}, as_="admin"))["calendar"]["workingDays"] == 251
    confirmed = await ok(api, "ConfirmCalendarYear", {"year": 2035, "note": "国办发明电〔2035〕1号"}, as_="admin")
    assert confirmed["year"] == 2035
    assert (await run(api, "CalendarYear", {"year": 2035}, as_="admin"))["calendar"]["confirmed"] is True

    rules = (await run(api, "DeadlineRules", as_="admin"))["deadlineRules"]
    query_control = next(r for r in rules if r["kind"] == "QUERY_CONTROL")
    assert (query_control["count"], query_control["extendableTo"], query_control["source"]) == (
        5, 7, "郁法发〔2024〕1号 第十六条")

    strategy = (await run(api, "TransferStrategy", as_="impl1"))["transferStrategy"]
    assert strategy["strategy"] == "FEWEST_OPEN_CASES" and strategy["label"]
    error = await refused(api, "SetTransferStrategy", {"input": {
        "strategy": "BY_TOWNSHIP", "effectiveFrom": "2024-02-08", "note": "局党组会议决定"}}, as_="center")
    assert error["code"] == "FORBIDDEN"
    set_ = await ok(api, "SetTransferStrategy", {"input": {
        "strategy": "BY_TOWNSHIP", "effectiveFrom": "2024-02-08", "note": "局党组会议决定"}}, as_="admin")
    assert set_["strategy"] == "BY_TOWNSHIP"
    strategy = (await run(api, "TransferStrategy", as_="chief"))["transferStrategy"]
    assert (strategy["strategy"], strategy["isDefault"], strategy["note"], strategy["setBy"]["name"]) == (
        "BY_TOWNSHIP", False, "局党组会议决定", "系统管理员")


async def test_signing_out_ends_the_tokens_at_once(api) -> None:
    token = await api.token("impl3")
    assert (await api.post("{ me { id } }", token=token)).status_code == 200
    signed_out = await ok(api, "SignOut", as_="impl3")
    assert signed_out["signedOut"] is True
    assert (await api.post("{ me { id } }", token=token)).status_code == 401
