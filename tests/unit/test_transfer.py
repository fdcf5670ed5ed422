import pytest
from hypothesis import given
from hypothesis import strategies as st

from exec_center.domain.errors import DomainError, ErrorCode
from exec_center.domain.transfer import TeamLoad, TransferStrategy, pick_team

FEWEST = TransferStrategy.FEWEST_OPEN_CASES
TOWNSHIP = TransferStrategy.BY_TOWNSHIP

TEAMS = [
    TeamLoad(team_id=3, open_cases=12, townships=frozenset({"都城镇", "平台镇"})),
    TeamLoad(team_id=7, open_cases=9, townships=frozenset({"连滩镇"})),
    TeamLoad(team_id=5, open_cases=9, townships=frozenset({"河口镇", "宋桂镇"})),
    TeamLoad(team_id=9, open_cases=20, townships=frozenset({"建城镇"})),
]


def test_labels():
    assert {s.value: s.label for s in TransferStrategy} == {
        "FEWEST_OPEN_CASES": "按在办案件数最少分配",
        "BY_TOWNSHIP": "按被执行人所在乡镇分配",
    }


def test_fewest_open_cases_lowest_tied_id_first():
    assert pick_team(FEWEST, TEAMS, last_assigned_team_id=None, township=None) == 5


@pytest.mark.parametrize(("last", "expected"), [(None, 5), (3, 5), (5, 7), (6, 7), (7, 5), (9, 5), (100, 5)])
def test_fewest_open_cases_rotates_among_ties(last, expected):
    assert pick_team(FEWEST, TEAMS, last_assigned_team_id=last, township=None) == expected


def test_fewest_ignores_township():
    assert pick_team(FEWEST, TEAMS, last_assigned_team_id=None, township="建城镇") == 5


def test_by_township_picks_the_responsible_team_even_if_busier():
    assert pick_team(TOWNSHIP, TEAMS, last_assigned_team_id=None, township="建城镇") == 9
    assert pick_team(TOWNSHIP, TEAMS, last_assigned_team_id=None, township=" 都城镇 ") == 3


@pytest.mark.parametrize("township", [None, "", "千官镇"])
def test_by_township_falls_back_to_fewest_open_cases(township):
    assert pick_team(TOWNSHIP, TEAMS, last_assigned_team_id=5, township=township) == 7


def test_by_township_with_several_responsible_teams_uses_fewest_among_them():
    teams = [
        TeamLoad(1, 4, frozenset({"大湾镇"})),
        TeamLoad(2, 2, frozenset({"大湾镇"})),
        TeamLoad(3, 0, frozenset({"桂圩镇"})),
    ]
    assert pick_team(TOWNSHIP, teams, last_assigned_team_id=None, township="大湾镇") == 2


def test_strategy_may_be_the_stored_identifier():
    assert pick_team("BY_TOWNSHIP", TEAMS, last_assigned_team_id=None, township="连滩镇") == 7


@pytest.mark.parametrize("strategy", list(TransferStrategy))
def test_no_team_is_refused(strategy):
    with pytest.raises(DomainError) as caught:
        pick_team(strategy, [], last_assigned_team_id=None, township="都城镇")
    assert caught.value.code is ErrorCode.NOT_ALLOWED
    assert "no implementation team" in caught.value.message


def test_a_team_listed_twice_is_a_programming_error():
    with pytest.raises(ValueError):
        pick_team(FEWEST, [TeamLoad(1, 0), TeamLoad(1, 3)], last_assigned_team_id=None, township=None)


# --- properties -----------------------------------------------------------------------------

TOWNSHIPS = ["都城镇", "平台镇", "连滩镇", "河口镇", "宋桂镇", "建城镇"]


@st.composite
def team_lists(draw, min_size=1):
    ids = draw(st.lists(st.integers(1, 60), min_size=min_size, max_size=8, unique=True))
    return [
        TeamLoad(
            team_id=team_id,
            open_cases=draw(st.integers(0, 30)),
            townships=frozenset(draw(st.lists(st.sampled_from(TOWNSHIPS), max_size=3))),
        )
        for team_id in ids
    ]


@given(
    strategy=st.sampled_from(list(TransferStrategy)),
    teams=team_lists(),
    last=st.none() | st.integers(0, 70),
    township=st.none() | st.sampled_from([*TOWNSHIPS, "千官镇"]),
)
def test_result_is_always_one_of_the_teams(strategy, teams, last, township):
    picked = pick_team(strategy, teams, last_assigned_team_id=last, township=township)
    assert picked in {team.team_id for team in teams}
    if strategy is TOWNSHIP and any(township in team.townships for team in teams):
        assert township in next(team for team in teams if team.team_id == picked).townships


@given(teams=team_lists(), last=st.none() | st.integers(0, 70))
def test_fewest_picks_a_minimum(teams, last):
    picked = pick_team(FEWEST, teams, last_assigned_team_id=last, township=None)
    loads = {team.team_id: team.open_cases for team in teams}
    assert loads[picked] == min(loads.values())


@given(ids=st.lists(st.integers(1, 60), min_size=1, max_size=8, unique=True),
       load=st.integers(0, 30), first_last=st.none() | st.integers(0, 70))
def test_equal_loads_rotate_through_every_team(ids, load, first_last):
    teams = [TeamLoad(team_id, load) for team_id in ids]
    last = first_last
    picks = []
    for _ in range(2 * len(ids)):
        last = pick_team(FEWEST, teams, last_assigned_team_id=last, township=None)
        picks.append(last)
    # Every window of len(ids) consecutive picks names each team once: strict turns.
    for start in range(len(ids) + 1):
        assert sorted(picks[start:start + len(ids)]) == sorted(ids)


@given(teams=team_lists(min_size=2), rounds=st.integers(1, 40))
def test_feeding_back_loads_keeps_teams_within_one_case(teams, rounds):
    # Start level; after each pick the chosen team has one more open case.
    loads = {team.team_id: 0 for team in teams}
    last = None
    for _ in range(rounds):
        current = [TeamLoad(team_id, open_cases) for team_id, open_cases in loads.items()]
        last = pick_team(FEWEST, current, last_assigned_team_id=last, township=None)
        loads[last] += 1
        assert max(loads.values()) - min(loads.values()) <= 1
