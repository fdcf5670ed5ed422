"""The catalogue replayed at the window terminals that need no case: first contact at the
Affairs Handling window (Art. 7) and the online windows (Arts. 12-13), from the gateway's
message to the reply delivered."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from exec_center.integrations.channels import SimulatedReplyChannel, set_channel

from .test_catalogue_case_flow import windows, worklist
from .test_operations_catalogue import edges, ok, refused, run


@pytest.fixture(autouse=True)
def reply_channel() -> Iterator[SimulatedReplyChannel]:
    channel = SimulatedReplyChannel(fail_first=0)
    set_channel(channel)
    yield channel
    set_channel(None)


async def test_a_filing_that_cannot_be_accepted_is_taken_over_and_closed(api) -> None:
    at = (await windows(api, "affairs"))["affairs-handling"]
    recorded = (await ok(api, "RecordFirstContact", {"input": {
        "windowId": at, "applicantName": "赵某", "reason": "TITLE_NOT_EFFECTIVE",
        "legalBasis": "民事诉讼法第二百四十七条", "told": "判决尚未生效，生效后再申请执行"}},
        as_="affairs"))["firstContact"]
    assert (recorded["status"], recorded["reason"]) == ("OPEN", "TITLE_NOT_EFFECTIVE")
    error = await refused(api, "RecordFirstContact", {"input": {
        "windowId": at, "applicantName": "赵某", "reason": "OTHER", "legalBasis": "x", "told": "y"}},
        as_="consult")
    assert error["code"] in ("FORBIDDEN", "NOT_FOUND") and error["messageEn"]
    [listed] = (await run(api, "FirstContacts", {"windowId": at}, as_="affairs"))["firstContacts"]
    assert (listed["id"], listed["window"]["code"]) == (recorded["id"], "affairs-handling")
    day = (await run(api, "WindowDay", {"windowId": at}, as_="affairs"))["windowDay"]
    assert day["openFirstContacts"] == 1
    assert [i["kind"] for i in await worklist(api, "affairs", "FIRST_CONTACT")] == ["FIRST_CONTACT"]

    closed = (await ok(api, "CloseFirstContact", {"id": recorded["id"], "note": "申请人已知悉，自行离开"},
                       as_="affairs"))["firstContact"]
    assert closed["status"] == "CLOSED" and closed["closedAt"]
    assert (await run(api, "FirstContacts", {"windowId": at}, as_="affairs"))["firstContacts"] == []
    [kept] = (await run(api, "FirstContacts", {"windowId": at, "openOnly": False}, as_="affairs"))["firstContacts"]
    assert kept["closingNote"] == "申请人已知悉，自行离开"
    assert await worklist(api, "affairs", "FIRST_CONTACT") == []


def message(external_id: str, content: str) -> dict:
    return {"input": {"channel": "ONLINE_12368", "externalId": external_id, "senderName": "陈某",
                      "senderPhone": "13912345678", "content": content,
                      "receivedAt": "2024-02-08T08:30:00+08:00"}}


async def test_an_online_message_is_classified_answered_and_delivered(api, workers) -> None:
    ingested = await ok(api, "IngestOnlineMessage", message("12368-0001", "申请执行需要带什么材料？"),
                        as_="gateway")
    assert ingested["duplicate"] is False and ingested["message"]["status"] == "NEW"
    again = await ok(api, "IngestOnlineMessage", message("12368-0001", "申请执行需要带什么材料？"), as_="gateway")
    assert (again["duplicate"], again["message"]["id"]) == (True, ingested["message"]["id"])
    message_id = ingested["message"]["id"]

    [listed] = edges((await run(api, "OnlineMessages", {"filter": {"status": ["NEW"]}}, as_="consult"))[
        "onlineMessages"])
    assert (listed["id"], listed["senderPhone"], listed["unmasked"]) == (message_id, "13912345678", True)
    assert (listed["suggestedClass"], listed["deadline"]["dueOn"]) == ("PROCEDURAL", "2024-02-18")
    assert [i["kind"] for i in await worklist(api, "consult", "CLASSIFY_MESSAGE")] == ["CLASSIFY_MESSAGE"]

    classified = (await ok(api, "ClassifyOnlineMessage", {"input": {"id": message_id, "messageClass": "PROCEDURAL"}},
                           as_="consult"))["message"]
    assert (classified["messageClass"], classified["answeredByWindow"]) == ("PROCEDURAL", True)
    error = await refused(api, "SendOnlineReply", {"id": message_id}, as_="consult")
    assert error["code"] in ("NOT_ALLOWED", "NOT_ALLOWED_IN_STAGE")  # nothing settled to send yet
    settled = (await ok(api, "SettleReplyContent", {"id": message_id, "content": "请携带申请书、生效法律文书及身份证明。"},
                        as_="consult"))["message"]
    assert settled["replyContent"].startswith("请携带")
    sent = (await ok(api, "SendOnlineReply", {"id": message_id}, as_="consult"))["message"]
    assert sent["status"] in ("SENDING", "DELIVERED") and sent["sentAt"]
    await workers.drain()
    delivered = (await run(api, "OnlineMessage", {"id": message_id}, as_="consult"))["onlineMessage"]
    assert (delivered["status"], delivered["deliveryAttempts"], delivered["deliveryError"]) == ("DELIVERED", 1, None)
    assert delivered["deadline"]["status"] == "MET"
    assert delivered["history"]["edges"][0]["node"]["action"]

    # A second message classified wrongly is corrected before its reply goes out.
    second = (await ok(api, "IngestOnlineMessage", message("12368-0002", "执行异议怎么提出？"),
                       as_="gateway"))["message"]
    await ok(api, "ClassifyOnlineMessage", {"input": {"id": second["id"], "messageClass": "PROCEDURAL"}},
             as_="consult")
    corrected = (await ok(api, "ReclassifyOnlineMessage", {"input": {"id": second["id"],
                                                                      "messageClass": "LEGAL_QUESTION"}},
                          as_="consult"))["message"]
    assert (corrected["messageClass"], corrected["answeredByWindow"]) == ("LEGAL_QUESTION", True)
    legal = edges((await run(api, "OnlineMessages", {"filter": {"messageClass": ["LEGAL_QUESTION"]}},
                             as_="consult"))["onlineMessages"])
    assert [m["id"] for m in legal] == [second["id"]]
