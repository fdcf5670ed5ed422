"""Parties a court receives every day (issue 11, item 9), through GraphQL with the issue's concrete
inputs: a Home Return Permit, a Taiwan compatriot permit, foreign passports and permanent residence
cards, organisations without a credit code, respondents whose number is unknown - and agents ad
litem (CPL 2023 arts. 61-62) registered on the case."""

from __future__ import annotations

import copy

import pytest

from .test_case_lifecycle import RECEIVE_VARIABLES, receive
from .test_intake_bad_input import snapshot

RECEIVE = """mutation($input: ReceiveCaseInput!) { receiveCase(input: $input) {
  case { id number } userErrors { field message: messageEn code } } }"""
PARTIES = """query($n: String!) { case(number: $n) {
  applicants { id name idType idTypeLabel idNumber unmasked
    agents { name kind kindLabel idType idNumber phone lawFirm licenceNumber specialAuthority } }
  respondents { id name kind idType idTypeLabel idNumber }
} }"""
REGISTER = """mutation($input: RegisterAgentInput!) { registerAgent(input: $input) {
  agent { id partyId name kind kindLabel idType idTypeLabel idNumber phone lawFirm licenceNumber
          specialAuthority unmasked }
  userErrors { field message: messageEn code } } }"""

RESIDENCE_PERMIT_TW = "830000198503120022"  # 台湾居民居住证 (GB 11643 form, 830000)
FOREIGN_PR_2023 = "944840198001010011"  # 外国人永久居留身份证 (2023, starts with 9)
LICENCE = "14453202010123456"  # 律师执业证号: 17 digits


def intake(*respondents: dict, applicants: list[dict] | None = None, title: str | None = None) -> dict:
    variables = copy.deepcopy(RECEIVE_VARIABLES)
    if applicants is not None:
        variables["input"]["applicants"] = applicants
    variables["input"]["respondents"] = list(respondents)
    if title:
        variables["input"]["title"]["documentNumber"] = title
    return variables


async def parties(api, number: str, as_: str = "center") -> dict:
    return (await api.gql(PARTIES, {"n": number}, as_=as_))["case"]


async def test_the_documents_a_court_receives_every_day(api) -> None:
    case = await receive(api, intake(
        {"kind": "PERSON", "name": "陈大文", "idType": "HK_MACAO_PERMIT", "idNumber": "h12345678"},
        {"kind": "PERSON", "name": "林志明", "idType": "TAIWAN_PERMIT", "idNumber": "01234567"},
        {"kind": "PERSON", "name": "John Smith", "idType": "PASSPORT", "idNumber": "543210987"},
        {"kind": "PERSON", "name": "Anna Müller", "idType": "FOREIGN_PERMANENT_RESIDENCE",
         "idNumber": "DEU440080010112"},
        {"kind": "PERSON", "name": "Tom Brown", "idType": "FOREIGN_PERMANENT_RESIDENCE",
         "idNumber": FOREIGN_PR_2023},
        {"kind": "PERSON", "name": "王某", "idType": "RESIDENT_ID", "idNumber": RESIDENCE_PERMIT_TW},
        {"kind": "ORGANISATION", "name": "郁南县某镇某村第三村民小组", "idType": "OTHER_ORGANISATION_CODE",
         "idNumber": "D2143569X"},
        {"kind": "ORGANISATION", "name": "Example Trading GmbH", "idType": "OTHER_ORGANISATION_CODE",
         "idNumber": "HRB 123456"},
        {"kind": "PERSON", "name": "李某某", "idType": "UNKNOWN"},
    ))
    center = await parties(api, case["number"])
    assert [(p["idType"], p["idNumber"]) for p in center["respondents"]] == [
        ("HK_MACAO_PERMIT", "H12345678"),
        ("TAIWAN_PERMIT", "01234567"),
        ("PASSPORT", "543210987"),
        ("FOREIGN_PERMANENT_RESIDENCE", "DEU440080010112"),
        ("FOREIGN_PERMANENT_RESIDENCE", FOREIGN_PR_2023),
        ("RESIDENT_ID", RESIDENCE_PERMIT_TW),
        ("OTHER_ORGANISATION_CODE", "D2143569-X"),
        ("OTHER_ORGANISATION_CODE", "HRB123456"),
        ("UNKNOWN", ""),
    ]
    assert center["respondents"][0]["idTypeLabel"] == "港澳居民来往内地通行证"
    assert center["respondents"][-1]["idTypeLabel"] == "证件号码不详"
    # The filing window (not a personal-data role) sees people's numbers masked by their type;
    # organisations' codes are public.
    masked = await parties(api, case["number"], as_="filing")
    assert [p["idNumber"] for p in masked["respondents"]] == [
        "H*******8", "0******7", "5*******7", "D*************2", "9****************1",
        "830000********0022", "D2143569-X", "HRB123456", "",
    ]


BAD = [
    ("a Home Return Permit with a letter too many",
     {"kind": "PERSON", "name": "陈大文", "idType": "HK_MACAO_PERMIT", "idNumber": "HK1234567"},
     "idNumber", "H or M and 8 digits"),
    ("a Taiwan permit of 9 digits",
     {"kind": "PERSON", "name": "林志明", "idType": "TAIWAN_PERMIT", "idNumber": "012345678"},
     "idNumber", "8 digits"),
    ("a passport with a hyphen",
     {"kind": "PERSON", "name": "John Smith", "idType": "PASSPORT", "idNumber": "5432-10987"},
     "idNumber", "5-17 letters or digits"),
    ("a 2023 permanent residence card with a wrong check digit",
     {"kind": "PERSON", "name": "Tom Brown", "idType": "FOREIGN_PERMANENT_RESIDENCE",
      "idNumber": "944840198001010012"},
     "idNumber", "expected 1"),
    ("an organisation code with a wrong check character",
     {"kind": "ORGANISATION", "name": "某村民小组", "idType": "OTHER_ORGANISATION_CODE",
      "idNumber": "D2143569-1"},
     "idNumber", "expected X"),
    ("a credit code for a person",
     {"kind": "PERSON", "name": "李某", "idType": "USCC", "idNumber": "91445322MA4ABCDE15"},
     "idType", "allowed: RESIDENT_ID"),
    ("a passport for an organisation",
     {"kind": "ORGANISATION", "name": "某公司", "idType": "PASSPORT", "idNumber": "543210987"},
     "idType", "allowed: USCC, OTHER_ORGANISATION_CODE, UNKNOWN"),
    ("a number given with UNKNOWN",
     {"kind": "PERSON", "name": "李某", "idType": "UNKNOWN", "idNumber": "445322198001011236"},
     "idNumber", "UNKNOWN"),
    ("no number and no type",
     {"kind": "PERSON", "name": "李某"},
     "idNumber", "set idType to UNKNOWN"),
]


@pytest.mark.parametrize(("what", "respondent", "field", "says"), BAD, ids=[b[0] for b in BAD])
async def test_wrong_documents_are_refused_naming_the_field(api, what, respondent, field, says) -> None:
    before = await snapshot(api.ctx)
    payload = (await api.gql(RECEIVE, intake(respondent), as_="affairs"))["receiveCase"]
    assert payload["case"] is None
    [error] = payload["userErrors"]
    assert error["field"] == ["input", "respondents", "0", field]
    assert says in error["message"]
    assert await snapshot(api.ctx) == before


async def test_an_applicant_shows_their_identity(api) -> None:
    variables = intake(
        {"kind": "PERSON", "name": "李某某", "idType": "UNKNOWN"},
        applicants=[{"kind": "PERSON", "name": "陈某", "idType": "UNKNOWN"}],
    )
    payload = (await api.gql(RECEIVE, variables, as_="affairs"))["receiveCase"]
    assert payload["userErrors"][0]["field"] == ["input", "applicants", "0", "idType"]
    assert "respondents only" in payload["userErrors"][0]["message"]


async def test_the_same_filing_against_a_respondent_of_unknown_number(api) -> None:
    title = "（2024）粤5322民初555号"
    unknown = {"kind": "PERSON", "name": "李某某", "idType": "UNKNOWN"}
    first = await receive(api, intake(unknown, title=title))
    again = (await api.gql(RECEIVE, intake(unknown, title=title), as_="affairs"))["receiveCase"]
    assert again["userErrors"][0]["code"] == "DUPLICATE" and first["number"] in again["userErrors"][0]["message"]
    # The number found out later: the respondent of that name whose number was unknown.
    known = {"kind": "PERSON", "name": "李某某", "idNumber": "445322199003150015"}
    later = (await api.gql(RECEIVE, intake(known, title=title), as_="affairs"))["receiveCase"]
    assert later["userErrors"][0]["code"] == "DUPLICATE"
    # Another person of another name on the same title is another filing.
    other = await receive(api, intake({"kind": "PERSON", "name": "王某", "idType": "UNKNOWN"}, title=title))
    assert other["number"] != first["number"]


async def test_agents_are_registered_and_shown_masked_as_the_party(api) -> None:
    case = await receive(api)
    applicant = (await parties(api, case["number"]))["applicants"][0]
    lawyer = (await api.gql(REGISTER, {"input": {
        "partyId": applicant["id"], "kind": "LAWYER", "name": "黄律师", "idNumber": "445322198503120010",
        "phone": "13900139000", "lawFirm": "广东某律师事务所", "licenceNumber": LICENCE,
        "specialAuthority": True}}, as_="center"))["registerAgent"]
    assert lawyer["userErrors"] == []
    assert lawyer["agent"] | {"id": None} == {
        "id": None, "partyId": applicant["id"], "name": "黄律师", "kind": "LAWYER", "kindLabel": "律师",
        "idType": "RESIDENT_ID", "idTypeLabel": "居民身份证", "idNumber": "445322198503120010",
        "phone": "13900139000", "lawFirm": "广东某律师事务所", "licenceNumber": LICENCE,
        "specialAuthority": True, "unmasked": True,
    }
    relative = (await api.gql(REGISTER, {"input": {
        "partyId": applicant["id"], "kind": "NEAR_RELATIVE", "name": "陈小明", "idType": "HK_MACAO_PERMIT",
        "idNumber": "M87654321"}}, as_="affairs"))["registerAgent"]
    assert relative["userErrors"] == []
    assert (relative["agent"]["kindLabel"], relative["agent"]["idNumber"], relative["agent"]["unmasked"]) == (
        "近亲属", "M*******1", False)
    shown = (await parties(api, case["number"], as_="filing"))["applicants"][0]["agents"]
    assert [(a["name"], a["idNumber"], a["phone"]) for a in shown] == [
        ("黄律师", "445322********0010", "139****9000"), ("陈小明", "M*******1", None)]
    third = (await api.gql(REGISTER, {"input": {
        "partyId": applicant["id"], "kind": "EMPLOYEE", "name": "张某", "idNumber": "445322199003150015"}},
        as_="center"))["registerAgent"]
    assert third["userErrors"][0]["field"] == ["input", "partyId"] and "at most 2" in third["userErrors"][0]["message"]


AGENT_BAD = [
    ("a lawyer without a law firm", {"kind": "LAWYER", "licenceNumber": LICENCE}, "lawFirm", "required"),
    ("a lawyer's licence of 16 digits", {"kind": "LAWYER", "lawFirm": "某所", "licenceNumber": LICENCE[:-1]},
     "licenceNumber", "17 digits"),
    ("an agent of unknown identity", {"kind": "NEAR_RELATIVE", "idType": "UNKNOWN", "idNumber": None},
     "idType", "UNKNOWN"),
    ("an agent with a credit code", {"kind": "EMPLOYEE", "idType": "USCC", "idNumber": "91445322MA4ABCDE15"},
     "idType", "allowed"),
    ("a wrong resident ID", {"kind": "EMPLOYEE", "idNumber": "445322199003150016"}, "idNumber", "expected 5"),
]


@pytest.mark.parametrize(("what", "change", "field", "says"), AGENT_BAD, ids=[b[0] for b in AGENT_BAD])
async def test_bad_agents_are_refused(api, what, change, field, says) -> None:
    case = await receive(api)
    applicant = (await parties(api, case["number"]))["applicants"][0]
    before = await snapshot(api.ctx)
    agent = {"partyId": applicant["id"], "name": "某代理人", "idNumber": "445322199003150015"} | change
    payload = (await api.gql(REGISTER, {"input": agent}, as_="center"))["registerAgent"]
    assert payload["agent"] is None
    assert payload["userErrors"][0]["field"] == ["input", field] and says in payload["userErrors"][0]["message"]
    assert await snapshot(api.ctx) == before


async def test_registering_agents_is_for_who_receives_or_handles_the_case(api) -> None:
    case = await receive(api)
    applicant = (await parties(api, case["number"]))["applicants"][0]
    agent = {"partyId": applicant["id"], "kind": "NEAR_RELATIVE", "name": "陈小明",
             "idNumber": "445322199003150015"}
    for who in ("consult", "impl2", "command"):
        payload = (await api.gql(REGISTER, {"input": agent}, as_=who))["registerAgent"]
        assert payload["agent"] is None and payload["userErrors"][0]["code"] in ("FORBIDDEN", "NOT_FOUND"), who
    filed = (await api.gql(REGISTER, {"input": agent}, as_="filing"))["registerAgent"]
    assert filed["userErrors"] == []


async def test_a_respondent_of_unknown_number_is_investigated_offline_not_queried(api, ctx, workers) -> None:
    import sqlalchemy as sa

    from exec_center.db.models import AssetQuery

    known = {"kind": "PERSON", "name": "李某", "idNumber": "445322199005050018"}
    unknown = {"kind": "PERSON", "name": "王某", "idType": "UNKNOWN"}
    both = (await api.gql(RECEIVE, intake(known, unknown), as_="affairs"))["receiveCase"]
    alone = (await api.gql(RECEIVE, intake(unknown, title="（2024）粤5322民初99号"), as_="affairs"))["receiveCase"]
    assert both["userErrors"] == [] and alone["userErrors"] == []
    await workers.drain()
    async with ctx.sessionmaker() as session:
        queried = (await session.execute(sa.select(AssetQuery.case_id, sa.func.count())
                                         .group_by(AssetQuery.case_id))).all()
    # Only the known respondent is queried online; a case with nobody to query goes straight to
    # the centre's analysis, where findings are entered by hand after an offline investigation.
    stages = {n: (await api.gql("""query($n: String!) { case(number: $n) { stage
      history(first: 20) { edges { node { action } } } } }""", {"n": n}, as_="center"))["case"]
              for n in (both["case"]["number"], alone["case"]["number"])}
    assert stages[alone["case"]["number"]]["stage"] == "ANALYSING"
    for case in stages.values():
        assert "ASSET_QUERY_SKIPPED" in [e["node"]["action"] for e in case["history"]["edges"]]
    assert len(queried) == 1


async def test_the_ruling_names_a_passport_as_a_passport(api, ctx, workers) -> None:
    import io

    import sqlalchemy as sa
    from docx import Document as Docx

    from exec_center.db.models import Document

    foreigner = {"kind": "PERSON", "name": "John Smith", "idType": "PASSPORT", "idNumber": "543210987"}
    received = (await api.gql(RECEIVE, intake(foreigner), as_="affairs"))["receiveCase"]
    assert received["userErrors"] == []
    await workers.drain()
    async with ctx.sessionmaker() as session:
        content = await session.scalar(sa.select(Document.content).where(Document.kind == "QUERY_CONTROL_RULING"))
    text = "\n".join(p.text for p in Docx(io.BytesIO(content)).paragraphs)
    assert "John Smith" in text and "护照号码543210987" in text
