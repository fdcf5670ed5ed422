"""Supervision orders (督办): who issues, who answers, who sees, and how an order's status reads."""

from __future__ import annotations

from datetime import date

import pytest

from exec_center.domain.access import Viewer
from exec_center.domain.errors import DomainError, ErrorCode
from exec_center.domain.organisation import Role
from exec_center.domain.supervision import (
    OrderAudience,
    SupervisionStatus,
    SupervisionTarget,
    check_issuer,
    check_not_answered,
    check_one_target,
    check_replier,
    order_visible,
)


def viewer(*roles: Role, teams: set[int] = frozenset(), leads: set[int] = frozenset(), staff_id: int = 7) -> Viewer:
    return Viewer(staff_id, "u", "某某", frozenset(roles), frozenset(teams), frozenset(leads))


TEAM_ORDER = OrderAudience(team_id=1, responsible_role=None, assignee_id=None)
CENTRE_ORDER = OrderAudience(team_id=None, responsible_role=Role.CENTER_OFFICER, assignee_id=None,
                             has_case=True)


def test_only_the_command_centre_and_the_bureau_chief_issue() -> None:
    check_issuer(viewer(Role.COMMAND_CENTER))
    check_issuer(viewer(Role.BUREAU_CHIEF))
    for role in (Role.CENTER_HEAD, Role.IMPLEMENTATION_LEAD, Role.ADMIN):
        with pytest.raises(DomainError) as refused:
            check_issuer(viewer(role))
        assert refused.value.code is ErrorCode.FORBIDDEN


def test_an_order_is_about_exactly_one_thing() -> None:
    assert check_one_target(None, 3, None) is SupervisionTarget.TEAM
    with pytest.raises(DomainError) as none:
        check_one_target(None, None, None)
    assert (none.value.code, none.value.field) == (ErrorCode.REQUIRED, "caseId")
    with pytest.raises(DomainError) as two:
        check_one_target(1, None, 2)
    assert (two.value.code, two.value.field) == (ErrorCode.INVALID, "deadlineId")


def test_the_team_or_role_addressed_answers_and_the_issuers_only_read() -> None:
    check_replier(viewer(Role.IMPLEMENTATION_OFFICER, teams={1}), TEAM_ORDER)
    check_replier(viewer(Role.IMPLEMENTATION_LEAD, teams={1}, leads={1}), TEAM_ORDER)
    check_replier(viewer(Role.CENTER_OFFICER), CENTRE_ORDER)
    check_replier(viewer(Role.CENTER_HEAD), CENTRE_ORDER)  # answers for the centre's officers
    for who, order in [(viewer(Role.IMPLEMENTATION_OFFICER, teams={2}), TEAM_ORDER),
                       (viewer(Role.COMMAND_CENTER), TEAM_ORDER), (viewer(Role.BUREAU_CHIEF), CENTRE_ORDER),
                       (viewer(Role.IMPLEMENTATION_OFFICER, teams={1}), CENTRE_ORDER)]:
        with pytest.raises(DomainError):
            check_replier(who, order)
    assert order_visible(viewer(Role.COMMAND_CENTER), TEAM_ORDER)
    assert not order_visible(viewer(Role.IMPLEMENTATION_OFFICER, teams={2}), TEAM_ORDER)
    assert order_visible(viewer(Role.FILING_CLERK), CENTRE_ORDER)  # reads every case
    assert not order_visible(viewer(Role.ADMIN), CENTRE_ORDER)


def test_an_open_order_past_its_reply_day_reads_overdue_and_answers_once() -> None:
    due = date(2024, 2, 21)
    assert SupervisionStatus.of("OPEN", due, date(2024, 2, 21)) is SupervisionStatus.OPEN
    assert SupervisionStatus.of("OPEN", due, date(2024, 2, 22)) is SupervisionStatus.OVERDUE
    assert SupervisionStatus.of("ANSWERED", due, date(2024, 3, 1)) is SupervisionStatus.ANSWERED
    with pytest.raises(DomainError) as twice:
        check_not_answered("ANSWERED")
    assert twice.value.code is ErrorCode.ALREADY_DONE
