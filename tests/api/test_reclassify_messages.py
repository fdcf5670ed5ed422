"""Issue 13, item 5: a misclassified online message is reclassified by the window until its reply
is sent; what was routed for the old class goes, and so does a settled reply."""

from __future__ import annotations

from .test_online_messages import CLASSIFY, classify, ingest, items, message_input, read, settle


async def test_a_substantive_message_reclassified_as_procedural_goes_back_to_the_window(api) -> None:
    message = (await ingest(api, message_input(content="对拍卖评估结果有异议怎么办？")))["message"]
    await classify(api, message["id"], "SUBSTANTIVE")
    assert len(await items(api, "center", "DRAFT_REPLY")) == 1
    settled = await settle(api, message["id"], "可在收到评估报告之日起十日内书面提出异议。", as_="center")
    assert settled["message"]["status"] == "READY"

    again = await classify(api, message["id"], "PROCEDURAL")
    assert again["messageClass"] == "PROCEDURAL" and again["status"] == "DRAFTING"
    assert await items(api, "center", "DRAFT_REPLY") == []  # the old route is cancelled
    sends = await items(api, "consult", "SEND_REPLY")
    assert len(sends) == 1  # one item to answer it at the window, not the old one too
    assert (await read(api, message["id"]))["replyContent"] is None  # the settled reply is gone
    repeat = await classify(api, message["id"], "PROCEDURAL")  # a repeat changes nothing
    assert repeat["status"] == "DRAFTING" and len(await items(api, "consult", "SEND_REPLY")) == 1


async def test_only_the_window_reclassifies(api) -> None:
    message = (await ingest(api, message_input(content="对拍卖评估结果有异议怎么办？")))["message"]
    await classify(api, message["id"], "SUBSTANTIVE")
    refused = (await api.gql(CLASSIFY, {"input": {"id": message["id"], "messageClass": "PROCEDURAL"}},
                             as_="center"))["classifyOnlineMessage"]
    assert refused["userErrors"][0]["code"] == "FORBIDDEN"
    assert (await read(api, message["id"]))["messageClass"] == "SUBSTANTIVE"
