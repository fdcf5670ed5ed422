"""Admin mutations: refused for everyone else; changes take effect on the next request."""

from __future__ import annotations

import sqlalchemy as sa

from exec_center.db.models import AuditEvent, Staff

CREATE = """mutation($input: CreateStaffInput!) { createStaff(input: $input) {
  staff { id username name roles unit active } userErrors { field message: messageEn code } } }"""
GRANT = """mutation($id: ID!, $role: Role!) { grantRole(input: {staffId: $id, role: $role}) {
  staff { roles } userErrors { field message: messageEn code } } }"""
REVOKE = """mutation($id: ID!, $role: Role!) { revokeRole(input: {staffId: $id, role: $role}) {
  staff { roles } userErrors { field message: messageEn code } } }"""
DISABLE = """mutation($id: ID!) { disableStaff(input: {staffId: $id}) {
  staff { active } userErrors { field message: messageEn code } } }"""
NEW = {"username": "clerk2", "name": "新同事", "password": "s3cret-enough", "unit": "AFFAIRS_CENTER",
       "roles": ["AFFAIRS_CLERK"]}


async def _count(api, model) -> int:
    async with api.ctx.sessionmaker() as session:
        return await session.scalar(sa.select(sa.func.count()).select_from(model))


async def test_admin_creates_staff_who_can_then_sign_in(api) -> None:
    payload = (await api.gql(CREATE, {"input": NEW}, as_="admin"))["createStaff"]
    assert payload["userErrors"] == []
    assert payload["staff"]["roles"] == ["AFFAIRS_CLERK"]
    signed = (await api.gql(
        'mutation { signIn(input: {username: "clerk2", password: "s3cret-enough"}) { token } }'
    ))["signIn"]
    assert signed["token"]


async def test_non_admins_are_refused_and_nothing_changes(api) -> None:
    staff_before, audit_before = await _count(api, Staff), await _count(api, AuditEvent)
    for username in ("center", "chief", "command", "gateway"):
        payload = (await api.gql(CREATE, {"input": NEW}, as_=username))["createStaff"]
        assert payload["staff"] is None
        assert payload["userErrors"][0]["code"] == "FORBIDDEN"
        assert "ADMIN" in payload["userErrors"][0]["message"]
    target = await api.id_of("impl2")
    payload = (await api.gql(DISABLE, {"id": target}, as_="chief"))["disableStaff"]
    assert payload["userErrors"][0]["code"] == "FORBIDDEN"
    assert (await _count(api, Staff), await _count(api, AuditEvent)) == (staff_before, audit_before)


async def test_bad_input_names_the_field(api) -> None:
    cases = [({"username": "Bad Name"}, "username"), ({"password": "short"}, "password"),
             ({"username": "center"}, "username"), ({"name": "  "}, "name")]
    for change, field in cases:
        payload = (await api.gql(CREATE, {"input": {**NEW, **change}}, as_="admin"))["createStaff"]
        assert payload["userErrors"][0]["field"] == ["input", field], change
    payload = (await api.gql(DISABLE, {"id": "nonsense"}, as_="admin"))["disableStaff"]
    assert payload["userErrors"][0] == {"field": ["input", "staffId"], "code": "NOT_FOUND",
                                        "message": "'nonsense' is not an id issued by this API"}


async def test_revoking_a_role_takes_effect_at_once(api) -> None:
    chief = await api.id_of("chief")
    assert (await api.gql("{ me { roles } }", as_="chief"))["me"]["roles"] == ["BUREAU_CHIEF"]
    before = await api.token("chief")
    payload = (await api.gql(REVOKE, {"id": chief, "role": "BUREAU_CHIEF"}, as_="admin"))["revokeRole"]
    assert payload == {"staff": {"roles": []}, "userErrors": []}
    # The token issued before the change ends with it (issue 12); signed in again, no role.
    assert (await api.post("{ me { roles } }", token=before)).status_code == 401
    api.forget_token("chief")
    assert (await api.gql("{ me { roles } }", as_="chief"))["me"]["roles"] == []
    payload = (await api.gql(GRANT, {"id": chief, "role": "COMMAND_CENTER"}, as_="admin"))["grantRole"]
    assert payload["staff"]["roles"] == ["COMMAND_CENTER"]


async def test_disabling_an_account_stops_its_token_at_once(api) -> None:
    token = await api.token("impl3")
    assert (await api.post("{ me { id } }", token=token)).status_code == 200
    payload = (await api.gql(DISABLE, {"id": await api.id_of("impl3")}, as_="admin"))["disableStaff"]
    assert payload == {"staff": {"active": False}, "userErrors": []}
    response = await api.post("{ me { id } }", token=token)
    assert response.status_code == 401 and response.json()["data"] is None
    signed = (await api.gql(
        'mutation { signIn(input: {username: "impl3", password: "demo"}) { userErrors { code } } }'
    ))["signIn"]
    assert signed["userErrors"] == [{"code": "INVALID_CREDENTIALS"}]


async def test_admins_cannot_lock_themselves_out(api) -> None:
    admin = await api.id_of("admin")
    payload = (await api.gql(DISABLE, {"id": admin}, as_="admin"))["disableStaff"]
    assert payload["userErrors"][0]["code"] == "NOT_ALLOWED"
    payload = (await api.gql(REVOKE, {"id": admin, "role": "ADMIN"}, as_="admin"))["revokeRole"]
    assert payload["userErrors"][0]["code"] == "NOT_ALLOWED"


async def test_team_membership_and_leads(api) -> None:
    teams = (await api.gql("{ teams { id code } }", as_="admin"))["teams"]
    impl2 = next(t["id"] for t in teams if t["code"] == "impl-2")
    staff = await api.id_of("impl2")
    data = await api.gql(
        """mutation($t: ID!, $s: ID!) { setTeamMembership(input: {teamId: $t, staffId: $s, lead: true})
        { team { leads { name } } userErrors { code } } }""", {"t": impl2, "s": staff}, as_="admin")
    assert data["setTeamMembership"] == {"team": {"leads": [{"name": "罗文斌"}]}, "userErrors": []}
    data = await api.gql(
        """mutation($t: ID!, $s: ID!) { setTeamMembership(input: {teamId: $t, staffId: $s, member: false})
        { team { members { staff { name } } } userErrors { code } } }""",
        {"t": impl2, "s": staff}, as_="admin")
    assert data["setTeamMembership"]["team"]["members"] == []
    assert (await api.gql("{ me { teams { code } } }", as_="impl2"))["me"]["teams"] == []


async def test_assigning_staff_to_windows(api) -> None:
    windows = (await api.gql("{ windows { id code } }", as_="admin"))["windows"]
    filing = next(w["id"] for w in windows if w["code"] == "execution-filing")
    data = await api.gql(
        """mutation($w: ID!, $s: ID!) { assignWindowStaff(input: {windowId: $w, staffId: $s})
        { window { staff { username } } userErrors { code } } }""",
        {"w": filing, "s": await api.id_of("affairs")}, as_="admin")
    assert data["assignWindowStaff"]["window"]["staff"] == [{"username": "affairs"},
                                                           {"username": "filing"}]
    me = (await api.gql("{ me { windows { code } } }", as_="affairs"))["me"]
    assert [w["code"] for w in me["windows"]] == ["affairs-handling", "execution-filing"]


async def test_every_admin_change_is_audited(api) -> None:
    before = await _count(api, AuditEvent)
    await api.gql(CREATE, {"input": NEW}, as_="admin")
    await api.gql(GRANT, {"id": await api.id_of("center"), "role": "CENTER_HEAD"}, as_="admin")
    async with api.ctx.sessionmaker() as session:
        rows = (await session.execute(sa.select(AuditEvent.action, AuditEvent.summary)
                                      .order_by(AuditEvent.id).offset(before))).all()
    assert [r.action for r in rows] == ["CREATE_STAFF", "GRANT_ROLE"]
    assert rows[1].summary == "授予center“事务中心负责人”角色"
