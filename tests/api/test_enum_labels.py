"""Issue 13 item 4: every code field is its enum with a zh-CN label.

The contract (README "Conventions"): every enum-typed field of an object type has a sibling with
its zh-CN label, `stage` → `stageLabel`, `roles` → `roleLabels`; a code is never a String. The
schema is walked as the code builds it; a few converted fields are then replayed with real data.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import sqlalchemy as sa
from graphql import GraphQLEnumType, GraphQLList, GraphQLNonNull, GraphQLObjectType

from exec_center.api.schema import build_schema
from exec_center.db.models import Notification, Staff

from .test_deadlines_api import REQUEST, _deadline
from .test_measures import frozen

# Enum fields without a `<name>Label` sibling, each with its reason.
NO_LABEL = {
    # The contract's userErrors are `field message code`: the message is the text for people.
    ("UserError", "code"),
    # An option object: its `label` field is the label (the button's text).
    ("CaseStepOption", "step"),
    ("WorkOutcomeOption", "outcome"),
}
# String fields whose name reads like a code but which hold free text, each with its reason.
FREE_TEXT = {
    # What the clerk wrote when resolving the visit (ResolveVisitInput.outcome), not a code.
    ("Visit", "outcome"),
}
CODE_NAMES = ("status", "kind", "action", "outcome", "stage", "method", "category")


def _unwrap(graphql_type):  # type: ignore[no-untyped-def]
    is_list = False
    while isinstance(graphql_type, GraphQLNonNull | GraphQLList):
        is_list = is_list or isinstance(graphql_type, GraphQLList)
        graphql_type = graphql_type.of_type
    return graphql_type, is_list


def _object_fields():  # type: ignore[no-untyped-def]
    schema = build_schema(debug=True)._schema
    for name, graphql_type in sorted(schema.type_map.items()):
        if name.startswith("__") or not isinstance(graphql_type, GraphQLObjectType):
            continue
        for field_name, field in graphql_type.fields.items():
            yield graphql_type, field_name, *_unwrap(field.type)


def _label_name(field_name: str, is_list: bool) -> str:
    if not is_list:
        return f"{field_name}Label"
    singular = field_name[:-1] if field_name.endswith("s") else field_name
    return f"{singular}Labels"


def test_every_enum_field_has_its_label_sibling() -> None:
    missing = [
        f"{owner.name}.{field_name} ({named.name}): no {_label_name(field_name, is_list)}"
        for owner, field_name, named, is_list in _object_fields()
        if isinstance(named, GraphQLEnumType)
        and (owner.name, field_name) not in NO_LABEL
        and _label_name(field_name, is_list) not in owner.fields
    ]
    assert missing == []


def test_label_siblings_are_strings() -> None:
    for owner, field_name, named, is_list in _object_fields():
        if isinstance(named, GraphQLEnumType) and (owner.name, field_name) not in NO_LABEL:
            label_type, label_is_list = _unwrap(owner.fields[_label_name(field_name, is_list)].type)
            assert (label_type.name, label_is_list) == ("String", is_list), (owner.name, field_name)


def test_no_code_is_a_string() -> None:
    pattern = re.compile(rf"^(?:{'|'.join(CODE_NAMES)})$|(?:{'|'.join(n.title() for n in CODE_NAMES)})$")
    strings = [
        f"{owner.name}.{field_name}"
        for owner, field_name, named, _ in _object_fields()
        if named.name == "String" and pattern.search(field_name) and (owner.name, field_name) not in FREE_TEXT
    ]
    assert strings == []


def test_dates_are_on_and_instants_at() -> None:
    wrong = [
        f"{owner.name}.{field_name}: {named.name}"
        for owner, field_name, named, _ in _object_fields()
        if (named.name == "Date" and field_name.endswith("At"))
        or (named.name == "DateTime" and field_name.endswith("On"))
    ]
    assert wrong == []


FILE = """query($n: String!) { case(number: $n) {
  findings { source sourceLabel }
  controlMeasures { status statusLabel }
  deadlines { kind variant variantLabel responsibleRole responsibleRoleLabel }
  documents { kind kindLabel createdOn createdAt }
} }"""


async def test_converted_fields_read_real_rows(api, workers) -> None:
    file = await frozen(api, workers)
    data = (await api.gql(FILE, {"n": file["number"]}, as_="center"))["case"]
    assert {"source": "QUERY", "sourceLabel": "网络查控反馈"} in data["findings"]
    assert data["controlMeasures"] == [{"status": "IN_FORCE", "statusLabel": "有效"}]
    [renewal] = [d for d in data["deadlines"] if d["kind"] == "MEASURE_RENEWAL"]
    assert (renewal["variant"], renewal["variantLabel"]) == ("BANK_DEPOSIT", "冻结银行存款、网络支付资金（一年）")
    [query_control] = [d for d in data["deadlines"] if d["kind"] == "QUERY_CONTROL"]
    assert (query_control["variant"], query_control["variantLabel"]) == (None, None)
    if query_control["responsibleRole"] is not None:
        assert query_control["responsibleRoleLabel"]
    ruling = next(d for d in data["documents"] if d["kind"] == "QUERY_CONTROL_RULING")
    assert ruling["kindLabel"] == "财产查控裁定书"
    assert ruling["createdOn"] == "2024-02-08" and ruling["createdAt"].startswith("2024-02-0")


async def test_extension_requests_and_notifications_carry_labels(api) -> None:
    payload = (await api.gql(REQUEST, {"input": {"deadlineId": await _deadline(api), "reason": "查控反馈延迟"}},
                             as_="center"))["requestDeadlineExtension"]
    assert payload["userErrors"] == []
    assert (payload["extensionRequest"]["status"], payload["extensionRequest"]["statusLabel"]) == (
        "PENDING", "待审批")
    notes = await api.gql("{ notifications { edges { node { kind kindLabel } } } }", as_="chief")
    assert notes["notifications"]["edges"][0]["node"] == {"kind": "EXTENSION_REQUESTED", "kindLabel": "期限延期申请"}
    filtered = await api.gql("""query($f: DeadlineFilter) { deadlines(filter: $f) { totalCount } }""",
                             {"f": {"kind": ["QUERY_CONTROL", "ONLINE_REPLY"], "status": "OPEN"}}, as_="chief")
    assert filtered["deadlines"]["totalCount"] == 1


async def test_a_notification_of_a_kind_no_longer_sent_reads_as_other(api) -> None:
    async with api.ctx.sessionmaker() as session:
        chief = await session.scalar(sa.select(Staff.id).where(Staff.username == "chief"))
        session.add(Notification(recipient_id=chief, kind="SOMETHING_RETIRED", title="旧通知", body="旧通知",
                                 created_at=datetime(2024, 2, 1, tzinfo=UTC)))
        await session.commit()
    notes = await api.gql("{ notifications { edges { node { kind kindLabel title } } } }", as_="chief")
    assert notes["notifications"]["edges"][0]["node"] == {"kind": "OTHER", "kindLabel": "其他通知", "title": "旧通知"}
