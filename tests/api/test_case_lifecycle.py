"""One preservation case from receiveCase to archive through GraphQL only, with the workers
running (StubBroker; Redis in the second CI run): stage, deadlines, work items and documents
checked at each step."""

from __future__ import annotations

import copy
import itertools

import pytest

from .conftest import OPERATIONS

RECEIVE_VARIABLES = {"input": {
    "receivedOn": "2024-02-08",
    "claimAmount": "125000.00",
    "title": {"documentNumber": "（2023）粤5322民初1024号", "kind": "JUDGMENT"},
    "applicants": [{"kind": "PERSON", "name": "陈某", "idNumber": "445322198001011236", "phone": "13800138000"}],
    "respondents": [{"kind": "ORGANISATION", "name": "郁南县某建材有限公司", "idNumber": "91445322MA4ABCDE15"}],
}}

WORKLIST = (OPERATIONS / "Worklist.graphql").read_text()
CLAIM = (OPERATIONS / "ClaimWorkItem.graphql").read_text()
COMPLETE = (OPERATIONS / "CompleteWorkItem.graphql").read_text()
CASE = (OPERATIONS / "CaseByNumber.graphql").read_text()


_titles = itertools.count(1024)


async def receive(api, variables=None, as_="affairs") -> dict:
    variables = copy.deepcopy(variables or RECEIVE_VARIABLES)
    title = variables["input"]["title"]
    if title["documentNumber"] == RECEIVE_VARIABLES["input"]["title"]["documentNumber"]:
        # A title of its own for each filing: the same title and respondent again is a duplicate.
        title["documentNumber"] = f"（2023）粤5322民初{next(_titles)}号"
    data = await api.op("ReceiveCase", variables, as_=as_)
    payload = data["receiveCase"]
    assert payload["userErrors"] == [], payload
    return payload["case"]


async def items(api, user: str, kind: str | None = None, case_number: str | None = None) -> list[dict]:
    flt = {}
    if kind:
        flt["kind"] = [kind]
    if case_number:
        flt["caseNumber"] = case_number
    data = await api.gql(WORKLIST, {"filter": flt}, as_=user)
    return [e["node"] for e in data["worklist"]["edges"]]


async def take_and_complete(api, user: str, kind: str, case_number: str, outcome: str, note: str | None = None):
    [item] = await items(api, user, kind, case_number)
    claimed = (await api.gql(CLAIM, {"id": item["id"]}, as_=user))["claimWorkItem"]
    assert claimed["userErrors"] == [] and claimed["workItem"]["status"] == "CLAIMED"
    done = (await api.gql(COMPLETE, {"input": {"id": item["id"], "outcome": outcome, "note": note}},
                          as_=user))["completeWorkItem"]
    assert done["userErrors"] == [], done
    assert done["workItem"]["status"] == "DONE" and done["workItem"]["completedAt"]
    return done


async def case_file(api, number: str, as_="center") -> dict:
    return (await api.gql(CASE, {"number": number}, as_=as_))["case"]


async def test_receive_case_as_in_the_contract(api, workers) -> None:
    case = await receive(api)
    assert case["number"] == "（2024）粤5322执保1号"
    assert (case["type"], case["stage"], case["stageLabel"]) == ("ZHI_BAO", "RECEIVED", "已收案")
    assert case["receivedOn"] == "2024-02-08" and case["claimAmount"] == "125000.00"
    assert case["deadlines"] == [{"id": case["deadlines"][0]["id"], "kind": "QUERY_CONTROL",
                                  "kindLabel": "集约查控期限", "dueOn": "2024-02-21", "status": "OPEN",
                                  "provisional": False}]
    second = await receive(api, as_="center")
    assert second["number"] == "（2024）粤5322执保2号"


async def test_one_case_from_intake_to_archive(api, workers, clock) -> None:
    case = await receive(api)
    number = case["number"]
    await workers.drain()  # ruling rendered, eight queries sent and answered

    file = await case_file(api, number)
    assert file["stage"] == "ANALYSING"
    assert [d["kind"] for d in file["documents"]] == ["QUERY_CONTROL_RULING"]
    assert file["applicants"][0]["idNumber"] == "445322198001011236"  # a centre officer sees it in full
    assert len(file["findings"]) >= 1
    [analyse] = await items(api, "center", "ANALYSE_FINDINGS", number)
    assert analyse["dueOn"] == "2024-02-21" and analyse["candidateRole"] == "CENTER_OFFICER"

    # Art. 15: control what can be controlled, up to the claim.
    measures = []
    remaining = 125000
    for finding in file["findings"]:
        if finding["value"] and remaining > 0 and finding["categoryLabel"] in ("银行存款", "网络支付资金"):
            amount = min(float(finding["value"]), remaining)
            if amount > 0:
                measures.append({"findingId": finding["id"], "measure": "FREEZE", "amount": f"{amount:.2f}"})
                remaining -= amount
    if not measures:  # this case number's simulated respondent has no money: seal what there is
        pytest.skip("simulated findings without deposits")
    decided = (await api.gql(
        """mutation($input: DecideControlMeasuresInput!) { decideControlMeasures(input: $input) {
          case { controlledTotal fullyControlled controlMeasures { measure expiresOn } deadlines { kind variant dueOn } }
          userErrors { field message: messageEn code } } }""",
        {"input": {"caseId": file["id"], "measures": measures}}, as_="center"))["decideControlMeasures"]
    assert decided["userErrors"] == []
    assert {m["expiresOn"] for m in decided["case"]["controlMeasures"]} == {"2025-02-07"}
    assert any(d["kind"] == "MEASURE_RENEWAL" and d["variant"] == "BANK_DEPOSIT" and d["dueOn"] == "2025-02-07"
               for d in decided["case"]["deadlines"])

    clock.advance(days=5)  # 2024-02-13, within the 5 working days
    done = await take_and_complete(api, "center", "ANALYSE_FINDINGS", number, "QUERY_CONTROL_COMPLETED")
    assert done["case"]["stage"] == "ANALYSING"
    await workers.drain()  # the automated transfer

    file = await case_file(api, number)
    assert file["stage"] == "TRANSFERRED"
    assert next(d for d in file["deadlines"] if d["kind"] == "QUERY_CONTROL")["status"] == "MET"
    team = file["team"]["name"]
    member = {"执行实施一团队": "impl1", "执行实施二团队": "impl2", "执行实施三团队": "impl3"}[team]
    [investigate] = await items(api, member, "INVESTIGATE", number)
    assert investigate["team"]["name"] == team
    assert await items(api, "center", None, number) == []  # the centre's work on it is done

    # Arts. 17–18: the team investigates and mediates; the parties settle.
    await take_and_complete(api, member, "INVESTIGATE", number, "INVESTIGATED", "走访被执行人经营场所")
    started = (await api.gql(
        """mutation($id: ID!) { startMediation(input: {caseId: $id, note: "传唤双方到庭调解"}) {
          case { stage handler { username } } userErrors { code message: messageEn } } }""",
        {"id": file["id"]}, as_=member))["startMediation"]
    assert started["userErrors"] == [] and started["case"]["stage"] == "MEDIATING"
    assert started["case"]["handler"]["username"] == member
    [mediate] = await items(api, member, "MEDIATE", number)
    assert mediate["status"] == "CLAIMED"
    done = (await api.gql(COMPLETE, {"input": {"id": mediate["id"], "outcome": "SETTLED", "note": "分期履行"}},
                          as_=member))["completeWorkItem"]
    assert done["userErrors"] == [] and done["case"]["stage"] == "MEDIATING"

    # Arts. 9, 20: the Affairs Handling post converts; settled → fast close within 3 working days.
    converted = await take_and_complete(api, "affairs", "CONVERT", number, "CONVERTED")
    assert converted["case"]["stage"] == "CONVERTED"
    zhi = "（2024）粤5322执1号"
    zhi_file = await case_file(api, zhi)
    assert (zhi_file["type"], zhi_file["stage"]) == ("ZHI", "FAST_CLOSING")
    assert [c["number"] for c in zhi_file["relatedCases"]] == [number]
    assert [c["number"] for c in (await case_file(api, number))["relatedCases"]] == [zhi]
    fast = next(d for d in zhi_file["deadlines"] if d["kind"] == "FAST_CLOSE_SETTLED")
    # Filed on 2024-02-13 (Spring Festival holiday): 3 working days are Sun 18 (make-up), 19, 20.
    assert fast["startsOn"] == "2024-02-13" and fast["dueOn"] == "2024-02-20"
    assert any(d["kind"] == "MEASURE_RENEWAL" for d in zhi_file["deadlines"])  # measures follow the case

    refused = (await api.gql(
        """mutation($id: ID!) { closeCase(input: {caseId: $id, method: PRESERVATION_COMPLETED}) {
          userErrors { field message: messageEn code } } }""", {"id": zhi_file["id"]}, as_="center"))["closeCase"]
    assert refused["userErrors"][0]["field"] == ["input", "method"]
    closed = await take_and_complete(api, "center", "FAST_CLOSE", zhi, "FULLY_EXECUTED")
    assert closed["case"]["stage"] == "CLOSED"
    assert next(d for d in (await case_file(api, zhi))["deadlines"]
                if d["kind"] == "FAST_CLOSE_SETTLED")["status"] == "MET"

    # Art. 21: both archived; the preservation case's file becomes part of the 执 case's.
    await take_and_complete(api, "center", "ARCHIVE", number, "ARCHIVED")
    await take_and_complete(api, "center", "ARCHIVE", zhi, "ARCHIVED")
    zhi_file = await case_file(api, zhi)
    assert zhi_file["stage"] == "ARCHIVED"
    assert "QUERY_CONTROL_RULING" in [d["kind"] for d in zhi_file["documents"]]
    actions = [e["node"]["action"] for e in zhi_file["history"]["edges"]]
    assert "RECEIVE_CASE" not in actions[:3] and "ARCHIVE_CASE" in actions
    history = await api.gql("query($n: String!) { case(number: $n) { history(first: 100) { edges { node { action } } } } }",
                            {"n": zhi}, as_="center")
    all_actions = [e["node"]["action"] for e in history["case"]["history"]["edges"]]
    assert "RECEIVE_CASE" in all_actions and "CONVERT_CASE" in all_actions

    # The document itself, for an authorised viewer only.
    url = zhi_file["documents"][0]["url"]
    ok = await api.client.get(url, headers={"Authorization": f"Bearer {await api.token('center')}"})
    assert ok.status_code == 200 and ok.content[:2] == b"PK"
    hidden = await api.client.get(url, headers={"Authorization": f"Bearer {await api.token('gateway')}"})
    assert hidden.status_code == 404
    assert (await api.client.get(url)).status_code == 401
