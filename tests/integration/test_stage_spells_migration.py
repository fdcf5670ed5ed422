"""Migration 0020 fills the stage spells and the transfer, conversion and archiving days of cases
already in the database from their history, as the indicators read it before (issue 15)."""

from __future__ import annotations

import importlib
from datetime import UTC, date, datetime
from decimal import Decimal

import sqlalchemy as sa
from alembic import command

from exec_center.db.migrate import alembic_config, upgrade
from exec_center.domain.lifecycle import CaseStage

MIGRATION = importlib.import_module("exec_center.db.migrations.versions.0020_case_stage_spells")


def _to(sync_connection, revision: str) -> None:  # type: ignore[no-untyped-def]
    config = alembic_config()
    config.attributes["connection"] = sync_connection
    command.downgrade(config, revision)


def _at(day: str, hour_utc: int) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour_utc, tzinfo=UTC)


# (action, instant, summary after the case number): as services/cases.py `advance` wrote them,
# and as bench/generate.py does (": " instead of "："); one step left the stage as it was.
HISTORY = (
    ("RECEIVE_CASE", _at("2024-03-01", 1), "：收案"),
    ("DISPATCH_QUERY", _at("2024-03-01", 2), "：已收案 → 查控中"),
    # 17:00 UTC is 01:00 on the 5th in Yunan: the court's date counts.
    ("RECORD_FINDINGS", _at("2024-03-04", 17), "：查控中 → 分析查控结果"),
    ("RECORD_FINDINGS", _at("2024-03-06", 3), "：分析查控结果（阶段不变）；新增财产线索"),
    ("TRANSFER", _at("2024-03-08", 3), ": 分析查控结果 → 已移交实施团队"),
    ("CLOSE_CASE", _at("2024-04-10", 3), "：已移交实施团队 → 已结案；结案方式：执行完毕"),
    ("ARCHIVE_CASE", _at("2024-04-20", 3), "：已结案 → 已归档"),
)


def _case(number: str, sequence: int, stage: str, received_on: date) -> dict:
    return dict(number=number, court_code="粤5322", case_type="ZHI_BAO", year=2024, sequence=sequence,
                stage=stage, received_on=received_on, numbered_on=received_on, claim_amount=Decimal("1000.00"),
                title_document_number=f"（2024）粤5322民初{sequence}号", title_kind="JUDGMENT",
                controlled_total=Decimal("0"), fully_controlled=False,
                created_at=datetime(2024, 3, 1, tzinfo=UTC).replace(tzinfo=None), version=1)


def test_no_stage_label_starts_or_ends_another() -> None:
    """The migration names a stage by "<label> → " and " → <label>" in a summary."""
    labels = list(MIGRATION.LABELS.values())
    assert not [(a, b) for a in labels for b in labels if a != b and (b.endswith(a) or b.startswith(a))]
    assert set(MIGRATION.LABELS) == {s.value for s in CaseStage}


async def test_the_history_becomes_spells_and_dates(ctx, database_url) -> None:
    async with ctx.engine.begin() as connection:
        await connection.run_sync(_to, "0019")
    async with ctx.engine.begin() as connection:
        meta = sa.MetaData()
        await connection.run_sync(lambda c: meta.reflect(c, only=("cases", "audit_events")))
        cases, events = meta.tables["cases"], meta.tables["audit_events"]
        naive = ctx.engine.dialect.name == "sqlite"
        ids = {}
        for number, sequence, stage in (("（2024）粤5322执保901号", 901, "ARCHIVED"),
                                        ("（2024）粤5322执保902号", 902, "RECEIVED")):
            row = _case(number, sequence, stage, date(2024, 3, 1))
            if not naive:
                row["created_at"] = row["created_at"].replace(tzinfo=UTC)
            ids[sequence] = (await connection.execute(cases.insert().values(row).returning(cases.c.id))).scalar()
        archived = ids[901]
        for action, at, summary in HISTORY:
            await connection.execute(events.insert().values(
                at=at.replace(tzinfo=None) if naive else at, action=action, object_type="Case",
                object_id=archived, summary="（2024）粤5322执保901号" + summary))
        # Not a case's history: ignored.
        await connection.execute(events.insert().values(
            at=_at("2024-03-02", 3).replace(tzinfo=None) if naive else _at("2024-03-02", 3),
            action="TRANSFER", object_type="Deadline", object_id=archived, summary="已收案 → 查控中"))
    await upgrade(database_url)

    async with ctx.engine.connect() as connection:
        spells = (await connection.execute(sa.text(
            "SELECT stage, next_stage, entered_on, left_on FROM case_stage_spells WHERE case_id = :id "
            "ORDER BY left_on, id"), {"id": archived})).all()
        dates = {row[0]: tuple(row[1:]) for row in (await connection.execute(sa.text(
            "SELECT id, stage_entered_on, transferred_on, converted_on, archived_on FROM cases "
            "WHERE id IN (:a, :b)"), {"a": archived, "b": ids[902]})).all()}
    d = date.fromisoformat
    assert [(s, n, str(e), str(left)) for s, n, e, left in spells] == [
        ("RECEIVED", "QUERYING", "2024-03-01", "2024-03-01"),
        ("QUERYING", "ANALYSING", "2024-03-01", "2024-03-05"),
        ("ANALYSING", "TRANSFERRED", "2024-03-05", "2024-03-08"),
        ("TRANSFERRED", "CLOSED", "2024-03-08", "2024-04-10"),
        ("CLOSED", "ARCHIVED", "2024-04-10", "2024-04-20"),
    ]
    as_dates = {k: tuple(d(str(v)) if v is not None else None for v in vs) for k, vs in dates.items()}
    assert as_dates[archived] == (d("2024-04-20"), d("2024-03-08"), None, d("2024-04-20"))
    assert as_dates[ids[902]] == (d("2024-03-01"), None, None, None)

    # And back: the downgrade drops them with the cases still there, and the upgrade refills them.
    async with ctx.engine.begin() as connection:
        await connection.run_sync(_to, "0019")
    await upgrade(database_url)
    async with ctx.engine.connect() as connection:
        again = (await connection.execute(sa.text(
            "SELECT stage, next_stage, entered_on, left_on FROM case_stage_spells WHERE case_id = :id "
            "ORDER BY left_on, id"), {"id": archived})).all()
    assert again == spells
