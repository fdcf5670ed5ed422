"""Issue 13, item 5: personal data shown in full is audited once per viewer, object and day - a
screen that polls does not flood the audit trail."""

from __future__ import annotations

import sqlalchemy as sa

from exec_center.db.models import AuditEvent

from .test_online_messages import ingest, read


async def disclosures(api) -> list[tuple[int, str]]:
    async with api.ctx.sessionmaker() as session:
        return [tuple(r) for r in (await session.execute(
            sa.select(AuditEvent.actor_id, AuditEvent.object_type)
            .where(AuditEvent.action == "DISCLOSE_PERSONAL_DATA").order_by(AuditEvent.id))).all()]


async def test_a_polling_screen_is_audited_once_a_day(api, clock) -> None:
    message = (await ingest(api))["message"]
    for _ in range(5):  # the consultation window's screen polls
        assert (await read(api, message["id"]))["unmasked"] is True
        await api.gql("{ onlineMessages(first: 20) { edges { node { senderPhone } } } }", as_="consult")
    assert len(await disclosures(api)) == 1
    clock.advance(days=1)
    await read(api, message["id"])
    assert len(await disclosures(api)) == 2
