"""The court's organisation: units, roles, team kinds, window channels (glossary)."""

from __future__ import annotations

from .labels import LabelledEnum


class Unit(LabelledEnum):
    EXECUTION_BUREAU = "EXECUTION_BUREAU", "执行局"
    COMMAND_CENTER = "COMMAND_CENTER", "执行指挥中心"
    AFFAIRS_CENTER = "AFFAIRS_CENTER", "执行事务中心"
    FILING_DIVISION = "FILING_DIVISION", "立案庭（诉讼服务中心）"


class Role(LabelledEnum):
    AFFAIRS_CLERK = "AFFAIRS_CLERK", "事务办理岗工作人员"
    CONSULTATION_CLERK = "CONSULTATION_CLERK", "咨询公开岗工作人员"
    CENTER_OFFICER = "CENTER_OFFICER", "事务中心干警"
    CENTER_HEAD = "CENTER_HEAD", "事务中心负责人"
    FILING_CLERK = "FILING_CLERK", "执行立案窗口工作人员"
    IMPLEMENTATION_OFFICER = "IMPLEMENTATION_OFFICER", "执行实施团队干警"
    IMPLEMENTATION_LEAD = "IMPLEMENTATION_LEAD", "执行实施团队负责人"
    ADJUDICATION_JUDGE = "ADJUDICATION_JUDGE", "执行裁决团队法官"
    BUREAU_CHIEF = "BUREAU_CHIEF", "执行局局长"
    COMMAND_CENTER = "COMMAND_CENTER", "执行指挥中心"
    ADMIN = "ADMIN", "系统管理员"
    INTEGRATION = "INTEGRATION", "系统对接账户"


class TeamKind(LabelledEnum):
    IMPLEMENTATION_TEAM = "IMPLEMENTATION_TEAM", "执行实施团队"
    ADJUDICATION_TEAM = "ADJUDICATION_TEAM", "执行裁决团队"


class Channel(LabelledEnum):
    AFFAIRS_HANDLING = "AFFAIRS_HANDLING", "事务办理岗"
    CONSULTATION_DISCLOSURE = "CONSULTATION_DISCLOSURE", "咨询公开岗"
    EXECUTION_FILING = "EXECUTION_FILING", "执行立案窗口"
    ONLINE_12368 = "ONLINE_12368", "12368诉讼服务平台"
    SMART_EXECUTION_APP = "SMART_EXECUTION_APP", "智慧执行APP"

    @property
    def online(self) -> bool:
        return self in ONLINE_CHANNELS

    @property
    def unit(self) -> Unit:
        """Art. 11: the filing window belongs to the Filing Division, the rest to the centre."""
        return Unit.FILING_DIVISION if self is Channel.EXECUTION_FILING else Unit.AFFAIRS_CENTER


ONLINE_CHANNELS = frozenset({Channel.ONLINE_12368, Channel.SMART_EXECUTION_APP})

# Roles whose holders are people at work in the court; INTEGRATION accounts are machines and
# ADMIN manages accounts, neither has a worklist of cases.
MACHINE_ROLES = frozenset({Role.INTEGRATION})
