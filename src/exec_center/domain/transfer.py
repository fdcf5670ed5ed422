"""Automated transfer of a preservation case to an implementation team (work rules Art. 17).

The strategy is data (an enum value kept in configuration), the choice a pure function of the
teams' loads, so the background job only gathers loads and records the pick.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .errors import DomainError, ErrorCode
from .labels import LabelledEnum

__all__ = ["TeamLoad", "TransferStrategy", "pick_team"]


class TransferStrategy(LabelledEnum):
    FEWEST_OPEN_CASES = "FEWEST_OPEN_CASES", "按在办案件数最少分配"  # the default
    BY_TOWNSHIP = "BY_TOWNSHIP", "按被执行人所在乡镇分配"


DEFAULT_STRATEGY = TransferStrategy.FEWEST_OPEN_CASES


@dataclass(frozen=True)
class TeamLoad:
    """An implementation team as the transfer sees it: its open cases and its townships."""

    team_id: int
    open_cases: int
    townships: frozenset[str] = frozenset()


def _fewest_open_cases(teams: Sequence[TeamLoad], last_assigned_team_id: int | None) -> int:
    fewest = min(team.open_cases for team in teams)
    tied = sorted(team.team_id for team in teams if team.open_cases == fewest)
    # Rotate among equally loaded teams so that none is favoured by its id: take the first one
    # after the team picked last time, wrapping around to the lowest id.
    if last_assigned_team_id is not None:
        for team_id in tied:
            if team_id > last_assigned_team_id:
                return team_id
    return tied[0]


def pick_team(
    strategy: TransferStrategy,
    teams: Sequence[TeamLoad],
    *,
    last_assigned_team_id: int | None,
    township: str | None,
) -> int:
    """The id of the team the case goes to.

    FEWEST_OPEN_CASES: the team with the fewest open cases; ties rotate (see above).
    BY_TOWNSHIP: the team responsible for the respondent's township (`township`); when several
    are, the fewest-open-cases rule among them; when none is, or the township is unknown, the
    fewest-open-cases rule among all teams, so a case is never left untransferred.
    """
    strategy = TransferStrategy(strategy)
    if not teams:
        raise DomainError(
            "there is no implementation team to transfer the case to; set up at least one"
            " implementation team first",
            zh="没有可移交的执行实施团队；请先设立至少一个执行实施团队",
            code=ErrorCode.NOT_ALLOWED,
        )
    if len({team.team_id for team in teams}) != len(teams):
        raise ValueError("each team may appear only once")
    if strategy is TransferStrategy.BY_TOWNSHIP and township is not None:
        wanted = township.strip()
        local = [team for team in teams if wanted in team.townships]
        if local:
            return _fewest_open_cases(local, last_assigned_team_id)
    return _fewest_open_cases(teams, last_assigned_team_id)
