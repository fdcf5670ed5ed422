"""the statutory review periods of adjudication applications as deadline rules

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

# Days as the Civil Procedure Law counts them (CPL 2023 art. 85: the first day is not counted; a
# period ending on a public holiday ends on the first day after it) - DayCount CALENDAR_DAYS.
RULES = [
    ("OBJECTION", 15, "《中华人民共和国民事诉讼法》（2023年修正）第二百三十六条：自收到书面异议之日起十五日内审查"),
    ("ADD_RESPONDENT", 60,
     "《最高人民法院关于民事执行中变更、追加当事人若干问题的规定》（2020年修正）第二十八条：自收到书面申请之日起六十日内作出裁定"),
    ("PRESERVATION_RECONSIDERATION", 10,
     "《最高人民法院关于适用〈中华人民共和国民事诉讼法〉的解释》第一百七十一条：收到复议申请后十日内审查"),
]


def upgrade() -> None:
    rules = sa.table("deadline_rules", sa.column("kind", sa.String), sa.column("variant", sa.String),
                     sa.column("day_count", sa.String), sa.column("count", sa.Integer),
                     sa.column("extendable_to", sa.Integer), sa.column("effective_from", sa.Date),
                     sa.column("source", sa.String))
    op.bulk_insert(rules, [
        {"kind": "ADJUDICATION_REVIEW", "variant": variant, "day_count": "CALENDAR_DAYS", "count": count,
         "extendable_to": None, "effective_from": date(2024, 1, 1), "source": source}
        for variant, count, source in RULES
    ])


def downgrade() -> None:
    op.execute("DELETE FROM deadline_rules WHERE kind = 'ADJUDICATION_REVIEW'")
