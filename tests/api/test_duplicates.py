"""The same filing twice, through GraphQL: `receiveCase` for an enforceable title and respondent
that an open case already has is refused with DUPLICATE naming that case, unless `duplicateOf`
names it; two identical filings sent together make one case. Sending the tax-bureau letter
again returns the letter that waits to be served."""

from __future__ import annotations

import asyncio
import copy

import sqlalchemy as sa

from exec_center.db.models import Case, Document, WorkItem

from .test_case_lifecycle import RECEIVE_VARIABLES, items
from .test_case_paths import (
    SEND_TAX_LETTER,
    analysing,
    control,
    deposit,
    finding,
    first_sealed_house,
    transferred,
)

FIRST, SECOND = "（2024）粤5322执保1号", "（2024）粤5322执保2号"
CLOSE = """mutation($id: ID!) { closeCase(input: {caseId: $id, method: CANCELLED}) {
  case { stage } userErrors { field message: messageEn code } } }"""
LETTER = """mutation($input: SendTaxLetterInput!) { sendTaxLetter(input: $input) {
  letter { id kind } case { documents { id kind } } userErrors { field message: messageEn code } } }"""


def filing(**changes) -> dict:
    variables = copy.deepcopy(RECEIVE_VARIABLES)
    variables["input"].update(changes)
    return variables


async def receive(api, variables: dict, as_: str = "affairs") -> dict:
    return (await api.op("ReceiveCase", variables, as_=as_))["receiveCase"]


async def count(ctx, model, *where) -> int:
    async with ctx.sessionmaker() as session:
        return await session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


async def test_the_same_title_and_respondent_again_is_refused_naming_the_open_case(api, ctx) -> None:
    assert (await receive(api, filing()))["case"]["number"] == FIRST
    again = await receive(api, filing(), as_="center")  # another window, the same papers
    assert again["case"] is None
    [error] = again["userErrors"]
    assert (error["field"], error["code"]) == (["input", "title", "documentNumber"], "DUPLICATE")
    assert FIRST in error["message"] and "重复申请" in error["message"]  # the clerk's text
    # Spelled with half-width brackets and spaces, it is the same number.
    spelled = filing(title={"documentNumber": " (2023) 粤5322民初1024号", "kind": "JUDGMENT"})
    assert (await receive(api, spelled))["userErrors"][0]["code"] == "DUPLICATE"
    # The respondent is one of several in the new filing: still the same filing.
    more = filing()
    more["input"]["respondents"].append({"kind": "PERSON", "name": "李某", "idNumber": "445322198505051231"})
    assert (await receive(api, more))["userErrors"][0]["code"] == "DUPLICATE"
    assert await count(ctx, Case) == 1

    # Another title against the same respondent, or the same title against another: new cases,
    # numbered on from the first (the refusals consumed no number).
    other_title = await receive(api, filing(title={"documentNumber": "（2023）粤5322民初1025号",
                                                   "kind": "JUDGMENT"}))
    assert other_title["userErrors"] == [] and other_title["case"]["number"] == SECOND
    other_respondent = filing()
    other_respondent["input"]["respondents"] = [
        {"kind": "ORGANISATION", "name": "郁南县某建材有限公司", "idNumber": "91445322MA4ABCDF16"}]
    assert (await receive(api, other_respondent))["case"]["number"] == "（2024）粤5322执保3号"


async def test_duplicate_of_files_a_second_application_on_purpose(api, ctx) -> None:
    assert (await receive(api, filing()))["case"]["number"] == FIRST
    wrong = await receive(api, filing(duplicateOf="（2024）粤5322执保9号"))
    assert wrong["userErrors"][0]["code"] == "DUPLICATE" and FIRST in wrong["userErrors"][0]["message"]
    second = await receive(api, filing(duplicateOf=FIRST))
    assert second["userErrors"] == [] and second["case"]["number"] == SECOND
    # A third names either open case.
    third = await receive(api, filing(duplicateOf=FIRST))
    assert third["userErrors"] == [] and third["case"]["number"] == "（2024）粤5322执保3号"


async def test_a_closed_case_does_not_make_a_filing_a_duplicate(api, ctx) -> None:
    first = (await receive(api, filing()))["case"]
    closed = (await api.gql(CLOSE, {"id": first["id"]}, as_="center"))["closeCase"]
    assert closed == {"case": {"stage": "CLOSED"}, "userErrors": []}
    again = await receive(api, filing())
    assert again["userErrors"] == [] and again["case"]["number"] == SECOND


async def test_identical_filings_sent_together_make_one_case(api, ctx) -> None:
    answers = await asyncio.gather(*(receive(api, filing(), as_=user)
                                     for user in ("affairs", "center", "affairs", "center-head")))
    accepted = [a for a in answers if a["case"] is not None]
    refused = [a for a in answers if a["case"] is None]
    assert [a["case"]["number"] for a in accepted] == [FIRST]
    assert len(refused) == 3
    assert all(a["userErrors"][0]["code"] == "DUPLICATE" and FIRST in a["userErrors"][0]["message"]
               for a in refused)
    assert await count(ctx, Case) == 1
    # Distinct filings sent together are all received, numbered without gaps.
    answers = await asyncio.gather(*(
        receive(api, filing(title={"documentNumber": f"（2023）粤5322民初{n}号", "kind": "JUDGMENT"}))
        for n in range(2000, 2006)))
    assert sorted(a["case"]["number"] for a in answers) == sorted(
        f"（2024）粤5322执保{n}号" for n in range(2, 8))


async def test_sending_the_tax_letter_again_returns_the_letter(api, ctx, workers) -> None:
    file = await analysing(api, workers, first_sealed_house(), deposit("2000.00"))
    await control(api, file, ("REAL_ESTATE", "SEAL", "100000.00"))
    file, member = await transferred(api, workers, file["number"])
    house = {"input": {"caseId": file["id"], "findingIds": [finding(file, "REAL_ESTATE")["id"]]}}

    first = (await api.gql(LETTER, house, as_=member))["sendTaxLetter"]
    assert first["userErrors"] == [] and first["letter"]["kind"] == "BENCHMARK_PRICE_LETTER"
    again = (await api.gql(LETTER, house, as_=member))["sendTaxLetter"]
    assert again == first  # the same letter, the same file
    together = await asyncio.gather(*(api.gql(LETTER, house, as_=member) for _ in range(3)))
    assert {t["sendTaxLetter"]["letter"]["id"] for t in together} == {first["letter"]["id"]}

    [serve] = await items(api, member, "TAX_LETTER", file["number"])
    assert serve["status"] == "CLAIMED"
    assert [d["kind"] for d in first["case"]["documents"]].count("BENCHMARK_PRICE_LETTER") == 1
    async with ctx.sessionmaker() as session:
        case_pk = await session.scalar(sa.select(Case.id).where(Case.number == file["number"]))
    assert await count(ctx, Document, Document.case_id == case_pk, Document.kind == "BENCHMARK_PRICE_LETTER") == 1
    assert await count(ctx, WorkItem, WorkItem.case_id == case_pk, WorkItem.kind == "TAX_LETTER") == 1

    # The old payload shape keeps working.
    old = (await api.gql(SEND_TAX_LETTER, house, as_=member))["sendTaxLetter"]
    assert old["userErrors"] == [] and [d["kind"] for d in old["case"]["documents"]].count(
        "BENCHMARK_PRICE_LETTER") == 1
