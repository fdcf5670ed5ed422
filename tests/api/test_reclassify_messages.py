"""Issue 13, item 5: a misclassified online message is reclassified by the window until its reply
is sent; what was routed for the old class goes, and so does a settled reply."""

from __future__ import annotations

from .test_online_messages import CLASSIFY, FIELDS, classify, ingest, items, message_input, read, settle

RECLASSIFY = f"""mutation($input: ClassifyOnlineMessageInput!) {{ reclassifyOnlineMessage(input: $input) {{
  message {{ {FIELDS} }} userErrors {{ field message: messageEn code }} }} }}"""


async def reclassify(api, message_id: str, message_class: str, as_: str = "consult") -> dict:
    payload = (await api.gql(RECLASSIFY, {"input": {"id": message_id, "messageClass": message_class}},
                             as_=as_))["reclassifyOnlineMessage"]
    assert payload["userErrors"] == [], payload
    return payload["message"]


async def test_a_substantive_message_reclassified_as_procedural_goes_back_to_the_window(api) -> None:
    message = (await ingest(api, message_input(content="对拍卖评估结果有异议怎么办？")))["message"]
    await classify(api, message["id"], "SUBSTANTIVE")
    assert len(await items(api, "center", "DRAFT_REPLY")) == 1
    settled = await settle(api, message["id"], "可在收到评估报告之日起十日内书面提出异议。", as_="center")
    assert settled["message"]["status"] == "READY"

    refused = (await api.gql(CLASSIFY, {"input": {"id": message["id"], "messageClass": "PROCEDURAL"}},
                             as_="consult"))["classifyOnlineMessage"]
    assert refused["userErrors"][0]["code"] == "ALREADY_DONE"  # classifying is for NEW messages
    again = await reclassify(api, message["id"], "PROCEDURAL")
    assert again["messageClass"] == "PROCEDURAL" and again["status"] == "DRAFTING"
    assert await items(api, "center", "DRAFT_REPLY") == []  # the old route is cancelled
    sends = await items(api, "consult", "SEND_REPLY")
    assert len(sends) == 1  # one item to answer it at the window, not the old one too
    assert (await read(api, message["id"]))["replyContent"] is None  # the settled reply is gone
    repeat = await reclassify(api, message["id"], "PROCEDURAL")  # a repeat changes nothing
    assert repeat["status"] == "DRAFTING" and len(await items(api, "consult", "SEND_REPLY")) == 1


async def test_only_the_window_reclassifies(api) -> None:
    message = (await ingest(api, message_input(content="对拍卖评估结果有异议怎么办？")))["message"]
    await classify(api, message["id"], "SUBSTANTIVE")
    refused = (await api.gql(RECLASSIFY, {"input": {"id": message["id"], "messageClass": "PROCEDURAL"}},
                             as_="center"))["reclassifyOnlineMessage"]
    assert refused["userErrors"][0]["code"] == "FORBIDDEN"
    assert (await read(api, message["id"]))["messageClass"] == "SUBSTANTIVE"
