"""Who the viewer is and what their roles let them do. Read from the database per request."""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import Forbidden
from .organisation import Role

# Supervisors see everything; the command centre only reads (Art. 4).
SEE_ALL_ROLES = frozenset({Role.BUREAU_CHIEF, Role.COMMAND_CENTER})
READ_ONLY_ROLES = frozenset({Role.COMMAND_CENTER})


@dataclass(frozen=True)
class Viewer:
    staff_id: int
    username: str
    name: str
    roles: frozenset[Role]
    team_ids: frozenset[int] = field(default_factory=frozenset)
    lead_team_ids: frozenset[int] = field(default_factory=frozenset)
    window_ids: frozenset[int] = field(default_factory=frozenset)

    def has(self, *roles: Role) -> bool:
        return any(role in self.roles for role in roles)

    @property
    def is_admin(self) -> bool:
        return Role.ADMIN in self.roles

    @property
    def sees_everything(self) -> bool:
        return bool(self.roles & SEE_ALL_ROLES)

    @property
    def read_only(self) -> bool:
        """Only supervising roles and nothing that acts: the command centre."""
        return bool(self.roles) and self.roles <= READ_ONLY_ROLES


def require_role(viewer: Viewer, *roles: Role, action: str, action_zh: str | None = None) -> None:
    """Forbidden unless the viewer holds one of `roles`; `action` names what is refused in
    English, `action_zh` in zh-CN (when not given, the zh-CN text names only the roles)."""
    if not viewer.has(*roles):
        allowed = ", ".join(role.value for role in roles)
        allowed_zh = "、".join(role.label for role in roles)
        raise Forbidden(
            f"{action} is for {allowed}; your roles do not include it",
            zh=f"{action_zh}仅限{allowed_zh}办理；您不具有该角色"
            if action_zh
            else f"此操作仅限{allowed_zh}办理；您不具有该角色",
        )


def require_admin(viewer: Viewer, action: str, action_zh: str | None = None) -> None:
    require_role(viewer, Role.ADMIN, action=action, action_zh=action_zh)


def deadline_visible(
    viewer: Viewer, *, holder_id: int | None, role: Role | None, team_id: int | None
) -> bool:
    """Supervisors and the centre head see every deadline; others those they are responsible for."""
    if viewer.sees_everything or viewer.has(Role.CENTER_HEAD):
        return True
    if holder_id is not None and holder_id == viewer.staff_id:
        return True
    if team_id is not None:
        return team_id in viewer.team_ids
    return role is not None and role in viewer.roles


# Roles that read every case: the centre (it receives and controls them all), the filing window
# (it files the converted 执 cases), the adjudication team (objections can concern any case),
# and the supervisors.
CASE_READERS = frozenset(
    {
        Role.AFFAIRS_CLERK,
        Role.CONSULTATION_CLERK,
        Role.CENTER_OFFICER,
        Role.CENTER_HEAD,
        Role.FILING_CLERK,
        Role.ADJUDICATION_JUDGE,
        Role.BUREAU_CHIEF,
        Role.COMMAND_CENTER,
    }
)
# Who needs parties' ID numbers and phones in full (issue: the centre officers, the case's team
# and its handler); everyone else sees them masked.
PERSONAL_DATA_ROLES = frozenset({Role.CENTER_OFFICER, Role.CENTER_HEAD})


def case_visible(viewer: Viewer, *, team_id: int | None, handler_id: int | None) -> bool:
    return (
        bool(viewer.roles & CASE_READERS)
        or handler_id == viewer.staff_id
        or (team_id is not None and team_id in viewer.team_ids)
    )


def sees_personal_data(viewer: Viewer, *, team_id: int | None, handler_id: int | None) -> bool:
    return (
        bool(viewer.roles & PERSONAL_DATA_ROLES)
        or handler_id == viewer.staff_id
        or (team_id is not None and team_id in viewer.team_ids)
    )


# --- window records ------------------------------------------------------------------------
# Visits, first contacts, petitions and materials receipts are what parties told a window: names,
# documents, what they asked. Who reads them (issue 12, item 6):
#
# | reader                                      | records of            |
# |---------------------------------------------|-----------------------|
# | the window's own staff                      | their window          |
# | the one who recorded it                     | what they recorded    |
# | centre head, bureau chief, command centre   | every window          |
# | whoever may read the case a record names    | that case's records   |
# | anyone else (other teams, machine accounts,  | nothing               |
# |  staff of other windows, the administrator) |                       |
#
# A record naming a case is part of that case's file, so a team reads the visits about its own
# cases; a record naming none (a first contact: no case was accepted) stays with the windows.
WINDOW_RECORD_READERS = frozenset({Role.CENTER_HEAD}) | SEE_ALL_ROLES


@dataclass(frozen=True)
class CaseAudience:
    """Who a case belongs to, as far as reading it goes."""

    team_id: int | None
    handler_id: int | None


def reads_every_window_record(viewer: Viewer) -> bool:
    return bool(viewer.roles & WINDOW_RECORD_READERS)


def window_record_visible(
    viewer: Viewer,
    *,
    window_id: int | None,
    recorded_by: int | None,
    case: CaseAudience | None,
) -> bool:
    return (
        reads_every_window_record(viewer)
        or (window_id is not None and window_id in viewer.window_ids)
        or (recorded_by is not None and recorded_by == viewer.staff_id)
        or (case is not None and case_visible(viewer, team_id=case.team_id, handler_id=case.handler_id))
    )
