"""Issue 13, item 5: a step taken by its own mutation completes the matching work item as DONE by
the person who took it (not CANCELLED, not without an assignee); reassignment goes only to
someone whose role can do the item."""

from __future__ import annotations

import sqlalchemy as sa

from exec_center.db.models import WorkItem
from exec_center.domain.case_numbers import CaseType
from exec_center.domain.organisation import Role
from exec_center.domain.work import WorkItemKind, WorkItemStatus

from .test_worklist import (
    REASSIGN,
    _refused,
    gid,
    new_case,
    new_item,
    org,  # noqa: F401  (a fixture)
    viewer,
)


async def items_of(ctx, case_id: int, kind: WorkItemKind) -> list[WorkItem]:
    async with ctx.sessionmaker() as session:
        return list((await session.scalars(
            sa.select(WorkItem).where(WorkItem.case_id == case_id, WorkItem.kind == kind))).all())


async def enforcing_case(ctx, team: int):
    """A 执 case of `team` in compulsory execution."""
    from exec_center.db.models import Case
    from exec_center.domain.lifecycle import CaseStage

    case = await new_case(ctx, team=team)
    async with ctx.sessionmaker() as session:
        await session.execute(sa.update(Case).where(Case.id == case.id)
                              .values(stage=CaseStage.ENFORCING, case_type=CaseType.ZHI))
        await session.commit()
    return case


async def test_archiving_directly_completes_the_archive_item_by_that_person(api, ctx, org) -> None:  # noqa: F811
    from exec_center.domain.lifecycle import ClosingMethod
    from exec_center.services import lifecycle

    case = await enforcing_case(ctx, org.teams["impl-1"])
    await lifecycle.close_case(ctx, await viewer(ctx, "impl1"), case.id, ClosingMethod.CANCELLED)
    [archive] = await items_of(ctx, case.id, WorkItemKind.ARCHIVE)
    assert archive.status is WorkItemStatus.OPEN
    done = (await api.gql("""mutation($id: ID!) { archiveCase(input: {caseId: $id}) {
      case { stage } userErrors { code message: messageEn } } }""", {"id": _case_id(case.id)}, as_="center"))["archiveCase"]
    assert done["userErrors"] == [] and done["case"]["stage"] == "ARCHIVED"
    [archive] = await items_of(ctx, case.id, WorkItemKind.ARCHIVE)
    center = await viewer(ctx, "center")
    assert archive.status is WorkItemStatus.DONE and archive.outcome == "ARCHIVED"
    assert archive.assignee_id == center.staff_id and archive.completed_by == center.staff_id


async def test_closing_directly_completes_the_enforcement_item_with_the_closing_method(api, ctx, org) -> None:  # noqa: F811
    case = await enforcing_case(ctx, org.teams["impl-1"])
    await new_item(ctx, kind=WorkItemKind.ENFORCE, case=case, team_id=org.teams["impl-1"],
                   candidate_role=Role.IMPLEMENTATION_OFFICER)
    other = await new_item(ctx, kind=WorkItemKind.INVESTIGATE, case=case, team_id=org.teams["impl-1"],
                           candidate_role=Role.IMPLEMENTATION_OFFICER)
    closed = (await api.gql("""mutation($id: ID!) { closeCase(input: {caseId: $id, method: CANCELLED}) {
      userErrors { code message: messageEn } } }""", {"id": _case_id(case.id)}, as_="impl1"))["closeCase"]
    assert closed["userErrors"] == []
    [enforce] = await items_of(ctx, case.id, WorkItemKind.ENFORCE)
    impl1 = await viewer(ctx, "impl1")
    assert enforce.status is WorkItemStatus.DONE and enforce.outcome == "CANCELLED"
    assert enforce.assignee_id == impl1.staff_id
    async with ctx.sessionmaker() as session:
        assert (await session.get(WorkItem, other)).status is WorkItemStatus.CANCELLED  # not this step's


async def test_reassignment_only_to_someone_whose_role_can_do_the_item(api, ctx, org) -> None:  # noqa: F811
    item_id = await new_item(ctx, candidate_role=Role.CENTER_OFFICER)
    # The affairs clerk holds a centre role, but not the one this item needs.
    error = await _refused(api, ctx, item_id, REASSIGN,
                           {"input": {"id": gid(item_id), "assigneeId": await api.id_of("affairs")}},
                           "center-head")
    assert error["code"] == "NOT_ALLOWED" and error["field"] == ["input", "assigneeId"]
    assert "CENTER_OFFICER" in error["message"]


def _case_id(pk: int) -> str:
    from exec_center.api.ids import to_global_id

    return to_global_id("Case", pk)


async def test_one_history_entry_per_change_of_stage(api) -> None:
    from .test_windows import transferred_case

    case = await transferred_case(api)
    data = await api.gql("""query($n: String!) { case(number: $n) { transferredOn
      history(first: 50) { edges { node { action summary } } } } }""", {"n": case.number}, as_="center")
    actions = [e["node"]["action"] for e in data["case"]["history"]["edges"]]
    assert actions.count("TRANSFER_CASE") == 1 and "TRANSFER" not in actions, actions
    [transfer] = [e["node"]["summary"] for e in data["case"]["history"]["edges"]
                  if e["node"]["action"] == "TRANSFER_CASE"]
    assert transfer.startswith(f"{case.number}：") and "→" in transfer and "移交" in transfer
    assert data["case"]["transferredOn"] is not None
