"""The pure work-item rules: who is a candidate, who supervises, who sees, who may claim,
complete or reassign, and which outcomes each kind allows."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exec_center.domain.access import Viewer
from exec_center.domain.errors import DomainError, ErrorCode
from exec_center.domain.organisation import Role
from exec_center.domain.work import (
    CENTER_ROLES,
    OUTCOMES,
    ItemAudience,
    WorkItemKind,
    WorkItemStatus,
    can_see,
    check_claim,
    check_holder,
    check_outcome,
    check_reassign,
    check_version,
    is_candidate,
    may_act_on,
    supervises,
)

OPEN, CLAIMED, DONE = WorkItemStatus.OPEN, WorkItemStatus.CLAIMED, WorkItemStatus.DONE
TEAM1, TEAM2, AFFAIRS_WINDOW, FILING_WINDOW = 1, 2, 10, 30


def person(staff_id: int, *roles: Role, teams=(), leads=(), windows=()) -> Viewer:
    return Viewer(staff_id, f"u{staff_id}", f"u{staff_id}", frozenset(roles), frozenset(teams),
                  frozenset(leads), frozenset(windows))


IMPL1 = person(6, Role.IMPLEMENTATION_OFFICER, teams=[TEAM1])
LEAD1 = person(7, Role.IMPLEMENTATION_LEAD, teams=[TEAM1], leads=[TEAM1])
IMPL2 = person(8, Role.IMPLEMENTATION_OFFICER, teams=[TEAM2])
AFFAIRS = person(1, Role.AFFAIRS_CLERK, windows=[AFFAIRS_WINDOW])
CENTER = person(3, Role.CENTER_OFFICER)
HEAD = person(4, Role.CENTER_HEAD)
CHIEF = person(11, Role.BUREAU_CHIEF)
COMMAND = person(12, Role.COMMAND_CENTER)


def item(status=OPEN, role=None, team=None, window=None, assignee=None, center_window=False) -> ItemAudience:
    return ItemAudience(status, role, team, window, assignee, center_window)


def refusal(call) -> DomainError:
    with pytest.raises(DomainError) as raised:
        call()
    return raised.value


# --- candidates, supervisors, sight -----------------------------------------------------


def test_a_role_item_is_for_holders_of_the_role_in_its_team_and_at_its_window() -> None:
    assert is_candidate(CENTER, item(role=Role.CENTER_OFFICER))
    assert not is_candidate(AFFAIRS, item(role=Role.CENTER_OFFICER))
    assert is_candidate(IMPL1, item(role=Role.IMPLEMENTATION_OFFICER, team=TEAM1))
    assert not is_candidate(IMPL2, item(role=Role.IMPLEMENTATION_OFFICER, team=TEAM1))
    assert is_candidate(AFFAIRS, item(role=Role.AFFAIRS_CLERK, window=AFFAIRS_WINDOW))
    assert not is_candidate(AFFAIRS, item(role=Role.AFFAIRS_CLERK, window=FILING_WINDOW))


def test_team_and_window_items_without_a_role_are_for_members_and_staff() -> None:
    assert is_candidate(IMPL1, item(team=TEAM1)) and is_candidate(LEAD1, item(team=TEAM1))
    assert not is_candidate(IMPL2, item(team=TEAM1))
    assert is_candidate(AFFAIRS, item(window=AFFAIRS_WINDOW))
    assert not is_candidate(CENTER, item(window=AFFAIRS_WINDOW))
    assert not is_candidate(CENTER, item())  # an item for nobody is nobody's to take


def test_only_open_items_have_candidates() -> None:
    for status in (CLAIMED, DONE, WorkItemStatus.CANCELLED):
        assert not is_candidate(CENTER, item(status, role=Role.CENTER_OFFICER))


def test_leads_supervise_their_team_and_the_centre_head_the_centre() -> None:
    assert supervises(LEAD1, item(CLAIMED, role=Role.IMPLEMENTATION_OFFICER, team=TEAM1, assignee=6))
    assert not supervises(LEAD1, item(team=TEAM2))
    for role in CENTER_ROLES:
        assert supervises(HEAD, item(DONE, role=role))
    assert supervises(HEAD, item(window=AFFAIRS_WINDOW, center_window=True))
    assert not supervises(HEAD, item(role=Role.FILING_CLERK, window=FILING_WINDOW))
    assert not supervises(HEAD, item(team=TEAM1))
    assert not supervises(CENTER, item(role=Role.AFFAIRS_CLERK))


def test_who_sees_what() -> None:
    held = item(CLAIMED, role=Role.IMPLEMENTATION_OFFICER, team=TEAM2, assignee=IMPL2.staff_id)
    assert can_see(IMPL2, held) and not can_see(IMPL1, held) and not can_see(LEAD1, held)
    assert can_see(CHIEF, held) and can_see(COMMAND, held)
    done = item(DONE, role=Role.CENTER_OFFICER, assignee=CENTER.staff_id)
    assert can_see(CENTER, done) and can_see(HEAD, done)
    assert not can_see(person(99, Role.CENTER_OFFICER), done)


def test_a_candidate_may_be_told_why_an_action_is_refused_but_no_one_else() -> None:
    taken = item(CLAIMED, role=Role.CENTER_OFFICER, assignee=HEAD.staff_id)
    other = person(99, Role.CENTER_OFFICER)
    assert not can_see(other, taken) and may_act_on(other, taken)
    assert not may_act_on(AFFAIRS, taken) and not may_act_on(IMPL1, taken)


roles = st.frozensets(st.sampled_from(list(Role)), max_size=3)
ids = st.frozensets(st.integers(1, 3), max_size=2)


@st.composite
def viewers(draw) -> Viewer:
    teams = draw(ids)
    return Viewer(draw(st.integers(1, 4)), "v", "v", draw(roles), teams,
                  draw(st.frozensets(st.sampled_from(sorted(teams)))) if teams else frozenset(), draw(ids))


audiences = st.builds(ItemAudience, st.sampled_from(list(WorkItemStatus)), st.none() | st.sampled_from(list(Role)),
                      st.none() | st.integers(1, 3), st.none() | st.integers(1, 3), st.none() | st.integers(1, 4),
                      st.booleans())


@given(viewers(), audiences)
def test_sight_is_the_union_of_its_reasons(viewer: Viewer, audience: ItemAudience) -> None:
    assert can_see(viewer, audience) == (
        viewer.sees_everything or audience.assignee_id == viewer.staff_id
        or is_candidate(viewer, audience) or supervises(viewer, audience))
    assert not is_candidate(viewer, audience) or audience.status is OPEN
    assert not can_see(viewer, audience) or may_act_on(viewer, audience)


@given(viewers(), audiences)
def test_a_claim_is_refused_or_allowed_consistently(viewer: Viewer, audience: ItemAudience) -> None:
    try:
        check_claim(viewer, audience)
    except DomainError as error:
        if viewer.read_only:
            assert error.code is ErrorCode.FORBIDDEN
        elif audience.status is CLAIMED:
            assert error.code is ErrorCode.ALREADY_CLAIMED
        elif audience.status is not OPEN:
            assert error.code is ErrorCode.NOT_ALLOWED_IN_STAGE
        else:
            assert error.code is ErrorCode.FORBIDDEN
            assert not (is_candidate(viewer, audience) or supervises(viewer, audience))
    else:
        assert audience.status is OPEN and not viewer.read_only
        assert is_candidate(viewer, audience) or supervises(viewer, audience)


# --- acting on items --------------------------------------------------------------------


def test_claim_refusals_say_why() -> None:
    error = refusal(lambda: check_claim(COMMAND, item(role=Role.CENTER_OFFICER)))
    assert error.code is ErrorCode.FORBIDDEN and "command centre" in error.message
    mine = item(CLAIMED, role=Role.CENTER_OFFICER, assignee=CENTER.staff_id)
    assert "you already hold" in refusal(lambda: check_claim(CENTER, mine)).message
    error = refusal(lambda: check_claim(HEAD, mine))
    assert error.code is ErrorCode.ALREADY_CLAIMED and "someone else" in error.message
    error = refusal(lambda: check_claim(CENTER, item(DONE, role=Role.CENTER_OFFICER)))
    assert error.code is ErrorCode.NOT_ALLOWED_IN_STAGE and "DONE (已完成)" in error.message
    assert refusal(lambda: check_claim(AFFAIRS, item(role=Role.CENTER_OFFICER))).code is ErrorCode.FORBIDDEN
    check_claim(LEAD1, item(role=Role.IMPLEMENTATION_OFFICER, team=TEAM1))  # a lead may take the team's work
    check_claim(HEAD, item(role=Role.AFFAIRS_CLERK, window=AFFAIRS_WINDOW))


def test_only_the_holder_completes_or_releases() -> None:
    held = item(CLAIMED, role=Role.CENTER_OFFICER, assignee=CENTER.staff_id)
    check_holder(CENTER, held, "complete")
    error = refusal(lambda: check_holder(HEAD, held, "complete"))
    assert error.code is ErrorCode.NOT_ALLOWED and "only its holder can complete" in error.message
    error = refusal(lambda: check_holder(CENTER, item(role=Role.CENTER_OFFICER), "release"))
    assert "OPEN (待领取); claim it before you release it" in error.message


def test_reassign_within_the_team_or_the_centre() -> None:
    team_item = item(CLAIMED, role=Role.IMPLEMENTATION_OFFICER, team=TEAM1, assignee=IMPL1.staff_id)
    check_reassign(LEAD1, team_item, to_team_ids=frozenset({TEAM1}), to_roles=frozenset({Role.IMPLEMENTATION_OFFICER}))
    check_reassign(LEAD1, team_item, to_team_ids=frozenset({TEAM1}), to_roles=frozenset(),
                   to_lead_team_ids=frozenset({TEAM1}))  # to the lead: supervises it
    # Issue 13: only to someone whose role can do the item.
    error = refusal(lambda: check_reassign(LEAD1, team_item, to_team_ids=frozenset({TEAM1}),
                                           to_roles=frozenset({Role.ADJUDICATION_JUDGE})))
    assert error.code is ErrorCode.NOT_ALLOWED and "IMPLEMENTATION_OFFICER" in error.message
    error = refusal(lambda: check_reassign(LEAD1, team_item, to_team_ids=frozenset({TEAM2}),
                                           to_roles=frozenset({Role.IMPLEMENTATION_OFFICER})))
    assert error.field == "assigneeId" and "within the team" in error.message
    assert refusal(lambda: check_reassign(IMPL1, team_item, to_team_ids=frozenset({TEAM1}),
                                          to_roles=frozenset())).code is ErrorCode.FORBIDDEN
    centre_item = item(role=Role.CENTER_OFFICER)
    check_reassign(HEAD, centre_item, to_team_ids=frozenset(), to_roles=frozenset({Role.CENTER_OFFICER}))
    error = refusal(lambda: check_reassign(HEAD, centre_item, to_team_ids=frozenset(),
                                           to_roles=frozenset({Role.AFFAIRS_CLERK})))
    assert error.code is ErrorCode.NOT_ALLOWED and error.field == "assigneeId"
    error = refusal(lambda: check_reassign(HEAD, centre_item, to_team_ids=frozenset({TEAM1}),
                                           to_roles=frozenset({Role.IMPLEMENTATION_OFFICER})))
    assert "within the centre" in error.message
    assert refusal(lambda: check_reassign(HEAD, team_item, to_team_ids=frozenset({TEAM1}),
                                          to_roles=frozenset())).code is ErrorCode.FORBIDDEN
    assert refusal(lambda: check_reassign(COMMAND, centre_item, to_team_ids=frozenset(),
                                          to_roles=frozenset({Role.CENTER_OFFICER}))).code is ErrorCode.FORBIDDEN
    error = refusal(lambda: check_reassign(HEAD, item(DONE, role=Role.CENTER_OFFICER), to_team_ids=frozenset(),
                                           to_roles=frozenset({Role.CENTER_OFFICER})))
    assert error.code is ErrorCode.NOT_ALLOWED_IN_STAGE


def test_a_stale_version_is_refused() -> None:
    check_version(None, 7)
    check_version(7, 7)
    error = refusal(lambda: check_version(6, 7))
    assert error.code is ErrorCode.STALE and error.field == "version" and "version 6, now 7" in error.message


def test_outcomes_per_kind() -> None:
    check_outcome(WorkItemKind.MEDIATE, "SETTLED")
    check_outcome(WorkItemKind.VISIT, "DONE")  # kinds without a list are simply done
    error = refusal(lambda: check_outcome(WorkItemKind.MEDIATE, "ARCHIVED"))
    assert error.field == "outcome" and error.message.endswith("allowed: SETTLED, PERFORMED, FAILED")
    assert "MEDIATE (执行调解)" in error.message
    assert "allowed: DONE" in refusal(lambda: check_outcome(WorkItemKind.VISIT, "SETTLED")).message
    for kind, allowed in OUTCOMES.items():
        assert allowed and len(set(allowed)) == len(allowed), kind
