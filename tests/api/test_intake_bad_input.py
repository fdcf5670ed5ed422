"""Bad input to intake and to the later steps: refused with a userError that names the field
and says what is allowed, nothing written, no case number consumed."""

from __future__ import annotations

import copy
from collections.abc import Callable

import pytest
import sqlalchemy as sa

from exec_center.db.models import Base

from .conftest import OPERATIONS
from .test_case_lifecycle import RECEIVE_VARIABLES, case_file, receive, take_and_complete
from .test_case_paths import CONVERT, DECIDE, analysing, deposit, detail, finding, first_sealed_house

# The operation asks for the clerk's text; these tests read the English beside it.
RECEIVE_CASE = (OPERATIONS / "ReceiveCase.graphql").read_text().replace(
    "userErrors { field message code }", "userErrors { field message: messageEn code }")
FIRST = "（2024）粤5322执保1号"

CLOSE = """mutation($id: ID!, $method: ClosingMethod!) { closeCase(input: {caseId: $id, method: $method}) {
  case { stage } userErrors { field message: messageEn code } } }"""


async def snapshot(ctx) -> dict[str, int]:
    """How many rows every table holds."""
    async with ctx.sessionmaker() as session:
        return {table.name: await session.scalar(sa.select(sa.func.count()).select_from(table))
                for table in Base.metadata.sorted_tables}


def variables(change: Callable[[dict], None]) -> dict:
    changed = copy.deepcopy(RECEIVE_VARIABLES)
    change(changed["input"])
    return changed


def person(id_number: str, name: str = "李某") -> dict:
    return {"kind": "PERSON", "name": name, "idNumber": id_number}


# (what is wrong, how the input is changed, the field named, what the message says)
BAD_INTAKE = [
    ("applicant's resident ID check digit",
     lambda i: i["applicants"][0].update(idNumber="445322198001011237"),
     ["input", "applicants", "0", "idNumber"], "expected 6"),
    ("second applicant's resident ID check digit",
     lambda i: i["applicants"].append(person("110105194912310021")),
     ["input", "applicants", "1", "idNumber"], "check digit"),
    ("respondent's credit code check character",
     lambda i: i["respondents"][0].update(idNumber="91445322MA4ABCDE16"),
     ["input", "respondents", "0", "idNumber"], "expected 5"),
    ("a person given a credit code",
     lambda i: i["respondents"].append(person("91445322MA4ABCDE15")),
     ["input", "respondents", "1", "idNumber"], "resident ID number"),
    ("an empty resident ID",
     lambda i: i["applicants"][0].update(idNumber=" "),
     ["input", "applicants", "0", "idNumber"], "must not be empty"),
    ("a bad phone number",
     lambda i: i["applicants"][0].update(phone="1380013800"),
     ["input", "applicants", "0", "phone"], "11-digit mobile"),
    ("a party without a name",
     lambda i: i["respondents"][0].update(name="  "),
     ["input", "respondents", "0", "name"], "required"),
    ("no applicant",
     lambda i: i.update(applicants=[]),
     ["input", "applicants"], "at least one"),
    ("no respondent",
     lambda i: i.update(respondents=[]),
     ["input", "respondents"], "at least one"),
    ("no title document number",
     lambda i: i["title"].update(documentNumber=""),
     ["input", "title", "documentNumber"], "required"),
    ("a claim of zero",
     lambda i: i.update(claimAmount="0.00"),
     ["input", "claimAmount"], "more than 0 yuan"),
    ("a negative claim",
     lambda i: i.update(claimAmount="-125000.00"),
     ["input", "claimAmount"], "more than 0 yuan"),
    ("a claim of 16 digits",
     lambda i: i.update(claimAmount="1000000000000000.00"),
     ["input", "claimAmount"], "at most 15 digits"),
    ("a claim in fractions of a fen",
     lambda i: i.update(claimAmount="125000.005"),
     ["input", "claimAmount"], "at most 2 decimal places"),
    ("a claim that is not a number",
     lambda i: i.update(claimAmount="NaN"),
     ["input", "claimAmount"], "not an amount"),
    ("a receipt date tomorrow",
     lambda i: i.update(receivedOn="2024-02-09"),
     ["input", "receivedOn"], "today (2024-02-08) or earlier"),
]


# The code of each refusal, by what its message says.
CODE_OF = {"expected 6": "BAD_FORMAT", "check digit": "BAD_FORMAT", "expected 5": "BAD_FORMAT",
           "resident ID number": "BAD_FORMAT", "must not be empty": "REQUIRED", "11-digit mobile": "BAD_FORMAT",
           "required": "REQUIRED", "at least one": "REQUIRED", "more than 0 yuan": "OUT_OF_RANGE",
           "at most 15 digits": "OUT_OF_RANGE", "at most 2 decimal places": "OUT_OF_RANGE",
           "not an amount": "BAD_FORMAT", "today (2024-02-08) or earlier": "OUT_OF_RANGE"}


@pytest.mark.parametrize(("change", "field", "says"), [b[1:] for b in BAD_INTAKE],
                         ids=[b[0] for b in BAD_INTAKE])
async def test_bad_intake_is_refused_naming_the_field(api, ctx, change, field, says) -> None:
    before = await snapshot(ctx)
    payload = (await api.gql(RECEIVE_CASE, variables(change), as_="affairs"))["receiveCase"]
    assert payload["case"] is None
    [error] = payload["userErrors"]
    assert (error["field"], error["code"]) == (field, CODE_OF[says])
    assert says in error["message"]
    assert await snapshot(ctx) == before  # nothing written
    assert (await receive(api))["number"] == FIRST  # no number consumed


async def test_the_largest_claim_of_15_digits_is_accepted(api) -> None:
    case = await receive(api, variables(lambda i: i.update(claimAmount="999999999999999.99")))
    assert case["claimAmount"] == "999999999999999.99"


async def test_a_receipt_date_may_be_earlier_and_defaults_to_today(api) -> None:
    earlier = await receive(api, variables(lambda i: i.update(receivedOn="2024-02-01")))
    assert (earlier["number"], earlier["receivedOn"]) == (FIRST, "2024-02-01")
    today = await receive(api, variables(lambda i: i.pop("receivedOn")))
    assert (today["number"], today["receivedOn"]) == ("（2024）粤5322执保2号", "2024-02-08")


async def test_a_back_dated_paper_filing_counts_art_16_from_the_numbering_day(api, ctx) -> None:
    # Received on paper on 29 December 2023, entered (and numbered) on 8 February 2024: the case
    # is a 2024 case, and Art. 16's five working days count from the day the 执保 number was
    # assigned, so the deadline is not overdue before the number exists.
    payload = (await api.gql(RECEIVE_CASE, variables(lambda i: i.update(receivedOn="2023-12-29")),
                             as_="affairs"))["receiveCase"]
    assert payload["userErrors"] == [] and payload["case"]["number"] == FIRST
    body = await api.gql("""query($n: String!) { case(number: $n) { receivedOn numberedOn
        deadlines { kind startsOn dueOn } } }""", {"n": FIRST}, as_="center")
    case = body["case"]
    assert case["receivedOn"] == "2023-12-29" and case["numberedOn"] == "2024-02-08"
    [deadline] = [d for d in case["deadlines"] if d["kind"] == "QUERY_CONTROL"]
    assert deadline["startsOn"] == "2024-02-08" and deadline["dueOn"] == "2024-02-21"


@pytest.mark.parametrize(("change", "path"), [
    (lambda i: i["title"].update(kind="VERDICT"), "title.kind"),
    (lambda i: i.update(claimAmount="abc"), "claimAmount"),
    (lambda i: i.update(receivedOn="2024-02-30"), "receivedOn"),
], ids=["unknown title kind", "claim not a decimal", "no such date"])
async def test_input_the_schema_cannot_read_writes_nothing(api, ctx, change, path) -> None:
    # TitleKind is an enum of the schema: an unknown kind is refused before any resolver runs,
    # as a GraphQL error rather than a userError; an unreadable amount or date is a BAD_FORMAT
    # userError on its field.
    before = await snapshot(ctx)
    body = await api.gql(RECEIVE_CASE, variables(change), as_="affairs", expect_errors=True)
    if "errors" not in body:
        [error] = body["data"]["receiveCase"]["userErrors"]
        assert (error["field"], error["code"]) == (["input", path], "BAD_FORMAT")
    else:
        assert body["data"] is None and body["errors"]
    assert await snapshot(ctx) == before
    assert (await receive(api))["number"] == FIRST


@pytest.mark.parametrize(("change", "says"), [
    (lambda i: i["title"].update(kind="VERDICT"), ["title.kind", "TitleKind"]),
], ids=["unknown title kind"])
async def test_input_the_schema_cannot_read_is_explained(api, change, says) -> None:
    body = await api.gql(RECEIVE_CASE, variables(change), as_="affairs", expect_errors=True)
    [error] = body["errors"]
    for fragment in says:
        assert fragment in error["message"]


async def test_intake_is_for_the_affairs_clerks_and_the_centre(api, ctx) -> None:
    before = await snapshot(ctx)
    for user in ("impl1", "adjud", "consult", "command"):
        payload = (await api.gql(RECEIVE_CASE, copy.deepcopy(RECEIVE_VARIABLES), as_=user))["receiveCase"]
        assert payload["case"] is None and payload["userErrors"][0]["code"] == "FORBIDDEN", user
        assert "AFFAIRS_CLERK" in payload["userErrors"][0]["message"]
    assert await snapshot(ctx) == before
    assert (await receive(api, as_="center-head"))["number"] == FIRST


# --- the later steps -------------------------------------------------------------------------


async def test_a_control_amount_above_the_findings_value_is_refused(api, ctx, workers) -> None:
    file = await analysing(api, workers, deposit("3000.00"), first_sealed_house())
    account, house = finding(file, "BANK_DEPOSIT"), finding(file, "REAL_ESTATE")
    before = await snapshot(ctx)

    async def decide(*measures: tuple[dict, str, str]) -> dict:
        return (await api.gql(DECIDE, {"input": {"caseId": file["id"], "measures": [
            {"findingId": f["id"], "measure": m, "amount": a} for f, m, a in measures]}},
            as_="center"))["decideControlMeasures"]

    # The second measure is wrong: the first is not taken either.
    refused = await decide((house, "SEAL", "100000.00"), (account, "FREEZE", "3000.01"))
    assert refused["case"] is None
    [error] = refused["userErrors"]
    assert (error["field"], error["code"]) == (["input", "measures", "1", "amount"], "OUT_OF_RANGE")
    assert "worth 3000.00 yuan" in error["message"] and "at most 3000.00 yuan may still" in error["message"]
    assert await snapshot(ctx) == before

    refused = await decide((account, "SEAL", "100.00"))
    assert refused["userErrors"][0]["field"] == ["input", "measures", "0", "measure"]
    assert "allowed measures: FREEZE (冻结), DEDUCT (扣划)" in refused["userErrors"][0]["message"]
    refused = await decide((account, "FREEZE", "0.00"))
    assert refused["userErrors"][0]["field"] == ["input", "measures", "0", "amount"]
    refused = await decide()
    assert refused["userErrors"][0]["field"] == ["input", "measures"]
    assert await snapshot(ctx) == before

    # Within the value it is taken; then only what is left may be controlled.
    taken = await decide((account, "FREEZE", "2000.00"))
    assert taken["userErrors"] == [] and taken["case"]["controlledTotal"] == "2000.00"
    refused = await decide((account, "FREEZE", "1000.01"))
    assert "at most 1000.00 yuan may still be controlled" in refused["userErrors"][0]["message"]
    # A preservation case does not deduct (CPL 2023 art. 106): that waits for the 执 case.
    refused = await decide((account, "DEDUCT", "3000.00"))
    assert (refused["userErrors"][0]["field"], refused["userErrors"][0]["code"]) == (
        ["input", "measures", "0", "measure"], "NOT_ALLOWED")
    taken = await decide((account, "FREEZE", "1000.00"))
    assert taken["userErrors"] == [] and taken["case"]["controlledTotal"] == "3000.00"
    refused = await decide((account, "FREEZE", "0.01"))
    assert "nothing is left to control" in refused["userErrors"][0]["message"]
    assert (await detail(api, file["number"]))["controlledTotal"] == "3000.00"


async def test_a_finding_of_another_case_is_not_found(api, workers) -> None:
    first = await analysing(api, workers, deposit("3000.00"))
    second = await analysing(api, workers, deposit("4000.00", tail="5678"))
    refused = (await api.gql(DECIDE, {"input": {"caseId": second["id"], "measures": [
        {"findingId": finding(first, "BANK_DEPOSIT")["id"], "measure": "FREEZE", "amount": "10.00"}]}},
        as_="center"))["decideControlMeasures"]
    assert refused["userErrors"][0]["field"] == ["input", "measures", "0", "findingId"]
    assert refused["userErrors"][0]["code"] == "NOT_FOUND"


async def test_a_closing_method_the_case_type_does_not_allow_is_refused(api, ctx, workers) -> None:
    file = await analysing(api, workers, deposit("100.00"))
    before = await snapshot(ctx)
    refused = (await api.gql(CLOSE, {"id": file["id"], "method": "FULLY_EXECUTED"}, as_="center"))["closeCase"]
    assert refused["case"] is None
    [error] = refused["userErrors"]
    assert (error["field"], error["code"]) == (["input", "method"], "INVALID")
    assert error["message"] == (
        "a 执保 case (执行保全案件) cannot be closed as FULLY_EXECUTED (执行完毕); allowed: "
        "CANCELLED (销案), PRESERVATION_COMPLETED (保全完毕), PARTLY_PRESERVED (部分保全), "
        "NOTHING_TO_PRESERVE (无标的物可实施保全)")
    assert await snapshot(ctx) == before
    closed = (await api.gql(CLOSE, {"id": file["id"], "method": "PARTLY_PRESERVED"}, as_="center"))["closeCase"]
    assert closed == {"case": {"stage": "CLOSED"}, "userErrors": []}


async def test_a_step_out_of_order_is_refused_naming_what_the_stage_allows(api, ctx) -> None:
    case = await receive(api)  # no workers: it stays RECEIVED
    before = await snapshot(ctx)
    refused = (await api.gql(CONVERT, {"id": case["id"]}, as_="affairs"))["convertCase"]
    assert refused["case"] is None and refused["preservationCase"] is None
    [error] = refused["userErrors"]
    assert (error["field"], error["code"]) == (["input", "caseId"], "NOT_ALLOWED_IN_STAGE")
    assert error["message"].startswith(
        "cannot convert the case: it is in stage RECEIVED (已收案); allowed now: dispatch the asset "
        "query (DISPATCH_QUERY); close the case (CLOSE);")
    assert "CONVERT is allowed in: TRANSFERRED (已移交实施团队), MEDIATING (执行调解中)" in error["message"]
    assert await snapshot(ctx) == before

    steps = {
        "completeQueryControl": ("mutation($id: ID!) { completeQueryControl(input: {caseId: $id}) {"
                                 " userErrors { field message: messageEn code } } }", "center"),
        "recordAssetFindings": ("mutation($id: ID!) { recordAssetFindings(input: {caseId: $id, findings: "
                                "[{category: BANK_DEPOSIT, institution: \"中国银行郁南支行\", description: "
                                "\"活期（尾号0001）\", value: \"10.00\"}]}) { userErrors { field message: messageEn code } } }",
                                "center"),
        "startMediation": ("mutation($id: ID!) { startMediation(input: {caseId: $id, note: \"传唤\"}) {"
                           " userErrors { field message: messageEn code } } }", "center-head"),
        "archiveCase": ("mutation($id: ID!) { archiveCase(input: {caseId: $id}) {"
                        " userErrors { field message: messageEn code } } }", "center"),
    }
    for name, (mutation, user) in steps.items():
        [error] = (await api.gql(mutation, {"id": case["id"]}, as_=user))[name]["userErrors"]
        assert (error["field"], error["code"]) == (["input", "caseId"], "NOT_ALLOWED_IN_STAGE"), name
        assert "it is in stage RECEIVED" in error["message"] and "(DISPATCH_QUERY)" in error["message"], name
    assert await snapshot(ctx) == before
    assert (await case_file(api, case["number"]))["stage"] == "RECEIVED"


async def test_a_refused_conversion_consumes_no_number(api, workers) -> None:
    file = await analysing(api, workers, deposit("100.00"))
    refused = (await api.gql(CONVERT, {"id": file["id"]}, as_="affairs"))["convertCase"]
    assert refused["userErrors"][0]["code"] == "NOT_ALLOWED_IN_STAGE"
    assert "allowed now:" in refused["userErrors"][0]["message"]
    await take_and_complete(api, "center", "ANALYSE_FINDINGS", file["number"], "QUERY_CONTROL_COMPLETED")
    await workers.drain()
    converted = (await api.gql(CONVERT, {"id": file["id"]}, as_="affairs"))["convertCase"]
    assert converted["userErrors"] == [] and converted["case"]["number"] == "（2024）粤5322执1号"
    # Converting twice (a double submit) returns the 执 case it became; no second number.
    again = (await api.gql(CONVERT, {"id": file["id"]}, as_="affairs"))["convertCase"]
    assert again == converted
    # A 执 case is not converted again either.
    zhi = await detail(api, "（2024）粤5322执1号")
    refused = (await api.gql(CONVERT, {"id": zhi["id"]}, as_="affairs"))["convertCase"]
    assert refused["userErrors"][0]["field"] == ["input", "caseId"]


async def test_bad_findings_and_a_wrong_tax_letter_are_refused(api, ctx, workers) -> None:
    file = await analysing(api, workers, deposit("100.00"))
    before = await snapshot(ctx)
    record = """mutation($input: RecordAssetFindingsInput!) { recordAssetFindings(input: $input) {
      userErrors { field message: messageEn code } } }"""
    good = {"category": "VEHICLE", "institution": "车管所", "description": "粤W·12345", "value": "50000.00"}
    for bad, field in (({"value": "-1.00"}, "value"), ({"value": "1.001"}, "value"),
                       ({"institution": " "}, "institution"), ({"description": ""}, "description")):
        [error] = (await api.gql(record, {"input": {"caseId": file["id"], "findings": [good, good | bad]}},
                                 as_="center"))["recordAssetFindings"]["userErrors"]
        assert error["field"] == ["input", "findings", "1", field]
    assert await snapshot(ctx) == before

    await take_and_complete(api, "center", "ANALYSE_FINDINGS", file["number"], "QUERY_CONTROL_COMPLETED")
    await workers.drain()
    file = await detail(api, file["number"])
    member = {"执行实施一团队": "impl1", "执行实施二团队": "impl2", "执行实施三团队": "impl3"}[file["team"]["name"]]
    before = await snapshot(ctx)
    letter = """mutation($input: SendTaxLetterInput!) { sendTaxLetter(input: $input) {
      userErrors { field message: messageEn code } } }"""
    [error] = (await api.gql(letter, {"input": {"caseId": file["id"], "findingIds": [
        finding(file, "BANK_DEPOSIT")["id"]]}}, as_=member))["sendTaxLetter"]["userErrors"]
    assert error["field"] == ["input", "findingIds", "0"] and "real estate" in error["message"]
    [error] = (await api.gql(letter, {"input": {"caseId": file["id"], "findingIds": []}},
                             as_=member))["sendTaxLetter"]["userErrors"]
    assert error["field"] == ["input", "findingIds"]
    assert await snapshot(ctx) == before



async def test_a_receipt_date_centuries_ago_is_a_user_error(api, ctx) -> None:
    # Issue 12, item 7: receivedOn 0001-01-01 gave "Unexpected error.".
    before = await snapshot(ctx)
    payload = (await api.gql(RECEIVE_CASE, variables(lambda i: i.update(receivedOn="0001-01-01")),
                             as_="affairs"))["receiveCase"]
    assert payload["userErrors"][0]["field"] == ["input", "receivedOn"]
    assert await snapshot(ctx) == before
