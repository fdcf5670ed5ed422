"""Online messages (Arts. 12–13) through GraphQL, with the workers running: the gateway ingests,
the consultation clerk classifies, the handler (or the clerk) settles the reply, the clerk
sends, the deliver_reply actor delivers through the channel port."""

from __future__ import annotations

import copy
import logging
from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from exec_center.db.models import Deadline, OnlineMessage, OutboxMessage, WorkItem
from exec_center.integrations.channels import SimulatedReplyChannel, set_channel

from .conftest import OPERATIONS

COURT = ZoneInfo("Asia/Shanghai")
PHONE = "13912345678"
CONTENT = "申请执行需要带什么材料？"

FIELDS = """id channel channelLabel externalId senderName senderPhone unmasked content receivedAt
  suggestedClass suggestedClassLabel messageClass messageClassLabel answeredByWindow status statusLabel
  replyContent sentAt deliveredAt deliveryAttempts deliveryError case { number }
  deadline { kind startsOn dueOn status closedOn }"""
ERRORS = "userErrors { field message: messageEn code }"
INGEST = f"""mutation($input: IngestOnlineMessageInput!) {{ ingestOnlineMessage(input: $input) {{
  message {{ {FIELDS} }} duplicate {ERRORS} }} }}"""
CLASSIFY = f"""mutation($input: ClassifyOnlineMessageInput!) {{ classifyOnlineMessage(input: $input) {{
  message {{ {FIELDS} }} {ERRORS} }} }}"""
SETTLE = f"""mutation($input: SettleReplyContentInput!) {{ settleReplyContent(input: $input) {{
  message {{ {FIELDS} }} {ERRORS} }} }}"""
SEND = f"""mutation($id: ID!) {{ sendOnlineReply(input: {{id: $id}}) {{ message {{ {FIELDS} }} {ERRORS} }} }}"""
MESSAGE = f"""query($id: ID!) {{ onlineMessage(id: $id) {{ {FIELDS}
  history(first: 50) {{ edges {{ node {{ action summary }} }} }} }} }}"""
WORKLIST = (OPERATIONS / "Worklist.graphql").read_text()
WINDOW_WORKLIST = """{ windows { code worklist(first: 50) { edges { node { id kind title dueOn status
  candidateRole } } } } }"""


@pytest.fixture(autouse=True)
def reply_channel() -> Iterator[SimulatedReplyChannel]:
    """A channel that takes every reply at once; tests that need failures install their own."""
    channel = SimulatedReplyChannel(fail_first=0)
    set_channel(channel)
    yield channel
    set_channel(None)


def message_input(external_id: str = "12368-0001", **extra) -> dict:
    data = {"channel": "ONLINE_12368", "externalId": external_id, "senderName": "陈某",
            "senderPhone": PHONE, "content": CONTENT, "receivedAt": "2024-02-08T08:30:00+08:00"}
    data.update(extra)
    return {"input": data}


async def ingest(api, variables: dict | None = None, as_: str = "gateway") -> dict:
    payload = (await api.gql(INGEST, variables or message_input(), as_=as_))["ingestOnlineMessage"]
    assert payload["userErrors"] == [], payload
    return payload


async def classify(api, message_id: str, message_class: str, as_: str = "consult", **extra) -> dict:
    payload = (await api.gql(CLASSIFY, {"input": {"id": message_id, "messageClass": message_class, **extra}},
                             as_=as_))["classifyOnlineMessage"]
    assert payload["userErrors"] == [], payload
    return payload["message"]


async def settle(api, message_id: str, content: str, as_: str) -> dict:
    return (await api.gql(SETTLE, {"input": {"id": message_id, "content": content}}, as_=as_))["settleReplyContent"]


async def send(api, message_id: str, as_: str = "consult") -> dict:
    return (await api.gql(SEND, {"id": message_id}, as_=as_))["sendOnlineReply"]


async def read(api, message_id: str, as_: str = "consult") -> dict | None:
    return (await api.gql(MESSAGE, {"id": message_id}, as_=as_))["onlineMessage"]


async def items(api, user: str, kind: str) -> list[dict]:
    data = await api.gql(WORKLIST, {"filter": {"kind": [kind]}}, as_=user)
    return [e["node"] for e in data["worklist"]["edges"]]


async def window_items(api, user: str, code: str) -> list[dict]:
    windows = (await api.gql(WINDOW_WORKLIST, as_=user))["windows"]
    return [e["node"] for e in next(w for w in windows if w["code"] == code)["worklist"]["edges"]]


async def count(api, model, *where) -> int:
    async with api.ctx.sessionmaker() as session:
        return await session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


# --- ingestion ----------------------------------------------------------------------------


async def test_the_gateway_ingests_a_message_for_the_consultation_window(api) -> None:
    payload = await ingest(api)
    message = payload["message"]
    assert payload["duplicate"] is False
    assert (message["channel"], message["channelLabel"]) == ("ONLINE_12368", "12368诉讼服务平台")
    assert (message["status"], message["statusLabel"]) == ("NEW", "待分类")
    assert (message["suggestedClass"], message["suggestedClassLabel"]) == ("PROCEDURAL", "程序性事项")
    assert message["messageClass"] is None and message["answeredByWindow"] is None
    assert message["receivedAt"].startswith("2024-02-08T00:30:00")
    # The gateway is not a clerk: the phone comes back masked, the deadline is not its business.
    assert (message["senderPhone"], message["unmasked"]) == ("139****5678", False)
    assert message["deadline"] is None

    seen = await read(api, message["id"])
    assert (seen["senderPhone"], seen["unmasked"], seen["content"]) == (PHONE, True, CONTENT)
    # 2 working days from Thu 2024-02-08: Fri 9, then Spring Festival, then the make-up Sunday 18.
    assert seen["deadline"] == {"kind": "ONLINE_REPLY", "startsOn": "2024-02-08", "dueOn": "2024-02-18",
                                "status": "OPEN", "closedOn": None}
    assert "DISCLOSE_PERSONAL_DATA" in [e["node"]["action"] for e in
                                        (await read(api, message["id"]))["history"]["edges"]]

    [item] = await items(api, "consult", "CLASSIFY_MESSAGE")
    assert item["dueOn"] == "2024-02-18" and item["candidateRole"] == "CONSULTATION_CLERK"
    assert [i["kind"] for i in await window_items(api, "consult", "online-12368")] == ["CLASSIFY_MESSAGE"]
    assert await window_items(api, "consult", "smart-execution-app") == []

    # A team officer and the gateway do not read it; the command centre does.
    assert await read(api, message["id"], as_="impl1") is None
    assert (await read(api, message["id"], as_="command"))["senderPhone"] == "139****5678"
    node = await api.gql('query($id: ID!) { node(id: $id) { ... on OnlineMessage { externalId } } }',
                         {"id": message["id"]}, as_="center-head")
    assert node["node"] == {"externalId": "12368-0001"}
    refused = await api.gql("{ onlineMessages { totalCount } }", as_="gateway", expect_errors=True)
    assert refused["errors"][0]["extensions"]["messageEn"].startswith("machine accounts")


async def test_the_window_worklist_lists_messages_by_due_date(api) -> None:
    await ingest(api, message_input("APP-7", channel="SMART_EXECUTION_APP"))
    await ingest(api, message_input("APP-6", channel="SMART_EXECUTION_APP",
                                     receivedAt="2024-02-07T16:00:00+08:00"))
    queue = await window_items(api, "consult", "smart-execution-app")
    assert [(i["kind"], i["dueOn"]) for i in queue] == [("CLASSIFY_MESSAGE", "2024-02-09"),
                                                         ("CLASSIFY_MESSAGE", "2024-02-18")]
    assert "APP-6" in queue[0]["title"] and "陈某" not in queue[0]["title"]  # no personal data in titles
    listed = await api.gql("""{ onlineMessages(filter: {channel: [SMART_EXECUTION_APP], status: [NEW]}) {
      totalCount edges { node { externalId } } } }""", as_="consult")
    assert listed["onlineMessages"]["totalCount"] == 2
    assert [e["node"]["externalId"] for e in listed["onlineMessages"]["edges"]] == ["APP-6", "APP-7"]


async def test_a_message_seen_twice_is_stored_once(api) -> None:
    first = await ingest(api)
    again = await ingest(api, message_input(content="重复推送的同一条留言"))
    assert again["duplicate"] is True
    assert again["message"]["id"] == first["message"]["id"]
    assert again["message"]["content"] == CONTENT  # the stored message, unchanged
    assert await count(api, OnlineMessage) == 1
    assert await count(api, WorkItem, WorkItem.owner_type == "OnlineMessage") == 1
    assert await count(api, Deadline, Deadline.owner_type == "OnlineMessage") == 1

    # The same external id on the other channel is another message.
    other = await ingest(api, message_input(channel="SMART_EXECUTION_APP"))
    assert other["duplicate"] is False and other["message"]["id"] != first["message"]["id"]


async def test_only_an_integration_account_ingests(api) -> None:
    for user in ("consult", "center-head"):
        payload = (await api.gql(INGEST, message_input(), as_=user))["ingestOnlineMessage"]
        assert payload["message"] is None
        [error] = payload["userErrors"]
        assert error["code"] == "FORBIDDEN" and "INTEGRATION" in error["message"]
    assert await count(api, OnlineMessage) == 0
    assert await count(api, Deadline, Deadline.owner_type == "OnlineMessage") == 0


async def test_an_unknown_channel_is_refused_naming_the_online_channels(api) -> None:
    payload = (await api.gql(INGEST, message_input(channel="AFFAIRS_HANDLING"), as_="gateway"))["ingestOnlineMessage"]
    assert payload["message"] is None
    [error] = payload["userErrors"]
    assert error["field"] == ["input", "channel"] and error["code"] == "INVALID"
    assert "ONLINE_12368" in error["message"] and "SMART_EXECUTION_APP" in error["message"]
    assert await count(api, OnlineMessage) == 0

    bad_phone = (await api.gql(INGEST, message_input(senderPhone="99887"), as_="gateway"))["ingestOnlineMessage"]
    assert bad_phone["userErrors"][0]["field"] == ["input", "senderPhone"]
    assert "99887" not in bad_phone["userErrors"][0]["message"]
    future = (await api.gql(INGEST, message_input(receivedAt="2024-02-09T09:00:00+08:00"), as_="gateway"))
    assert future["ingestOnlineMessage"]["userErrors"][0]["field"] == ["input", "receivedAt"]
    assert await count(api, OnlineMessage) == 0


async def test_the_reply_deadline_runs_two_working_days_across_national_day(api, clock) -> None:
    clock.set(datetime(2024, 9, 30, 10, 0, tzinfo=COURT))
    payload = await ingest(api, message_input("12368-NATIONAL-DAY", receivedAt="2024-09-30T09:30:00+08:00"))
    message = await read(api, payload["message"]["id"])
    # Mon 30 Sep received; 1–7 Oct are the National Day holiday: the two working days are 8 and 9 Oct.
    assert message["deadline"]["startsOn"] == "2024-09-30"
    assert message["deadline"]["dueOn"] == "2024-10-09"


# --- the window answers: procedural and legal questions ---------------------------------------


async def test_a_procedural_question_is_answered_by_the_window(api, workers, reply_channel) -> None:
    message = (await ingest(api))["message"]
    classified = await classify(api, message["id"], "PROCEDURAL")
    assert (classified["status"], classified["messageClass"], classified["answeredByWindow"]) == (
        "DRAFTING", "PROCEDURAL", True)
    assert await items(api, "consult", "CLASSIFY_MESSAGE") == []
    [to_send] = await items(api, "consult", "SEND_REPLY")
    assert to_send["dueOn"] == "2024-02-18" and to_send["status"] == "OPEN"
    assert [i["kind"] for i in await window_items(api, "consult", "online-12368")] == ["SEND_REPLY"]

    early = await send(api, message["id"])
    assert early["userErrors"][0]["code"] == "NOT_ALLOWED_IN_STAGE" and "not settled" in early["userErrors"][0]["message"]
    refused = await settle(api, message["id"], "请携带生效法律文书。", as_="impl1")
    assert refused["userErrors"][0]["code"] == "FORBIDDEN"

    settled = await settle(api, message["id"], "请携带生效法律文书、身份证明及申请执行书。", as_="consult")
    assert settled["userErrors"] == [] and settled["message"]["status"] == "READY"
    sent = await send(api, message["id"])
    assert sent["userErrors"] == []
    assert sent["message"]["status"] == "SENDING" and sent["message"]["sentAt"]
    assert sent["message"]["deadline"]["status"] == "MET"
    assert await items(api, "consult", "SEND_REPLY") == []
    async with api.ctx.sessionmaker() as session:  # the job carries the message id and nothing else
        jobs = (await session.scalars(sa.select(OutboxMessage).where(OutboxMessage.actor_name == "deliver_reply"))).all()
    assert [j.args for j in jobs] == [[int(await _pk(api, message["id"]))]]

    await workers.drain()
    done = await read(api, message["id"])
    assert (done["status"], done["statusLabel"], done["deliveryAttempts"]) == ("DELIVERED", "已送达", 1)
    assert done["deliveredAt"] and done["deliveryError"] is None
    assert done["deadline"]["closedOn"] == "2024-02-08"
    assert reply_channel.delivered_count("ONLINE_12368", "12368-0001") == 1
    again = await send(api, message["id"])
    assert again["userErrors"][0]["code"] == "ALREADY_DONE"
    actions = [e["node"]["action"] for e in done["history"]["edges"]]
    assert {"INGEST_ONLINE_MESSAGE", "CLASSIFY_ONLINE_MESSAGE", "SETTLE_REPLY", "SEND_REPLY",
            "DELIVER_REPLY"} <= set(actions)


async def _pk(api, global_id: str) -> int:
    from exec_center.api.ids import from_global_id

    return from_global_id(global_id)[1]


async def test_work_items_of_a_message_cannot_skip_its_steps(api, workers) -> None:
    message = (await ingest(api))["message"]
    [item] = await items(api, "consult", "CLASSIFY_MESSAGE")
    claim = await api.gql((OPERATIONS / "ClaimWorkItem.graphql").read_text(), {"id": item["id"]}, as_="consult")
    assert claim["claimWorkItem"]["userErrors"] == []
    complete = (OPERATIONS / "CompleteWorkItem.graphql").read_text()
    refused = (await api.gql(complete, {"input": {"id": item["id"], "outcome": "DONE"}}, as_="consult"))
    error = refused["completeWorkItem"]["userErrors"][0]
    assert error["code"] == "NOT_ALLOWED" and "留言分类" in error["message"]  # the operation asks for zh-CN
    assert (await read(api, message["id"]))["status"] == "NEW"

    # Completing the SEND_REPLY item sends the settled reply, as sendOnlineReply does.
    await classify(api, message["id"], "LEGAL_QUESTION")
    await settle(api, message["id"], "依法可以申请限制高消费。", as_="consult")
    [to_send] = await items(api, "consult", "SEND_REPLY")
    await api.gql((OPERATIONS / "ClaimWorkItem.graphql").read_text(), {"id": to_send["id"]}, as_="consult")
    done = await api.gql(complete, {"input": {"id": to_send["id"], "outcome": "DONE"}}, as_="consult")
    assert done["completeWorkItem"]["userErrors"] == []
    await workers.drain()
    assert (await read(api, message["id"]))["status"] == "DELIVERED"


# --- the handler settles: substantive and case-specific messages ---------------------------------

RECEIVE_VARIABLES = {"input": {
    "receivedOn": "2024-02-08",
    "claimAmount": "125000.00",
    "title": {"documentNumber": "（2023）粤5322民初1024号", "kind": "JUDGMENT"},
    "applicants": [{"kind": "PERSON", "name": "陈某", "idNumber": "445322198001011236", "phone": "13800138000"}],
    "respondents": [{"kind": "ORGANISATION", "name": "郁南县某建材有限公司", "idNumber": "91445322MA4ABCDE15"}],
}}
MEMBERS = {"impl-1": ("impl1", "impl2"), "impl-2": ("impl2", "impl3"), "impl-3": ("impl3", "impl1")}


async def transferred_case(api, workers) -> tuple[dict, str, str]:
    """A case received, queried and transferred (through the API and the workers): the case, an
    officer of its team and an officer of another team."""
    case = (await api.op("ReceiveCase", copy.deepcopy(RECEIVE_VARIABLES), as_="affairs"))["receiveCase"]["case"]
    await workers.drain()
    done = await api.gql("""mutation($id: ID!) { completeQueryControl(input: {caseId: $id}) {
      userErrors { message: messageEn } } }""", {"id": case["id"]}, as_="center")
    assert done["completeQueryControl"]["userErrors"] == []
    await workers.drain()
    file = (await api.gql("query($n: String!) { case(number: $n) { id number stage team { code } } }",
                          {"n": case["number"]}, as_="center"))["case"]
    assert file["stage"] == "TRANSFERRED"
    member, outsider = MEMBERS[file["team"]["code"]]
    return file, member, outsider


async def test_a_case_specific_message_goes_to_the_team_then_the_handler(api, workers) -> None:
    case, member, outsider = await transferred_case(api, workers)
    number = case["number"]

    # No handler yet: the team settles the reply's content.
    first = (await ingest(api, message_input("12368-0100", caseNumber=number,
                                             content="我的案件执行到哪一步了？")))["message"]
    assert first["case"] is None  # the gateway does not read case files
    seen = await read(api, first["id"])
    assert seen["case"] == {"number": number} and seen["suggestedClass"] == "CASE_SPECIFIC"
    await classify(api, first["id"], "CASE_SPECIFIC")
    [draft] = await items(api, member, "DRAFT_REPLY")
    assert draft["team"] and draft["assignee"] is None and draft["dueOn"] == "2024-02-18"
    assert (await read(api, first["id"], as_=member))["senderPhone"] == "139****5678"  # not the handler
    assert await read(api, first["id"], as_=outsider) is None
    settled = await settle(api, first["id"], "案件已移交执行实施团队，正在线下调查。", as_=member)
    assert settled["userErrors"] == [] and settled["message"]["status"] == "READY"
    assert await items(api, member, "DRAFT_REPLY") == []

    # The team records its investigation: the officer becomes the handler.
    recorded = await api.gql("""mutation($id: ID!) { recordTeamWork(input: {caseId: $id, kind: INVESTIGATION,
      note: "走访被执行人经营场所"}) { userErrors { message: messageEn } } }""", {"id": case["id"]}, as_=member)
    assert recorded["recordTeamWork"]["userErrors"] == []

    second = (await ingest(api, message_input("12368-0101", content=f"{number}为什么还没有执行款？")))["message"]
    assert second["suggestedClass"] == "CASE_SPECIFIC"  # the number in the text; the clerk links it
    classified = await classify(api, second["id"], "CASE_SPECIFIC", caseNumber=number)
    assert classified["case"] == {"number": number} and classified["status"] == "DRAFTING"
    [draft] = await items(api, member, "DRAFT_REPLY")
    assert draft["status"] == "CLAIMED" and draft["assignee"]["name"]
    handler_view = await read(api, second["id"], as_=member)
    assert handler_view["senderPhone"] == PHONE and handler_view["content"].endswith("执行款？")
    listed = await api.gql("{ onlineMessages { totalCount } }", as_=member)
    assert listed["onlineMessages"]["totalCount"] == 2

    early = await send(api, second["id"])
    assert early["userErrors"][0]["code"] == "NOT_ALLOWED_IN_STAGE"
    assert "handler" in early["userErrors"][0]["message"]
    by_clerk = await settle(api, second["id"], "我们会尽快处理。", as_="consult")
    assert by_clerk["userErrors"][0]["code"] == "FORBIDDEN"
    settled = await settle(api, second["id"], "执行款到账后将于30日内发放。", as_=member)
    assert settled["userErrors"] == [] and settled["message"]["status"] == "READY"

    sending = await items(api, "consult", "SEND_REPLY")
    assert len(sending) == 2 and {i["dueOn"] for i in sending} == {"2024-02-18"}
    for message in (first, second):
        sent = await send(api, message["id"])
        assert sent["userErrors"] == [] and sent["message"]["status"] == "SENDING"
    await workers.drain()
    for message in (first, second):
        done = await read(api, message["id"])
        assert (done["status"], done["deliveryAttempts"], done["deadline"]["status"]) == ("DELIVERED", 1, "MET")
    assert await items(api, "consult", "SEND_REPLY") == []


async def test_without_a_case_the_centre_officers_settle_and_case_specific_is_refused(api) -> None:
    message = (await ingest(api, message_input(content="对拍卖评估结果有异议怎么办？")))["message"]
    assert message["suggestedClass"] == "SUBSTANTIVE"
    refused = (await api.gql(CLASSIFY, {"input": {"id": message["id"], "messageClass": "CASE_SPECIFIC"}},
                             as_="consult"))["classifyOnlineMessage"]
    [error] = refused["userErrors"]
    assert error["field"] == ["input", "caseNumber"] and "caseNumber" in error["message"]
    unknown = (await api.gql(CLASSIFY, {"input": {"id": message["id"], "messageClass": "CASE_SPECIFIC",
                                                  "caseNumber": "（2024）粤5322执保999号"}},
                             as_="consult"))["classifyOnlineMessage"]
    assert unknown["userErrors"][0]["code"] == "NOT_FOUND"
    assert unknown["userErrors"][0]["field"] == ["input", "caseNumber"]
    by_officer = (await api.gql(CLASSIFY, {"input": {"id": message["id"], "messageClass": "SUBSTANTIVE"}},
                                as_="center"))["classifyOnlineMessage"]
    assert by_officer["userErrors"][0]["code"] == "FORBIDDEN"
    assert (await read(api, message["id"]))["status"] == "NEW"

    await classify(api, message["id"], "SUBSTANTIVE")
    [draft] = await items(api, "center", "DRAFT_REPLY")
    assert draft["candidateRole"] == "CENTER_OFFICER" and draft["case"] is None
    assert (await read(api, message["id"], as_="center"))["senderPhone"] == "139****5678"
    settled = await settle(api, message["id"], "可在收到评估报告之日起十日内书面提出异议。", as_="center")
    assert settled["userErrors"] == [] and settled["message"]["status"] == "READY"
    [to_send] = await items(api, "consult", "SEND_REPLY")
    assert to_send["dueOn"] == "2024-02-18"


# --- delivery ---------------------------------------------------------------------------------


async def test_a_reply_that_fails_twice_then_goes_out(api, workers, caplog) -> None:
    channel = SimulatedReplyChannel(fail_first=2)
    set_channel(channel)
    caplog.set_level(logging.INFO)
    message = (await ingest(api, message_input(content="失信被执行人能不能坐高铁？")))["message"]
    assert message["suggestedClass"] == "LEGAL_QUESTION"
    await classify(api, message["id"], "LEGAL_QUESTION")
    await settle(api, message["id"], "被限制高消费的，不得乘坐G字头动车组列车全部座位。", as_="consult")
    assert (await send(api, message["id"]))["userErrors"] == []

    await workers.drain()
    done = await read(api, message["id"])
    assert (done["status"], done["deliveryAttempts"], done["deliveryError"]) == ("DELIVERED", 3, None)
    assert channel.attempts("ONLINE_12368", "12368-0001") == 3
    assert channel.delivered_count("ONLINE_12368", "12368-0001") == 1
    actions = [e["node"]["action"] for e in done["history"]["edges"]]
    assert actions.count("REPLY_DELIVERY_FAILED") == 2 and actions.count("DELIVER_REPLY") == 1

    # Running the job again delivers nothing twice.
    from exec_center.services import messages

    assert await messages.deliver(api.ctx, await _pk(api, message["id"])) is False
    assert channel.delivered_count("ONLINE_12368", "12368-0001") == 1
    # Nothing personal reached the logs: no phone, no message, no reply.
    assert "not delivered" in caplog.text
    for secret in (PHONE, "陈某", "高铁", "动车组"):
        assert secret not in caplog.text


async def test_a_reply_the_channel_refuses_goes_back_to_the_window(api, workers) -> None:
    from exec_center.integrations.channels import ChannelUnavailable

    class Refusing:
        async def deliver(self, channel: str, external_id: str, content: str) -> str:
            raise ChannelUnavailable("message closed on the platform", retryable=False)

    set_channel(Refusing())
    message = (await ingest(api))["message"]
    await classify(api, message["id"], "PROCEDURAL")
    await settle(api, message["id"], "请携带生效法律文书。", as_="consult")
    await send(api, message["id"])
    await workers.drain()
    back = await read(api, message["id"])
    assert (back["status"], back["deliveryAttempts"]) == ("READY", 1)
    assert "closed on the platform" in back["deliveryError"]
    [again] = await window_items(api, "consult", "online-12368")
    assert again["kind"] == "SEND_REPLY" and "发送失败" in again["title"]


async def test_the_default_simulator_fails_now_and_then_by_hash_and_always_delivers_in_the_end() -> None:
    from exec_center.integrations.channels import ALWAYS_SUCCEEDS_FROM, ChannelUnavailable

    def outcomes(channel: SimulatedReplyChannel) -> list[int]:
        return [channel.attempts("ONLINE_12368", f"M-{i}") for i in range(200)]

    runs = []
    for _ in range(2):
        channel = SimulatedReplyChannel(failure_rate=0.3)
        for i in range(200):
            for _attempt in range(ALWAYS_SUCCEEDS_FROM):
                try:
                    receipt = await channel.deliver("ONLINE_12368", f"M-{i}", "答复")
                    break
                except ChannelUnavailable as error:
                    assert error.retryable and "答复" not in str(error)
            assert receipt.startswith("SIM-ONLINE_12368-")
            assert await channel.deliver("ONLINE_12368", f"M-{i}", "答复") == receipt  # idempotent
            assert channel.delivered_count("ONLINE_12368", f"M-{i}") == 1
        runs.append(outcomes(channel))
    assert runs[0] == runs[1]  # deterministic
    assert 1 < sum(1 for n in runs[0] if n > 1) < 200  # some failed first, most did not
    with pytest.raises(ChannelUnavailable) as refused:
        await SimulatedReplyChannel().deliver("AFFAIRS_HANDLING", "M-1", "答复")
    assert refused.value.retryable is False
