"""Issue 11 item 3 through GraphQL: control measures count from the day they took effect
(effectiveOn), are renewed (续行, 民诉法解释 2022 art. 485 para. 2) and released (解除, SPC
provisions on seizure, sealing and freezing in civil execution (2020), art. 28), and lapse when
not renewed by their last day (ibid. art. 27).

The clock stands at Thursday 2024-02-08; the case was received on Thursday 2024-02-01; the claim
is 125,000.00 yuan and a bank deposit of 125,000.00 is found. A bank-deposit freeze lasts at most
one year: in force from its effective day through the day before the same date a year on
(domain.assets.MEASURE_PERIOD_RULE)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from exec_center.services import deadlines as deadline_service
from exec_center.services import measures as measure_service
from exec_center.services.unit_of_work import UnitOfWork

from .test_case_paths import analysing, deposit, finding, pk
from .test_intake_bad_input import snapshot

FILE = """query($n: String!) { case(number: $n) {
  id number controlledTotal fullyControlled
  controlMeasures { id measure amount startsOn expiresOn status endedOn endReason renewedFromId documentId }
  deadlines { kind variant startsOn dueOn status }
  documents { kind title }
  history(first: 80) { edges { node { action summary } } }
} }"""

DECIDE = """mutation($input: DecideControlMeasuresInput!) { decideControlMeasures(input: $input) {
  case { controlledTotal controlMeasures { startsOn expiresOn status } deadlines { kind startsOn dueOn status } }
  userErrors { field message: messageEn code } } }"""

RENEW = """mutation($input: RenewControlMeasureInput!) { renewControlMeasure(input: $input) {
  case { number controlledTotal fullyControlled
         controlMeasures { id startsOn expiresOn status endedOn renewedFromId documentId } }
  userErrors { field message: messageEn code } } }"""

RELEASE = """mutation($input: ReleaseControlMeasureInput!) { releaseControlMeasure(input: $input) {
  case { controlledTotal fullyControlled controlMeasures { id status endedOn endReason documentId } }
  userErrors { field message: messageEn code } } }"""


def at(clock, day: date) -> None:
    clock.set(datetime(day.year, day.month, day.day, 1, 0, tzinfo=UTC))  # 09:00 in the court


async def file_of(api, number: str) -> dict:
    return (await api.gql(FILE, {"n": number}, as_="center"))["case"]


async def frozen(api, workers, effective_on: str = "2024-02-05") -> dict:
    """A case received 2024-02-01 with its deposit frozen in full from `effective_on`."""
    file = await analysing(api, workers, deposit("125000.00"), receivedOn="2024-02-01")
    decided = (await api.gql(DECIDE, {"input": {"caseId": file["id"], "measures": [
        {"findingId": finding(file, "BANK_DEPOSIT")["id"], "measure": "FREEZE", "amount": "125000.00",
         "effectiveOn": effective_on}]}}, as_="center"))["decideControlMeasures"]
    assert decided["userErrors"] == [], decided
    return await file_of(api, file["number"])


def renewal_deadlines(file: dict) -> list[dict]:
    return [d for d in file["deadlines"] if d["kind"] == "MEASURE_RENEWAL"]


async def renew(api, measure_id: str, as_: str = "center", **fields) -> dict:
    return (await api.gql(RENEW, {"input": {"measureId": measure_id, **fields}}, as_=as_))["renewControlMeasure"]


async def release(api, measure_id: str, as_: str = "center", **fields) -> dict:
    return (await api.gql(RELEASE, {"input": {"measureId": measure_id, **fields}}, as_=as_))[
        "releaseControlMeasure"]


# --- item 1: the period counts from the day the measure took effect ---------------------------


async def test_the_period_counts_from_the_effective_day(api, ctx, workers) -> None:
    file = await analysing(api, workers, deposit("125000.00"), receivedOn="2024-02-01")
    account = finding(file, "BANK_DEPOSIT")["id"]
    before = await snapshot(ctx)

    async def decide(effective_on: str | None) -> dict:
        measure = {"findingId": account, "measure": "FREEZE", "amount": "125000.00"}
        if effective_on is not None:
            measure["effectiveOn"] = effective_on
        return (await api.gql(DECIDE, {"input": {"caseId": file["id"], "measures": [measure]}},
                              as_="center"))["decideControlMeasures"]

    for day, problem in (("2024-02-09", "after today (2024-02-08)"), ("2024-01-31", "received on 2024-02-01")):
        [error] = (await decide(day))["userErrors"]
        assert error["field"] == ["input", "measures", "0", "effectiveOn"], error
        assert problem in error["message"]
    assert await snapshot(ctx) == before

    # The bank froze the account on Monday 2024-02-05; the officer records it on the 8th.
    taken = await decide("2024-02-05")
    assert taken["userErrors"] == []
    assert taken["case"]["controlMeasures"] == [
        {"startsOn": "2024-02-05", "expiresOn": "2025-02-04", "status": "IN_FORCE"}]
    [deadline] = renewal_deadlines(taken["case"])
    assert (deadline["startsOn"], deadline["dueOn"], deadline["status"]) == ("2024-02-05", "2025-02-04", "OPEN")
    # Without effectiveOn it took effect today.
    other = await analysing(api, workers, deposit("125000.00"))
    default = (await api.gql(DECIDE, {"input": {"caseId": other["id"], "measures": [
        {"findingId": finding(other, "BANK_DEPOSIT")["id"], "measure": "FREEZE", "amount": "125000.00"}]}},
        as_="center"))["decideControlMeasures"]
    assert default["case"]["controlMeasures"][0]["expiresOn"] == "2025-02-07"


# --- item 2: renewal (续行) -------------------------------------------------------------------


async def test_a_freeze_is_renewed_on_its_last_day_for_at_most_a_year(api, ctx, workers, clock) -> None:
    file = await frozen(api, workers)
    [old] = file["controlMeasures"]
    at(clock, date(2025, 2, 4))  # the last day (a Tuesday)
    before = await snapshot(ctx)
    refused = await renew(api, old["id"], expiresOn="2026-02-05")
    [error] = refused["userErrors"]
    assert error["field"] == ["input", "expiresOn"]
    assert "at most the legal period of 1 year(s)" in error["message"] and "2026-02-04" in error["message"]
    [error] = (await renew(api, old["id"], effectiveOn="2025-02-06"))["userErrors"]
    assert error["field"] == ["input", "effectiveOn"] and "uncontrolled after 2025-02-04" in error["message"]
    # The case is still with the centre: a team does not even see it.
    [error] = (await renew(api, old["id"], as_="impl1"))["userErrors"]
    assert (error["field"], error["code"]) == (["input", "measureId"], "NOT_FOUND")
    assert await snapshot(ctx) == before

    renewed = await renew(api, old["id"])
    assert renewed["userErrors"] == [], renewed
    first, second = renewed["case"]["controlMeasures"]
    assert (first["status"], first["endedOn"]) == ("RENEWED", "2025-02-05")
    assert (second["startsOn"], second["expiresOn"], second["status"]) == ("2025-02-05", "2026-02-04", "IN_FORCE")
    assert second["renewedFromId"] == old["id"] and second["documentId"] is not None
    assert (renewed["case"]["controlledTotal"], renewed["case"]["fullyControlled"]) == ("125000.00", True)

    file = await file_of(api, file["number"])
    assert [(d["startsOn"], d["dueOn"], d["status"]) for d in renewal_deadlines(file)] == [
        ("2024-02-05", "2025-02-04", "MET"), ("2025-02-05", "2026-02-04", "OPEN")]
    assert {"kind": "MEASURE_RENEWAL_NOTICE",
            "title": f"{file['number']} 续行查封、扣押、冻结协助执行通知书"} in file["documents"]
    actions = [e["node"]["action"] for e in file["history"]["edges"]]
    assert "RENEW_CONTROL_MEASURE" in actions
    # Renewed once, it is no longer in force: a second renewal is of the new measure.
    [error] = (await renew(api, old["id"]))["userErrors"]
    assert error["code"] == "NOT_ALLOWED_IN_STAGE" and "RENEWED" in error["message"]



async def test_a_renewal_from_the_banks_date_may_be_shorter(api, ctx, workers, clock) -> None:
    file = await frozen(api, workers)
    [old] = file["controlMeasures"]
    at(clock, date(2025, 1, 20))
    [error] = (await renew(api, old["id"], effectiveOn="2024-02-05"))["userErrors"]
    assert error["field"] == ["input", "effectiveOn"]  # not from the old measure's own first day
    # The bank renewed it on 2025-01-20 for about seven months.
    shorter = await renew(api, old["id"], effectiveOn="2025-01-20", expiresOn="2025-08-31")
    assert shorter["userErrors"] == [], shorter
    first, second = shorter["case"]["controlMeasures"]
    assert (first["status"], first["endedOn"]) == ("RENEWED", "2025-01-20")
    assert (second["startsOn"], second["expiresOn"]) == ("2025-01-20", "2025-08-31")
    file = await file_of(api, file["number"])
    assert [(d["dueOn"], d["status"]) for d in renewal_deadlines(file)] == [
        ("2025-02-04", "MET"), ("2025-08-31", "OPEN")]


async def test_a_measure_not_renewed_by_its_last_day_lapses(api, ctx, workers, clock) -> None:
    file = await frozen(api, workers)
    [measure] = file["controlMeasures"]
    at(clock, date(2025, 2, 5))  # the day after the last day
    [error] = (await renew(api, measure["id"]))["userErrors"]
    assert error["code"] == "NOT_ALLOWED" and "expired on 2025-02-04" in error["message"]
    [error] = (await release(api, measure["id"], reason="债务已清偿"))["userErrors"]
    assert error["code"] == "NOT_ALLOWED"

    await deadline_service.sweep(ctx)
    file = await file_of(api, file["number"])
    [measure] = file["controlMeasures"]
    assert (measure["status"], measure["endedOn"]) == ("LAPSED", "2025-02-05")
    assert (file["controlledTotal"], file["fullyControlled"]) == ("0.00", False)
    [deadline] = renewal_deadlines(file)
    assert deadline["status"] == "MISSED"


# --- item 3: release (解除) --------------------------------------------------------------------


async def test_a_released_measure_no_longer_counts(api, ctx, workers) -> None:
    file = await frozen(api, workers)
    [measure] = file["controlMeasures"]
    before = await snapshot(ctx)
    [error] = (await release(api, measure["id"], reason="  "))["userErrors"]
    assert error["field"] == ["input", "reason"]
    [error] = (await release(api, measure["id"], reason="债务已清偿", releasedOn="2024-02-09"))["userErrors"]
    assert error["field"] == ["input", "releasedOn"]
    [error] = (await release(api, measure["id"], reason="债务已清偿", releasedOn="2024-02-04"))["userErrors"]
    assert error["field"] == ["input", "releasedOn"]
    [error] = (await release(api, measure["id"], as_="command", reason="债务已清偿"))["userErrors"]
    assert error["code"] == "FORBIDDEN"
    [error] = (await release(api, "Q29udHJvbE1lYXN1cmU6OTk5OTk=", reason="债务已清偿"))["userErrors"]
    assert error["field"] == ["input", "measureId"]
    assert await snapshot(ctx) == before

    released = await release(api, measure["id"], reason="被执行人提供担保，申请执行人同意解除")
    assert released["userErrors"] == [], released
    assert (released["case"]["controlledTotal"], released["case"]["fullyControlled"]) == ("0.00", False)
    [row] = released["case"]["controlMeasures"]
    assert (row["status"], row["endedOn"], row["endReason"]) == (
        "RELEASED", "2024-02-08", "被执行人提供担保，申请执行人同意解除")
    assert row["documentId"] is not None
    file = await file_of(api, file["number"])
    assert renewal_deadlines(file)[0]["status"] == "CANCELLED"
    assert any(d["kind"] == "MEASURE_RELEASE_NOTICE" for d in file["documents"])
    [error] = (await release(api, measure["id"], reason="再次解除"))["userErrors"]
    assert error["code"] == "NOT_ALLOWED_IN_STAGE" and "RELEASED" in error["message"]
    # With the funds released, the same account can be frozen again within the claim.
    again = (await api.gql(DECIDE, {"input": {"caseId": file["id"], "measures": [
        {"findingId": (await analysing_finding(api, file)), "measure": "FREEZE", "amount": "125000.00"}]}},
        as_="center"))["decideControlMeasures"]
    assert again["userErrors"] == [] and again["case"]["controlledTotal"] == "125000.00"


async def analysing_finding(api, file: dict) -> str:
    data = await api.gql("""query($n: String!) { case(number: $n) { findings { id category } } }""",
                         {"n": file["number"]}, as_="center")
    return finding(data["case"], "BANK_DEPOSIT")["id"]


# --- item 5: measures end with the case -------------------------------------------------------


async def test_measures_end_with_the_case(api, ctx, workers) -> None:
    file = await frozen(api, workers)
    async with UnitOfWork(ctx) as uow:
        case = await measure_service.load_case(uow, pk(file["id"]), lock=True)
        assert await measure_service.end_measures_with_case(uow, case, "执行完毕") == 1
        await uow.commit()
    file = await file_of(api, file["number"])
    [measure] = file["controlMeasures"]
    assert (measure["status"], measure["endedOn"], measure["endReason"]) == ("ENDED", "2024-02-08", "执行完毕")
    assert renewal_deadlines(file)[0]["status"] == "CANCELLED"
    assert file["controlledTotal"] == "0.00"
