"""Amounts and dates through GraphQL as clerks type them: read, or refused as a userError on the
field with nothing changed; amounts always come back with two decimals.

Dates: the clock stands at Thursday 2024-02-08 (tests/conftest.py)."""

from __future__ import annotations

import copy

from .test_case_lifecycle import RECEIVE_VARIABLES

RECEIVE = """mutation($input: ReceiveCaseInput!) { receiveCase(input: $input) {
  case { number receivedOn claimAmount } userErrors { field message messageEn code } } }"""
CASES = "{ cases(first: 5) { totalCount } }"


def filing(n: int, **changes) -> dict:
    variables = copy.deepcopy(RECEIVE_VARIABLES)
    variables["input"]["title"]["documentNumber"] = f"（2023）粤5322民初{7000 + n}号"
    variables["input"].update(changes)
    return variables


async def test_amounts_and_dates_as_typed_are_read(api) -> None:
    typed = [("¥125,000", "2024/02/08", "125000.00"), ("５万元", "2024年2月7日", "50000.00"),
             ("125000", "２０２４－０２－０６", "125000.00"), (1000.5, "2024.02.05", "1000.50")]
    for n, (amount, day, shown) in enumerate(typed):
        payload = (await api.gql(RECEIVE, filing(n, claimAmount=amount, receivedOn=day), as_="affairs"))["receiveCase"]
        assert payload["userErrors"] == [], payload
        assert payload["case"]["claimAmount"] == shown
        assert payload["case"]["receivedOn"] == f"2024-02-0{8 - n}"


async def test_what_cannot_be_read_is_a_user_error_on_its_field(api) -> None:
    before = (await api.gql(CASES, as_="center"))["cases"]["totalCount"]
    for n, (field, value) in enumerate([("claimAmount", "1e3"), ("claimAmount", "十二万"),
                                         ("claimAmount", "5,0000"), ("receivedOn", "2024/02/30"),
                                         ("receivedOn", "下周一")]):
        payload = (await api.gql(RECEIVE, filing(n, **{field: value}), as_="affairs"))["receiveCase"]
        assert payload["case"] is None
        [error] = payload["userErrors"]
        assert error["field"] == ["input", field] and error["code"] == "BAD_FORMAT"
        assert ("金额" if field == "claimAmount" else "日期") in error["message"]
    # Both at once: both fields are marked.
    payload = (await api.gql(RECEIVE, filing(9, claimAmount="abc", receivedOn="x"), as_="affairs"))["receiveCase"]
    assert sorted(e["field"][-1] for e in payload["userErrors"]) == ["claimAmount", "receivedOn"]
    assert (await api.gql(CASES, as_="center"))["cases"]["totalCount"] == before


async def test_a_query_argument_that_is_not_a_date_is_the_clients_mistake(api) -> None:
    body = await api.gql('{ deadlines(filter: {dueBefore: "not a day"}) { totalCount } }', as_="command",
                         expect_errors=True)
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT" and "filter.dueBefore" in error["message"]
    read = await api.gql('{ deadlines(filter: {dueBefore: "2024/02/20"}) { totalCount } }', as_="command")
    assert read["deadlines"]["totalCount"] == 0
