"""Every action the code records in the audit trail is an `AuditAction` with a zh-CN label."""

from __future__ import annotations

import re
from pathlib import Path

import exec_center
from exec_center.domain.audit import AuditAction
from exec_center.domain.lifecycle import CaseRecordKind, CaseStep

PACKAGE = Path(exec_center.__file__).parent
# uow.audit("X", …), advance(…, action="X"), a module's ACTION = "X" for the audit trail.
RECORDED = re.compile(r'audit\(\s*"([A-Z_]+)"|action="([A-Z_]+)"|^ACTION = "([A-Z_]+)"', re.MULTILINE)


def recorded_actions() -> set[str]:
    found: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        for match in RECORDED.finditer(path.read_text(encoding="utf-8")):
            found.add(next(group for group in match.groups() if group))
    return found


def test_every_recorded_action_has_a_label():
    # and the team's records, recorded as f"RECORD_{kind}" (services/lifecycle.py)
    team_records = {f"RECORD_{kind.value}" for kind in CaseRecordKind if kind is not CaseRecordKind.OTHER}
    recorded = recorded_actions() | {step.value for step in CaseStep} | team_records
    assert len(recorded) > 60
    assert recorded - set(AuditAction.__members__) == set()
    assert all(re.search(r"[\u4e00-\u9fff]", action.label) for action in AuditAction)


def test_a_name_no_longer_used_reads_as_other():
    assert AuditAction.read("RECEIVE_CASE") is AuditAction.RECEIVE_CASE
    assert AuditAction.read("SOMETHING_RETIRED") is AuditAction.OTHER
