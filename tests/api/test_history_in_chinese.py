"""Court staff read the history: a case received and taken through its first steps has only zh-CN
summaries, on the case, its deadlines and its work items (tests/unit/test_audit_summaries.py
checks the services' source)."""

from __future__ import annotations

import re
from decimal import Decimal

from .test_case_lifecycle import case_file, items, receive, take_and_complete

CJK = re.compile(r"[\u3400-\u9fff]")
AMOUNT = re.compile(r"\d(?:[\d,]*\d)?(?:\.\d+)?元")

HISTORY = """query($n: String!) { case(number: $n) {
  history(first: 100) { edges { node { action actionLabel summary } } }
  deadlines { kind history(first: 50) { edges { node { action actionLabel summary } } } } } }"""
ITEM_HISTORY = """query($id: ID!) { node(id: $id) { ... on WorkItem {
  history(first: 50) { edges { node { action actionLabel summary } } } } } }"""


def _entries(connection: dict) -> list[dict]:
    return [e["node"] for e in connection["edges"]]


async def test_a_case_taken_through_its_first_steps_has_a_history_in_chinese(api, workers, clock) -> None:
    case = await receive(api)
    number = case["number"]
    await workers.drain()  # ruling rendered, queries sent and answered: ANALYSING
    file = await case_file(api, number)
    deposits = [f for f in file["findings"] if f["value"] and f["categoryLabel"] in ("银行存款", "网络支付资金")]
    if deposits:  # a control measure with an amount, when the simulated respondent has money
        decided = (await api.gql(
            """mutation($input: DecideControlMeasuresInput!) { decideControlMeasures(input: $input) {
              userErrors { field message: messageEn } } }""",
            {"input": {"caseId": file["id"], "measures": [
                {"findingId": deposits[0]["id"], "measure": "FREEZE",
                 "amount": str(min(Decimal(deposits[0]["value"]), Decimal("125000.00")))}]}},
            as_="center"))["decideControlMeasures"]
        assert decided["userErrors"] == []
    clock.advance(days=5)
    await take_and_complete(api, "center", "ANALYSE_FINDINGS", number, "QUERY_CONTROL_COMPLETED")
    await workers.drain()  # the automated transfer
    file = await case_file(api, number)
    assert file["stage"] == "TRANSFERRED"
    member = {"执行实施一团队": "impl1", "执行实施二团队": "impl2", "执行实施三团队": "impl3"}[file["team"]["name"]]
    [investigate] = await items(api, member, "INVESTIGATE", number)

    data = (await api.gql(HISTORY, {"n": number}, as_="center"))["case"]
    entries = _entries(data["history"])
    for deadline in data["deadlines"]:
        entries += _entries(deadline["history"])
    item = await api.gql(ITEM_HISTORY, {"id": investigate["id"]}, as_=member)
    entries += _entries(item["node"]["history"])

    actions = {e["action"] for e in entries}
    assert {"RECEIVE_CASE", "COMPLETE_QUERY_CONTROL", "TRANSFER_CASE", "START_DEADLINE",
            "CREATE_WORK_ITEM"} <= actions, actions
    english = [e for e in entries if not CJK.search(e["summary"])]
    assert english == [], english
    # Amounts as the screens show them: 125,000.00元; no personal data.
    [received] = [e["summary"] for e in entries if e["action"] == "RECEIVE_CASE"]
    assert "125,000.00元" in received and received.startswith(f"收案{number}"), received
    for entry in entries:
        assert "445322198001011236" not in entry["summary"] and "13800138000" not in entry["summary"]
        for amount in AMOUNT.findall(entry["summary"]):
            assert re.fullmatch(r"\d{1,3}(,\d{3})*\.\d{2}元", amount), entry
