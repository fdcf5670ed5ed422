"""Control characters and lone surrogates are refused at the edge (PostgreSQL cannot store NUL:
the issue-12 fuzz test found it as an internal error)."""

from __future__ import annotations

import pytest

from exec_center.api.text_input import bad_character


@pytest.mark.parametrize("text,found", [
    ("陈某", None), ("line\nbreak\ttab\r", None), ("\x00", "U+0000"), ("a\x07b", "U+0007"),
    ("\x7f", "U+007F"), ("\ud800", "U+D800"), ("🙂（2024）粤5322执1号", None),
])
def test_which_characters_a_text_may_not_hold(text, found) -> None:
    assert bad_character(text) == found


@pytest.mark.parametrize("query,variables", [
    ("query($n: String!) { materialsReceipts(caseNumber: $n) { id } }", {"n": "\x00"}),
    ('{ materialsReceipts(caseNumber: "a\\u0000b") { id } }', {}),
    ("mutation($i: RecordPetitionInput!) { recordPetition(input: $i) { userErrors { code } } }",
     {"i": {"windowId": "x", "petitionerName": "陈\x00某", "content": "x"}}),
])
async def test_a_control_character_is_the_clients_mistake_and_changes_nothing(api, query, variables) -> None:
    response = await api.post(query, variables, as_="consult")
    body = response.json()
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "control character U+0000" in body["errors"][0]["message"]
    assert "\x00" not in response.text
