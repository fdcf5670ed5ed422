"""Exports made by a worker (issue 15, item 3), through the catalogue's operations: RequestExport,
ExportJob, ExportJobs. A list of any size is written a batch at a time by the `produce_export`
actor (progress: rows done of total), stored with the request and downloaded from its
downloadUrl by the one who asked, and by nobody else."""

from __future__ import annotations

import sqlalchemy as sa

from exec_center.api.ids import from_global_id
from exec_center.db.models import AuditEvent
from exec_center.db.models_exports import ExportJob
from exec_center.jobs.broker import current_broker
from exec_center.services import exports

from .test_case_lifecycle import receive
from .test_exports import csv_rows, download, listed, sheet_rows
from .test_operations_catalogue import edges, ok, refused, run


async def test_a_long_case_list_is_made_by_the_worker_with_its_progress(api, workers, clock, monkeypatch) -> None:
    for _ in range(5):
        await receive(api)
    expected = await listed(api, "center")
    # Two rows a batch, and the progress the worker had recorded each time it read the next one.
    monkeypatch.setattr(exports, "BATCH", 2)
    seen: list[tuple[int, int | None]] = []
    case_rows = exports._case_rows

    async def watched(session, cases):  # type: ignore[no-untyped-def]
        seen.append((await session.execute(sa.select(ExportJob.progress, ExportJob.total))).one())
        return await case_rows(session, cases)

    monkeypatch.setattr(exports, "_case_rows", watched)

    payload = await ok(api, "RequestExport", {"input": {"kind": "CASES", "format": "XLSX"}}, as_="center")
    job = payload["exportJob"]
    assert job["status"] == "PENDING" and job["statusLabel"] == "排队中"
    assert job["downloadUrl"] is None and job["filename"].startswith("案件列表-") and job["filename"].endswith(".xlsx")
    async with api.ctx.sessionmaker() as session:  # who asked for which list, in the audit trail
        [asked] = (await session.execute(sa.select(AuditEvent.action, AuditEvent.actor_id, AuditEvent.summary).where(
            AuditEvent.object_type == "ExportJob"))).all()
    assert asked.action == "REQUEST_EXPORT" and asked.summary.startswith("申请导出案件列表（Excel 工作簿（.xlsx））")
    await workers.drain()

    done = (await run(api, "ExportJob", {"id": job["id"]}, as_="center"))["exportJob"]
    assert done["status"] == "DONE" and done["progress"] == done["total"] == len(expected)
    total = len(expected)
    assert seen == [(done_, total) for done_ in range(0, total, 2)]
    response = await download(api, done["downloadUrl"], as_="center")
    assert response.status_code == 200
    rows = sheet_rows(response.content)
    assert list(rows[0]) == exports.CASE_HEADERS
    assert [r[0] for r in rows[1:]] == expected

    # Idempotent: a second delivery of the message changes nothing.
    _, pk = from_global_id(job["id"])
    assert await exports.produce(api.ctx, pk) is False

    # Only its requester sees and downloads it.
    assert (await run(api, "ExportJob", {"id": job["id"]}, as_="chief"))["exportJob"] is None
    assert (await download(api, done["downloadUrl"], as_="chief")).status_code == 404
    assert (await download(api, done["downloadUrl"])).status_code == 401
    assert edges((await run(api, "ExportJobs", as_="chief"))["exportJobs"]) == []
    [mine] = edges((await run(api, "ExportJobs", as_="center"))["exportJobs"])
    assert mine["id"] == job["id"] and mine["downloadUrl"] == done["downloadUrl"]

    # Kept for seven days after it was finished.
    clock.advance(days=7, seconds=1)
    assert (await run(api, "ExportJob", {"id": job["id"]}, as_="center"))["exportJob"] is None
    assert (await download(api, done["downloadUrl"], as_="center")).status_code == 404
    # ... and deleted by the periodic job.
    current_broker().get_actor("purge_exports").send()
    await workers.drain()
    async with api.ctx.sessionmaker() as session:
        assert await session.scalar(sa.select(sa.func.count()).select_from(ExportJob)) == 0


async def test_a_csv_export_of_a_team_members_cases(api, workers) -> None:
    await receive(api)
    variables = {"input": {"kind": "CASES", "format": "CSV", "filter": {"stage": ["RECEIVED"], "mine": False}}}
    job = (await ok(api, "RequestExport", variables, as_="impl1"))["exportJob"]
    await workers.drain()
    done = (await run(api, "ExportJob", {"id": job["id"]}, as_="impl1"))["exportJob"]
    assert done["status"] == "DONE" and done["filename"].endswith(".csv")
    rows = csv_rows((await download(api, done["downloadUrl"], as_="impl1")).content)
    assert rows[0] == exports.CASE_HEADERS
    assert [r[0] for r in rows[1:]] == await listed(api, "impl1", {"stage": ["RECEIVED"], "mine": False})


async def test_a_list_longer_than_a_worksheet_fails_as_xlsx_and_is_made_as_csv(api, workers, monkeypatch) -> None:
    """A worksheet holds 1,048,575 rows below its header: a longer list would be cut off when
    opened, so the worker refuses it as .xlsx, saying why; as CSV it is made whole."""
    from exec_center.domain import exports as rules

    for _ in range(3):
        await receive(api)
    monkeypatch.setattr(rules, "XLSX_MAX_ROWS", 2)
    jobs = {}
    for fmt in ("XLSX", "CSV"):
        jobs[fmt] = (await ok(api, "RequestExport", {"input": {"kind": "CASES", "format": fmt}},
                              as_="center"))["exportJob"]["id"]
    await workers.drain()
    failed = (await run(api, "ExportJob", {"id": jobs["XLSX"]}, as_="center"))["exportJob"]
    total = len(await listed(api, "center"))
    assert failed["status"] == "FAILED" and failed["downloadUrl"] is None
    assert failed["failure"] == f"共 {total:,} 行，超过 Excel 工作表的上限 2 行；请缩小范围（如按收案日期分段）或改为导出 CSV"
    made = (await run(api, "ExportJob", {"id": jobs["CSV"]}, as_="center"))["exportJob"]
    assert made["status"] == "DONE" and made["progress"] == total


async def test_an_export_the_viewer_may_not_have_is_refused_and_nothing_is_written(api) -> None:
    error = await refused(api, "RequestExport", {"input": {"kind": "CASES", "format": "XLSX"}}, as_="affairs")
    assert error["code"] == "FORBIDDEN" and "导出案件列表" in error["message"]
    error = await refused(api, "RequestExport", {"input": {
        "kind": "CASES", "format": "XLSX", "filter": {"search": " "}}}, as_="center")
    assert error["field"] == ["input", "filter", "search"] and error["code"] == "OUT_OF_RANGE"
    error = await refused(api, "RequestExport", {"input": {"kind": "INDICATOR", "format": "XLSX"}}, as_="command")
    assert error["field"] == ["input", "indicator"] and error["code"] == "REQUIRED"
    async with api.ctx.sessionmaker() as session:
        assert await session.scalar(sa.select(sa.func.count()).select_from(ExportJob)) == 0


async def test_an_indicator_table_as_a_spreadsheet(api, workers) -> None:
    await receive(api)
    indicator = {"name": "CASES_RECEIVED", "from": "2024-01-01", "to": "2024-02-29", "granularity": "MONTH"}
    error = await refused(api, "RequestExport", {"input": {
        "kind": "INDICATOR", "format": "XLSX", "indicator": indicator}}, as_="center")
    assert error["code"] == "FORBIDDEN"
    error = await refused(api, "RequestExport", {"input": {
        "kind": "INDICATOR", "format": "XLSX", "indicator": {**indicator, "to": "2023-12-31"}}}, as_="command")
    assert error["field"] == ["input", "indicator", "to"]
    job = (await ok(api, "RequestExport", {"input": {
        "kind": "INDICATOR", "format": "XLSX", "indicator": indicator}}, as_="command"))["exportJob"]
    await workers.drain()
    done = (await run(api, "ExportJob", {"id": job["id"]}, as_="command"))["exportJob"]
    assert done["status"] == "DONE" and done["kindLabel"] == "指标表"
    rows = sheet_rows((await download(api, done["downloadUrl"], as_="command")).content)
    direct = await download(api, "/exports/indicators/CASES_RECEIVED.xlsx", as_="command",
                            params={"from": "2024-01-01", "to": "2024-02-29", "granularity": "MONTH"})
    assert direct.status_code == 200 and sheet_rows(direct.content) == rows
    data = await api.gql("""{ indicator(name: CASES_RECEIVED, from: "2024-01-01", to: "2024-02-29",
      granularity: MONTH) { cells { bucket numerator } } }""", as_="command")
    assert [(str(r[0].date()), r[-1]) for r in rows[1:]] == [
        (c["bucket"], int(float(c["numerator"]))) for c in data["indicator"]["cells"]]
    assert (await download(api, "/exports/indicators/CASES_RECEIVED.csv", as_="center",
                           params={"from": "2024-01-01", "to": "2024-02-29"})).status_code == 403


async def test_an_export_not_yet_made_is_not_downloadable(api) -> None:
    job = (await ok(api, "RequestExport", {"input": {"kind": "CASES", "format": "CSV"}}, as_="center"))["exportJob"]
    assert job["status"] == "PENDING" and job["downloadUrl"] is None and job["progress"] == 0
    response = await download(api, f"/exports/{job['id']}", as_="center")
    assert response.status_code == 409 and response.json()["status"] == "PENDING"
    assert (await download(api, f"/exports/{job['id']}", as_="chief")).status_code == 404
    assert (await download(api, "/exports/not-an-id", as_="center")).status_code == 404


async def test_an_export_whose_message_was_lost_is_woken_again(api, broker, clock) -> None:
    job = (await ok(api, "RequestExport", {"input": {"kind": "CASES", "format": "CSV"}}, as_="center"))["exportJob"]
    broker.flush_all()  # the message is lost
    _, pk = from_global_id(job["id"])
    assert await exports.purge(api.ctx) == (0, [])
    clock.advance(minutes=11)
    assert await exports.purge(api.ctx) == (0, [pk])
    assert await exports.produce(api.ctx, pk) is True
    done = (await run(api, "ExportJob", {"id": job["id"]}, as_="center"))["exportJob"]
    assert done["status"] == "DONE" and done["progress"] == done["total"]
    assert await exports.purge(api.ctx) == (0, [])
