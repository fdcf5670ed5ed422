"""Actions as data: a case's allowedSteps say, for the viewer asking, which buttons to enable and
why the others are off, and the mutations agree (allowed is never FORBIDDEN, refused always is).

Dates: the clock stands at Thursday 2024-02-08 (tests/conftest.py)."""

from __future__ import annotations

from .test_case_lifecycle import case_file, receive

STEPS = """query($n: String!) { case(number: $n) { stage
  allowedSteps { step label mutation allowed reason reasonEn } } }"""

COMPLETE_QUERY_CONTROL = """mutation($id: ID!) { completeQueryControl(input: {caseId: $id}) {
  case { stage } userErrors { field message messageEn code } } }"""

START_MEDIATION = """mutation($id: ID!) { startMediation(input: {caseId: $id, note: "传唤双方到庭调解"}) {
  case { stage } userErrors { field message messageEn code } } }"""


async def options(api, number: str, user: str) -> dict[str, dict]:
    found = (await api.gql(STEPS, {"n": number}, as_=user))["case"]
    return {option["step"]: option for option in found["allowedSteps"]}


async def test_allowed_steps_are_per_viewer_and_the_mutations_agree(api, workers) -> None:
    number = (await receive(api))["number"]
    await workers.drain()  # ruling, queries answered: ANALYSING

    center = await options(api, number, "center")
    assert list(center) == ["RECORD_FINDINGS", "DECIDE_CONTROL", "COMPLETE_QUERY_CONTROL", "TRANSFER", "CLOSE",
                            "FILE_ADJUDICATION_APPLICATION"]
    complete = center["COMPLETE_QUERY_CONTROL"]
    assert complete == {"step": "COMPLETE_QUERY_CONTROL", "label": "完成集约查控", "mutation": "completeQueryControl",
                        "allowed": True, "reason": None, "reasonEn": None}
    # The transfer follows by itself (Art. 17): no button, and the screen says who takes it.
    assert center["TRANSFER"]["mutation"] is None and center["TRANSFER"]["allowed"] is False
    assert center["TRANSFER"]["reason"] == "系统在集约查控完成后自动移交"

    affairs = await options(api, number, "affairs")
    assert affairs["COMPLETE_QUERY_CONTROL"]["allowed"] is False
    assert affairs["COMPLETE_QUERY_CONTROL"]["reason"] == "此操作由执行事务中心干警及负责人办理"
    assert affairs["FILE_ADJUDICATION_APPLICATION"]["allowed"] is True
    refused = (await api.gql(COMPLETE_QUERY_CONTROL, {"id": (await case_file(api, number))["id"]},
                             as_="affairs"))["completeQueryControl"]
    assert [e["code"] for e in refused["userErrors"]] == ["FORBIDDEN"]

    command = await options(api, number, "command")
    assert not any(option["allowed"] for option in command.values())
    assert command["COMPLETE_QUERY_CONTROL"]["reason"] == "执行指挥中心负责督导，不办理案件"

    case_id = (await case_file(api, number))["id"]
    done = (await api.gql(COMPLETE_QUERY_CONTROL, {"id": case_id}, as_="center"))["completeQueryControl"]
    assert done["userErrors"] == []
    await workers.drain()  # the automated transfer

    file = await case_file(api, number)
    assert file["stage"] == "TRANSFERRED"
    member = {"执行实施一团队": "impl1", "执行实施二团队": "impl2", "执行实施三团队": "impl3"}[file["team"]["name"]]
    team = await options(api, number, member)
    assert team["START_MEDIATION"]["allowed"] is True and team["START_MEDIATION"]["mutation"] == "startMediation"
    clerk = await options(api, number, "affairs")
    assert clerk["START_MEDIATION"]["allowed"] is False
    assert clerk["START_MEDIATION"]["reason"] == "此操作由本案的执行实施团队办理"
    assert clerk["START_MEDIATION"]["reasonEn"] == "this step is for the case's implementation team"

    refused = (await api.gql(START_MEDIATION, {"id": case_id}, as_="affairs"))["startMediation"]
    assert [e["code"] for e in refused["userErrors"]] == ["FORBIDDEN"]
    started = (await api.gql(START_MEDIATION, {"id": case_id}, as_=member))["startMediation"]
    assert started["userErrors"] == [] and started["case"]["stage"] == "MEDIATING"
