"""The case list: who may list cases, who lists every case, and the cases a viewer lists with a
filter. One query for the `cases` list (api/cases.py) and its exports (services/exports.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa

from ..db.models import Case, CaseParty, Deadline
from ..domain.access import Viewer
from ..domain.case_numbers import CaseType
from ..domain.deadlines import DeadlineStatus
from ..domain.errors import DomainError, ErrorCode
from ..domain.lifecycle import CaseStage
from ..domain.organisation import Role

# Who may list cases: the supervisors and the centre, and the implementation teams (their own
# teams' cases and those they handle, exactly what `case_visible` lets them open).
CASE_LISTERS = (
    Role.BUREAU_CHIEF,
    Role.COMMAND_CENTER,
    Role.CENTER_HEAD,
    Role.IMPLEMENTATION_LEAD,
    Role.CENTER_OFFICER,
    Role.IMPLEMENTATION_OFFICER,
)
# Roles whose list is every case; anyone else lists their teams' cases and those they handle.
LIST_EVERY_CASE = (Role.BUREAU_CHIEF, Role.COMMAND_CENTER, Role.CENTER_HEAD, Role.CENTER_OFFICER)
SEARCH_MAX = 50
_LIKE_ESCAPE = "/"

@dataclass(frozen=True)
class CaseListFilter:
    """The `cases` query's filter (CaseFilter) in plain values, as a job keeps it."""

    stage: tuple[CaseStage, ...] = ()
    type: tuple[CaseType, ...] = ()
    team_id: int | None = None
    received_from: date | None = None
    received_to: date | None = None
    overdue: bool | None = None
    mine: bool | None = None
    search: str | None = None

    def to_params(self) -> dict[str, Any]:
        return {
            "stage": [s.value for s in self.stage],
            "type": [t.value for t in self.type],
            "teamId": self.team_id,
            "receivedFrom": self.received_from.isoformat() if self.received_from else None,
            "receivedTo": self.received_to.isoformat() if self.received_to else None,
            "overdue": self.overdue,
            "mine": self.mine,
            "search": self.search,
        }

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> CaseListFilter:
        def day(value: str | None) -> date | None:
            return date.fromisoformat(value) if value else None

        return cls(
            stage=tuple(CaseStage(s) for s in params.get("stage") or ()),
            type=tuple(CaseType(t) for t in params.get("type") or ()),
            team_id=params.get("teamId"),
            received_from=day(params.get("receivedFrom")),
            received_to=day(params.get("receivedTo")),
            overdue=params.get("overdue"),
            mine=params.get("mine"),
            search=params.get("search"),
        )


def search_text(search: str) -> str:
    text = search.strip()
    if not 1 <= len(text) <= SEARCH_MAX:
        raise DomainError(
            f"filter.search must be 1 to {SEARCH_MAX} characters; got {len(text)}",
            zh=f"检索内容应为 1 至 {SEARCH_MAX} 个字，现为 {len(text)} 个",
            field="filter.search",
            code=ErrorCode.OUT_OF_RANGE,
        )
    return text


def _contains(column: Any, text: str) -> Any:
    escaped = text.replace(_LIKE_ESCAPE, 2 * _LIKE_ESCAPE).replace("%", _LIKE_ESCAPE + "%")
    escaped = escaped.replace("_", _LIKE_ESCAPE + "_")
    return column.ilike(f"%{escaped}%", escape=_LIKE_ESCAPE)


def matching(search: str) -> sa.ColumnElement[bool]:
    """Cases whose number or a party's name contains `search` (an applicant or a respondent)."""
    text = search_text(search)
    # Case numbers are stored with full-width brackets; people type either.
    number = text.replace("(", "（").replace(")", "）")
    party = sa.exists().where(
        CaseParty.case_id == Case.id,
        CaseParty.side.in_(("APPLICANT", "RESPONDENT")),
        _contains(CaseParty.name, text),
    )
    return sa.or_(_contains(Case.number, number), party)  # EXISTS: a case once however many match


def case_list_query(viewer: Viewer, flt: CaseListFilter, today: date) -> sa.Select[tuple[Case]]:
    """The cases the viewer lists with this filter (newest first is the caller's)."""
    query = sa.select(Case)
    if not viewer.has(*LIST_EVERY_CASE):
        query = query.where(
            sa.or_(Case.team_id.in_(list(viewer.team_ids) or [-1]), Case.handler_id == viewer.staff_id)
        )
    if flt.mine is not None:
        handled = Case.handler_id == viewer.staff_id
        query = query.where(handled if flt.mine else sa.or_(Case.handler_id.is_(None), ~handled))
    if flt.search is not None:
        query = query.where(matching(flt.search))
    if flt.stage:
        query = query.where(Case.stage.in_(list(flt.stage)))
    if flt.type:
        query = query.where(Case.case_type.in_(list(flt.type)))
    if flt.team_id is not None:
        query = query.where(Case.team_id == flt.team_id)
    if flt.received_from is not None:
        query = query.where(Case.received_on >= flt.received_from)
    if flt.received_to is not None:
        query = query.where(Case.received_on <= flt.received_to)
    if flt.overdue is not None:
        late = sa.exists().where(
            Deadline.owner_type == "Case",
            Deadline.owner_id == Case.id,
            Deadline.status == DeadlineStatus.OPEN,
            Deadline.due_on < today,
        )
        query = query.where(late if flt.overdue else ~late)
    return query
