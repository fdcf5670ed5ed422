"""SQLAlchemy models. Migrations in `db/migrations/` create exactly these tables."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from ..domain.assets import AssetCategory, MeasureKind
from ..domain.case_numbers import CaseType
from ..domain.deadlines import DayCount, DeadlineKind, DeadlineStatus
from ..domain.identifiers import PartyKind
from ..domain.lifecycle import AdjudicationKind, CaseStage, ClosingMethod, MediationOutcome
from ..domain.organisation import Channel, Role, TeamKind, Unit
from ..domain.throttling import ThrottleScope
from ..domain.windows import FirstContactReason, MessageClass, VisitPurpose
from ..domain.work import WorkItemKind, WorkItemStatus
from .types import BigIntFK, BigIntPK, UTCDateTime, enum_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


# --- organisation -----------------------------------------------------------------------


class Staff(Base):
    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    unit: Mapped[Unit] = mapped_column(enum_column(Unit))
    # The office phone a party may be given (Art. 10(3)); never a personal number.
    office_phone: Mapped[str | None] = mapped_column(sa.String(32))
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Every token carries the version it was issued under; a password reset, a disable, a role
    # change or a sign-out moves it on, and every older token stops working at once.
    token_version: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")


class StaffRole(Base):
    __tablename__ = "staff_roles"

    staff_id: Mapped[int] = mapped_column(
        BigIntFK, sa.ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[Role] = mapped_column(enum_column(Role), primary_key=True)


class Team(Base):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    kind: Mapped[TeamKind] = mapped_column(enum_column(TeamKind))
    # Township names a team covers, for the by-township transfer strategy (comma-separated).
    townships: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TeamMember(Base):
    __tablename__ = "team_members"

    team_id: Mapped[int] = mapped_column(
        BigIntFK, sa.ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True
    )
    staff_id: Mapped[int] = mapped_column(
        BigIntFK, sa.ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    is_lead: Mapped[bool] = mapped_column(sa.Boolean, default=False)


class Window(Base):
    __tablename__ = "windows"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    channel: Mapped[Channel] = mapped_column(enum_column(Channel))
    unit: Mapped[Unit] = mapped_column(enum_column(Unit))


class WindowStaff(Base):
    __tablename__ = "window_staff"

    window_id: Mapped[int] = mapped_column(
        BigIntFK, sa.ForeignKey("windows.id", ondelete="CASCADE"), primary_key=True
    )
    staff_id: Mapped[int] = mapped_column(
        BigIntFK, sa.ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True, index=True
    )


# --- calendar and deadlines ------------------------------------------------------------


class CalendarEntry(Base):
    """A court's own entry: a date declared a rest day or a working day, citing its notice."""

    __tablename__ = "calendar_entries"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    day: Mapped[date] = mapped_column(sa.Date, unique=True)
    working: Mapped[bool] = mapped_column(sa.Boolean)
    note: Mapped[str] = mapped_column(sa.String(300))
    created_by: Mapped[int | None] = mapped_column(BigIntFK, sa.ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CalendarYear(Base):
    """A year whose official schedule an admin confirmed (the library did not have it yet)."""

    __tablename__ = "calendar_years"

    year: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    note: Mapped[str] = mapped_column(sa.String(300))
    confirmed_by: Mapped[int | None] = mapped_column(BigIntFK, sa.ForeignKey("staff.id"))
    confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DeadlineRuleRow(Base):
    """A time limit of the work rules, with the date it takes effect (Art. 22)."""

    __tablename__ = "deadline_rules"
    __table_args__ = (
        sa.UniqueConstraint("kind", "variant", "effective_from", name="uq_deadline_rules_kind_variant_from"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    kind: Mapped[DeadlineKind] = mapped_column(enum_column(DeadlineKind))
    variant: Mapped[str] = mapped_column(sa.String(40), default="")
    day_count: Mapped[DayCount] = mapped_column(enum_column(DayCount))
    count: Mapped[int] = mapped_column(sa.Integer)
    extendable_to: Mapped[int | None] = mapped_column(sa.Integer)
    effective_from: Mapped[date] = mapped_column(sa.Date)
    source: Mapped[str] = mapped_column(sa.String(300))


class EscalationStepRow(Base):
    """A rung of the escalation ladder; `kind` NULL is the ladder of every kind without its own."""

    __tablename__ = "escalation_steps"
    __table_args__ = (
        sa.UniqueConstraint("kind", "level", "effective_from", name="uq_escalation_steps_kind_level_from"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    kind: Mapped[DeadlineKind | None] = mapped_column(enum_column(DeadlineKind))
    level: Mapped[int] = mapped_column(sa.Integer)
    name: Mapped[str] = mapped_column(sa.String(40))
    day_offset: Mapped[int] = mapped_column(sa.Integer)
    recipients: Mapped[str] = mapped_column(sa.String(200))  # comma-separated Recipient values
    priority: Mapped[int] = mapped_column(sa.Integer)
    flag: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    effective_from: Mapped[date] = mapped_column(sa.Date)


class Deadline(Base):
    __tablename__ = "deadlines"
    __table_args__ = (
        sa.Index("ix_deadlines_owner", "owner_type", "owner_id"),
        # The sweep reads only deadlines whose next check has come: cost follows those due.
        sa.Index("ix_deadlines_next_check_at", "next_check_at"),
        sa.Index("ix_deadlines_status_due_on", "status", "due_on", "id"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    owner_type: Mapped[str] = mapped_column(sa.String(40))
    owner_id: Mapped[int] = mapped_column(sa.BigInteger)
    kind: Mapped[DeadlineKind] = mapped_column(enum_column(DeadlineKind))
    variant: Mapped[str] = mapped_column(sa.String(40), default="")
    rule_id: Mapped[int] = mapped_column(BigIntFK, sa.ForeignKey("deadline_rules.id"))
    day_count: Mapped[DayCount] = mapped_column(enum_column(DayCount))
    count: Mapped[int] = mapped_column(sa.Integer)
    extendable_to: Mapped[int | None] = mapped_column(sa.Integer)
    starts_on: Mapped[date] = mapped_column(sa.Date)
    due_on: Mapped[date] = mapped_column(sa.Date)
    status: Mapped[DeadlineStatus] = mapped_column(enum_column(DeadlineStatus))
    extended: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    provisional: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    responsible_role: Mapped[Role | None] = mapped_column(enum_column(Role))
    team_id: Mapped[int | None] = mapped_column(BigIntFK, sa.ForeignKey("teams.id"))
    holder_id: Mapped[int | None] = mapped_column(BigIntFK, sa.ForeignKey("staff.id"))
    escalation_level: Mapped[int] = mapped_column(sa.Integer, default=0)
    flagged: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    next_check_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_on: Mapped[date | None] = mapped_column(sa.Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DeadlineExtension(Base):
    __tablename__ = "deadline_extensions"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    deadline_id: Mapped[int] = mapped_column(BigIntFK, sa.ForeignKey("deadlines.id"), index=True)
    reason: Mapped[str] = mapped_column(sa.String(1000))
    status: Mapped[str] = mapped_column(sa.String(20))  # PENDING, APPROVED, REFUSED
    requested_by: Mapped[int] = mapped_column(BigIntFK, sa.ForeignKey("staff.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_by: Mapped[int | None] = mapped_column(BigIntFK, sa.ForeignKey("staff.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(sa.String(1000))
    from_due_on: Mapped[date] = mapped_column(sa.Date)
    to_due_on: Mapped[date | None] = mapped_column(sa.Date)


class Notification(Base):
    """A message to one staff member; `dedupe_key` makes a re-run of a job send nothing twice."""

    __tablename__ = "notifications"
    __table_args__ = (sa.Index("ix_notifications_recipient", "recipient_id", "read_at", "id"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    recipient_id: Mapped[int] = mapped_column(BigIntFK, sa.ForeignKey("staff.id"))
    kind: Mapped[str] = mapped_column(sa.String(40))
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.String(1000))
    object_type: Mapped[str | None] = mapped_column(sa.String(40))
    object_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(200), unique=True)


# --- cases ------------------------------------------------------------------------------

Money = sa.Numeric(17, 2)  # up to 15 digits before the point (the intake limit)


class CaseCounter(Base):
    """The last sequence number given per court, type code and year; locked while numbering."""

    __tablename__ = "case_counters"

    court_code: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    case_type: Mapped[CaseType] = mapped_column(enum_column(CaseType), primary_key=True)
    year: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    last_sequence: Mapped[int] = mapped_column(sa.Integer)


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (
        sa.UniqueConstraint("court_code", "case_type", "year", "sequence", name="uq_cases_sequence"),
        sa.Index("ix_cases_team_stage", "team_id", "stage"),
        sa.Index("ix_cases_stage_received", "stage", "received_on"),
        # The duplicate-filing check looks up open cases by their title's number on every intake.
        sa.Index("ix_cases_title_document_number", "title_document_number"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    # Null only inside the intake's transaction: the number is its last statement (number_case).
    number: Mapped[str] = mapped_column(sa.String(40), unique=True, nullable=True)
    court_code: Mapped[str] = mapped_column(sa.String(10))
    case_type: Mapped[CaseType] = mapped_column(enum_column(CaseType))
    year: Mapped[int] = mapped_column(sa.Integer)
    sequence: Mapped[int] = mapped_column(sa.Integer, nullable=True)
    stage: Mapped[CaseStage] = mapped_column(enum_column(CaseStage))
    received_on: Mapped[date] = mapped_column(sa.Date)
    # The day the case number was assigned: Art. 16's five working days count from it, so a
    # paper filing received earlier and entered later is not overdue before it has a number.
    numbered_on: Mapped[date | None] = mapped_column(sa.Date)
    claim_amount: Mapped[Decimal] = mapped_column(Money)
    title_document_number: Mapped[str] = mapped_column(sa.String(100))
    title_kind: Mapped[str] = mapped_column(sa.String(40))
    # The effective judgment (or other title) recorded on a 执保 case begun on a preservation
    # ruling; the 执 case is filed on it at conversion.
    effective_title_number: Mapped[str | None] = mapped_column(sa.String(100))
    effective_title_kind: Mapped[str | None] = mapped_column(sa.String(40))
    team_id: Mapped[int | None] = mapped_column(BigIntFK, sa.ForeignKey("teams.id"))
    handler_id: Mapped[int | None] = mapped_column(BigIntFK, sa.ForeignKey("staff.id"))
    origin_case_id: Mapped[int | None] = mapped_column(BigIntFK, sa.ForeignKey("cases.id"), index=True)
    township: Mapped[str | None] = mapped_column(sa.String(40))
    controlled_total: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    fully_controlled: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    query_control_completed_on: Mapped[date | None] = mapped_column(sa.Date)
    mediation_outcome: Mapped[MediationOutcome | None] = mapped_column(enum_column(MediationOutcome))
    closing_method: Mapped[ClosingMethod | None] = mapped_column(enum_column(ClosingMethod))
    closed_on: Mapped[date | None] = mapped_column(sa.Date)
    # The day the case entered its present stage (its received_on for the first), and the days it
    # was last transferred, converted and archived: set by `services.cases.advance`, so that the
    # indicators count them from an index range (issue 15) instead of reading the history.
    stage_entered_on: Mapped[date | None] = mapped_column(sa.Date)
    transferred_on: Mapped[date | None] = mapped_column(sa.Date)
    converted_on: Mapped[date | None] = mapped_column(sa.Date)
    archived_on: Mapped[date | None] = mapped_column(sa.Date)
    # A 执恢 case: the ground its execution resumed on (CPL 2023 art. 241; 法发〔2014〕26号).
    resumption_ground: Mapped[str | None] = mapped_column(sa.String(40))
    archived_into_id: Mapped[int | None] = mapped_column(BigIntFK, sa.ForeignKey("cases.id"))
    received_by: Mapped[int | None] = mapped_column(BigIntFK, sa.ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(sa.Integer, default=1)


class CaseStageSpell(Base):
    """A stage a case was in and has left: written by `services.cases.advance` as the case moves
    on, so the time spent in each stage (STAGE_DAYS) is a range of `left_on`, not a parse of the
    history. The stage a case is in now is on the case (stage, stage_entered_on)."""

    __tablename__ = "case_stage_spells"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    case_id: Mapped[int] = mapped_column(BigIntFK, sa.ForeignKey("cases.id"), index=True)
    stage: Mapped[CaseStage] = mapped_column(enum_column(CaseStage))
    entered_on: Mapped[date] = mapped_column(sa.Date)
    left_on: Mapped[date] = mapped_column(sa.Date)
    # The stage it went to.
    next_stage: Mapped[CaseStage] = mapped_column(enum_column(CaseStage))


class CaseParty(Base):
    """An applicant or a respondent. ID numbers and phones are personal data: masked on read
    for roles that do not need them, never logged, never in a job message."""

    __tablename__ = "case_parties"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    case_id: Mapped[int] = mapped_column(BigIntFK, sa.ForeignKey("cases.id"), index=True)
    side: Mapped[str] = mapped_column(sa.String(12))  # APPLICANT or RESPONDENT
    kind: Mapped[PartyKind] = mapped_column(enum_column(PartyKind))
    name: Mapped[str] = mapped_column(sa.String(200))
    # Which identity document `id_number` is (resident ID, HK/Macao/Taiwan permits, passport,
    # foreign permanent residence, USCC, other organisation code, UNKNOWN); None when UNKNOWN.
    id_type: Mapped[str] = mapped_column(sa.String(30))
    id_number: Mapped[str | None] = mapped_column(sa.String(40))
    phone: Mapped[str | None] = mapped_column(sa.String(20))
    address: Mapped[str | None] = mapped_column(sa.String(300))
    position: Mapped[int] = mapped_column(sa.Integer)


class CaseAgent(Base):
    """A party's agent ad litem (诉讼代理人, CPL 2023 arts. 61–62): a lawyer, a legal worker, a
    relative... The window verifies an agent's identity against the case as it does a party's.
    Personal data as for parties."""

    __tablename__ = "case_agents"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    case_id: Mapped[int] = mapped_column(BigIntFK, sa.ForeignKey("cases.id"), index=True)
    party_id: Mapped[int] = mapped_column(BigIntFK, sa.ForeignKey("case_parties.id"))
    kind: Mapped[str] = mapped_column(sa.String(30))
    name: Mapped[str] = mapped_column(sa.String(200))
    id_type: Mapped[str] = mapped_column(sa.String(30))
    id_number: Mapped[str | None] = mapped_column(sa.String(40))
    phone: Mapped[str | None] = mapped_column(sa.String(20))
    law_firm: Mapped[str | None] = mapped_column(sa.String(200))
    licence_number: Mapped[str | None] = mapped_column(sa.String(40))
    special_authority: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    created_by: Mapped[int | None] = mapped_column(BigIntFK, sa.ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AssetQuery(Base):
    """One query per respondent per asset category of a case (Art. 14); unique, so a redelivered
    message sends none twice. Its status only moves forward (PENDING -> SUBMITTED -> ANSWERED, or
    FAILED), each step a conditional update from the status it expects; ANSWERED and FAILED are
    final. The one way back, SUBMITTED -> PENDING, is taken only when the provider no longer knows
    the reference it gave."""

    __tablename__ = "asset_queries"
    __table_args__ = (
        sa.UniqueConstraint("case_id", "party_id", "category", name="uq_asset_queries_case_party_category"),
        sa.Index("ix_asset_queries_status", "status", "next_poll_at"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    case_id: Mapped[int] = mapped_column(BigIntFK, sa.ForeignKey("cases.id"))
    # The respondent whose assets are queried.
    party_id: Mapped[int] = mapped_column(BigIntFK, sa.ForeignKey("case_parties.id"))
    category: Mapped[AssetCategory] = mapped_column(enum_column(AssetCategory))
    status: Mapped[str] = mapped_column(sa.String(12))  # PENDING, SUBMITTED, ANSWERED, FAILED
    provider_request_id: Mapped[str | None] = mapped_column(sa.String(64))
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)  # submits tried
    fetch_failures: Mapped[int] = mapped_column(sa.Integer, default=0)  # fetches that failed for now
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the query next needs a worker: PENDING - the submit is due (after a refusal's back-off,
    # or when the dispatch that took it on should have finished: past it, reconciliation wakes
    # the dispatch again); SUBMITTED - the next look for the answer. None once final.
    next_poll_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(sa.String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AssetFinding(Base):
    __tablename__ = "asset_findings"
    # A provider's answer is stored once: one row per (query, the provider's reference of the
    # item). Findings entered by hand have no reference (NULLs never collide).
    __table_args__ = (sa.Index("uq_asset_findings_query_ref", "query_id", "provider_ref", unique=True),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    case_id: Mapped[int] = mapped_column(BigIntFK, sa.ForeignKey("cases.id"), index=True)
    query_id: Mapped[int | None] = mapped_column(BigIntFK, sa.ForeignKey("asset_queries.id"))
    provider_ref: Mapped[str | None] = mapped_column(sa.String(100))
    category: Mapped[AssetCategory] = mapped_column(enum_column(AssetCategory))
    institution: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.String(500))
    value: Mapped[Decimal | None] = mapped_column(Money)
    encumbrances: Mapped[str | None] = mapped_column(sa.String(500))
    first_seal: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    disposable: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    respondent_holds_mortgage: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    source: Mapped[str] = mapped_column(sa.String(12))  # QUERY, MANUAL, IMPORT
    created_by: Mapped[int | None] = mapped_column(BigIntFK, sa.ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SimulatedAssetRequest(Base):
    """The asset-query simulator's own records, kept in the database as a real provider keeps
    them on its side: every worker process (and the API's) sees the same submitted queries.
    No personal data: the request is kept as its case number, category and respondent ordinal,
    and a digest that tells a reused idempotency key from a repeat of the same request."""

    __tablename__ = "simulated_asset_requests"

    reference: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    case_number: Mapped[str] = mapped_column(sa.String(40))
    category: Mapped[str] = mapped_column(sa.String(40))
    respondent_ordinal: Mapped[int] = mapped_column(sa.Integer)
    request_digest: Mapped[str] = mapped_column(sa.String(64))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ready_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the answer is given from then on
    fetches: Mapped[int] = mapped_column(sa.Integer, default=0)


class ControlMeasure(Base):
    __tablename__ = "control_measures"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    case_id: Mapped[int] = mapped_column(BigIntFK, sa.ForeignKey("cases.id"), index=True)
    finding_id: Mapped[int] = mapped_column(BigIntFK, sa.ForeignKey("asset_findings.id"))
    measure: Mapped[MeasureKind] = mapped_column(enum_column(MeasureKind))
    amount: Mapped[Decimal] = mapped_column(Money)
    # The day the measure took effect (the bank's or registry's date, entered by the officer):
    # its legal period counts from it.
    starts_on: Mapped[date] = mapped_column(sa.Date)
    expires_on: Mapped[date | None] = mapped_column(sa.Date)
    # IN_FORCE, RENEWED (a renewal carries it on), RELEASED (解除), LAPSED (expired unrenewed),
    # ENDED (deducted in full, or ended with the case).
    status: Mapped[str] = mapped_column(sa.String(12), default="IN_FORCE")
    ended_on: Mapped[date | None] = mapped_column(sa.Date)
    end_reason: Mapped[str | None] = mapped_column(sa.String(500))
    renewed_from_id: Mapped[int | None] = mapped_column(BigIntFK, sa.ForeignKey("control_measures.id"))
    document_id: Mapped[int | None] = mapped_column(BigIntFK, sa.ForeignKey("documents.id"))
    # Why an indivisible asset is controlled beyond what was left of the claim (SPC provisions on
    # seizure, sealing and freezing in civil execution, art. 19).
    excess_reason: Mapped[str | None] = mapped_column(sa.String(500))
    deadline_id: Mapped[int | None] = mapped_column(BigIntFK, sa.ForeignKey("deadlines.id"))
    created_by: Mapped[int | None] = mapped_column(BigIntFK, sa.ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CaseRecord(Base):
    """What the team records along the way: investigation, summons, property report, mediation,
    service of the tax-bureau letter (Arts. 17–19)."""

    __tablename__ = "case_records"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    case_id: Mapped[int] = mapped_column(BigIntFK, sa.ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(30))
    occurred_on: Mapped[date] = mapped_column(sa.Date)
    note: Mapped[str] = mapped_column(sa.String(2000))
    outcome: Mapped[str | None] = mapped_column(sa.String(40))
    # A sum the record carries: the tax bureau's benchmark price (Art. 19).
    amount: Mapped[Decimal | None] = mapped_column(Money)
    created_by: Mapped[int | None] = mapped_column(BigIntFK, sa.ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Document(Base):
    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    case_id: Mapped[int] = mapped_column(BigIntFK, sa.ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    title: Mapped[str] = mapped_column(sa.String(200))
    filename: Mapped[str] = mapped_column(sa.String(200))
    media_type: Mapped[str] = mapped_column(sa.String(100))
    content: Mapped[bytes] = mapped_column(sa.LargeBinary)
    created_by: Mapped[int | None] = mapped_column(BigIntFK, sa.ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AdjudicationApplication(Base):
    """Art. 9: applications routed to the adjudication team, filed against a case."""

    __tablename__ = "adjudication_applications"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    case_id: Mapped[int] = mapped_column(BigIntFK, sa.ForeignKey("cases.id"), index=True)
    kind: Mapped[AdjudicationKind] = mapped_column(enum_column(AdjudicationKind))
    applicant_name: Mapped[str] = mapped_column(sa.String(200))
    summary: Mapped[str] = mapped_column(sa.String(2000))
    adjudication_case_id: Mapped[int | None] = mapped_column(BigIntFK, sa.ForeignKey("cases.id"))
    status: Mapped[str] = mapped_column(sa.String(12))  # PENDING, GRANTED, REJECTED
    # The higher court's number when a ruling on it goes up for reconsideration (执复,
    # CPL 2023 art. 236), e.g. （2024）粤53执复1号.
    review_case_number: Mapped[str | None] = mapped_column(sa.String(40))
    decision_note: Mapped[str | None] = mapped_column(sa.String(2000))
    decided_by: Mapped[int | None] = mapped_column(BigIntFK, sa.ForeignKey("staff.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by: Mapped[int | None] = mapped_column(BigIntFK, sa.ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TransferStrategyRow(Base):
    """Which strategy picks the implementation team (Art. 17), in force from a date."""

    __tablename__ = "transfer_strategies"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    strategy: Mapped[str] = mapped_column(sa.String(40))
    effective_from: Mapped[date] = mapped_column(sa.Date, unique=True)
    note: Mapped[str] = mapped_column(sa.String(300))


# --- worklists --------------------------------------------------------------------------

FAR_FUTURE_DUE = "9999-12-31"


def due_key(due_on: Any) -> sa.ColumnElement[date]:
    """The worklist's sort key: the due date, undated items after every dated one. The far date
    is a literal, not a bound parameter, so the query's expression is the indexes' expression
    (PostgreSQL matches an expression index only on equal constants, SQLite on equal text)."""
    return sa.func.coalesce(due_on, far_future_due(), type_=sa.Date)


def far_future_due() -> sa.ColumnElement[date]:
    """9999-12-31 as SQL text. Never bind `date.max` against the key: asyncpg sends it as
    PostgreSQL's `infinity`, which sorts after this date."""
    return sa.literal_column(f"'{FAR_FUTURE_DUE}'", sa.Date)



class WorkItem(Base):
    __tablename__ = "work_items"
    __table_args__ = (
        # The worklist's default order (due date, undated last, then id) per way an item can be
        # visible (api/worklist.py reads one branch per lane): each index gives its lane's items
        # in that order, so a page reads n+1 entries per lane instead of sorting every match.
        # On PostgreSQL they carry the columns a lane checks besides its key (INCLUDE), so the
        # worklist's count is read from the indexes alone.
        *(
            sa.Index(
                f"ix_work_items_{lane}_due_key",
                *columns,
                due_key(sa.column("due_on")),
                "id",
                postgresql_include=list(checked),
            )
            for lane, columns, checked in (
                ("role", ("candidate_role", "status"), ("team_id", "window_id")),
                ("team", ("team_id", "status"), ("candidate_role",)),
                ("window", ("window_id", "status"), ("candidate_role", "team_id")),
                ("assignee", ("assignee_id", "status"), ()),
                ("status", ("status",), ()),
            )
        ),
        sa.Index("ix_work_items_case", "case_id"),
        sa.Index("ix_work_items_deadline", "deadline_id"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    kind: Mapped[WorkItemKind] = mapped_column(enum_column(WorkItemKind))
    owner_type: Mapped[str] = mapped_column(sa.String(40))
    owner_id: Mapped[int] = mapped_column(sa.BigInteger)
    case_id: Mapped[int | None] = mapped_column(BigIntFK, sa.ForeignKey("cases.id"))
    candidate_role: Mapped[Role | None] = mapped_column(enum_column(Role))
    team_id: Mapped[int | None] = mapped_column(BigIntFK, sa.ForeignKey("teams.id"))
    window_id: Mapped[int | None] = mapped_column(BigIntFK, sa.ForeignKey("windows.id"))
    assignee_id: Mapped[int | None] = mapped_column(BigIntFK, sa.ForeignKey("staff.id"))
    status: Mapped[WorkItemStatus] = mapped_column(enum_column(WorkItemStatus))
    priority: Mapped[int] = mapped_column(sa.Integer, default=1)
    due_on: Mapped[date | None] = mapped_column(sa.Date)
    deadline_id: Mapped[int | None] = mapped_column(BigIntFK, sa.ForeignKey("deadlines.id"))
    title: Mapped[str] = mapped_column(sa.String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_by: Mapped[int | None] = mapped_column(BigIntFK, sa.ForeignKey("staff.id"))
    outcome: Mapped[str | None] = mapped_column(sa.String(40))
    note: Mapped[str | None] = mapped_column(sa.String(2000))
    # Optimistic locking: every change is a conditional UPDATE on the version it read.
    version: Mapped[int] = mapped_column(sa.Integer, default=1)


# --- windows and online channels (Chapter 1) ---------------------------------------------


class Visit(Base):
    """A visitor at an offline window (Arts. 5–11). Visitor ID numbers and phones are personal data."""

    __tablename__ = "visits"
    __table_args__ = (sa.Index("ix_visits_window_day", "window_id", "visited_on"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    window_id: Mapped[int] = mapped_column(BigIntFK, sa.ForeignKey("windows.id"))
    case_id: Mapped[int | None] = mapped_column(BigIntFK, sa.ForeignKey("cases.id"), index=True)
    visitor_name: Mapped[str] = mapped_column(sa.String(100))
    visitor_id_number: Mapped[str | None] = mapped_column(sa.String(18))
    visitor_phone: Mapped[str | None] = mapped_column(sa.String(20))
    purpose: Mapped[VisitPurpose] = mapped_column(enum_column(VisitPurpose))
    request: Mapped[str] = mapped_column(sa.String(2000))
    outcome: Mapped[str | None] = mapped_column(sa.String(2000))
    resolved: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    visited_on: Mapped[date] = mapped_column(sa.Date)
    received_by: Mapped[int | None] = mapped_column(BigIntFK, sa.ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class FirstContact(Base):
    """Art. 7: an on-site filing that cannot be accepted and cannot be cured: never dropped."""

    __tablename__ = "first_contacts"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    window_id: Mapped[int] = mapped_column(BigIntFK, sa.ForeignKey("windows.id"))
    visit_id: Mapped[int | None] = mapped_column(BigIntFK, sa.ForeignKey("visits.id"))
    applicant_name: Mapped[str] = mapped_column(sa.String(200))
    reason: Mapped[FirstContactReason] = mapped_column(enum_column(FirstContactReason))
    legal_basis: Mapped[str] = mapped_column(sa.String(500))
    told: Mapped[str] = mapped_column(sa.String(2000))
    status: Mapped[str] = mapped_column(sa.String(12))  # OPEN, CLOSED
    closing_note: Mapped[str | None] = mapped_column(sa.String(2000))
    created_by: Mapped[int | None] = mapped_column(BigIntFK, sa.ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class MaterialsReceipt(Base):
    """Art. 8: what was handed in, numbered, with who received it and when."""

    __tablename__ = "materials_receipts"
    __table_args__ = (sa.UniqueConstraint("year", "sequence", name="uq_materials_receipts_year_sequence"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(40), unique=True)
    year: Mapped[int] = mapped_column(sa.Integer)
    sequence: Mapped[int] = mapped_column(sa.Integer)
    window_id: Mapped[int] = mapped_column(BigIntFK, sa.ForeignKey("windows.id"))
    case_id: Mapped[int | None] = mapped_column(BigIntFK, sa.ForeignKey("cases.id"), index=True)
    submitted_by: Mapped[str] = mapped_column(sa.String(200))
    items: Mapped[list[Any]] = mapped_column(sa.JSON)  # [{"name": ..., "copies": n}]
    received_by: Mapped[int] = mapped_column(BigIntFK, sa.ForeignKey("staff.id"))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    holder_id: Mapped[int | None] = mapped_column(BigIntFK, sa.ForeignKey("staff.id"))


class MaterialsTransfer(Base):
    __tablename__ = "materials_transfers"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    receipt_id: Mapped[int] = mapped_column(BigIntFK, sa.ForeignKey("materials_receipts.id"), index=True)
    from_staff_id: Mapped[int | None] = mapped_column(BigIntFK, sa.ForeignKey("staff.id"))
    to_staff_id: Mapped[int] = mapped_column(BigIntFK, sa.ForeignKey("staff.id"))
    note: Mapped[str | None] = mapped_column(sa.String(500))
    transferred_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DisclosureAttempt(Base):
    """Every verified-disclosure attempt (Art. 10(2)); failures drive the brute-force guard.
    Holds no identity document: only whether it matched."""

    __tablename__ = "disclosure_attempts"
    __table_args__ = (
        sa.Index("ix_disclosure_attempts_window", "window_id", "at"),
        sa.Index("ix_disclosure_attempts_case", "case_number", "at"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    window_id: Mapped[int] = mapped_column(BigIntFK, sa.ForeignKey("windows.id"))
    case_number: Mapped[str] = mapped_column(sa.String(40))
    purpose: Mapped[str] = mapped_column(sa.String(30))
    verified: Mapped[bool] = mapped_column(sa.Boolean)
    staff_id: Mapped[int] = mapped_column(BigIntFK, sa.ForeignKey("staff.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Who tried, as a keyed hash (HMAC with the server's secret) of the document shown: the guard
    # counts a visitor's failures on a case without keeping the number.
    visitor_key: Mapped[str | None] = mapped_column(sa.String(64))


class Petition(Base):
    __tablename__ = "petitions"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    window_id: Mapped[int | None] = mapped_column(BigIntFK, sa.ForeignKey("windows.id"))
    case_id: Mapped[int | None] = mapped_column(BigIntFK, sa.ForeignKey("cases.id"), index=True)
    petitioner_name: Mapped[str] = mapped_column(sa.String(200))
    content: Mapped[str] = mapped_column(sa.String(4000))
    status: Mapped[str] = mapped_column(sa.String(12))  # OPEN, ANSWERED
    answer: Mapped[str | None] = mapped_column(sa.String(4000))
    created_by: Mapped[int | None] = mapped_column(BigIntFK, sa.ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OnlineMessage(Base):
    """A message left on the 12368 platform or in the Smart Execution app (Arts. 12–13)."""

    __tablename__ = "online_messages"
    __table_args__ = (sa.UniqueConstraint("channel", "external_id", name="uq_online_messages_external"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    channel: Mapped[Channel] = mapped_column(enum_column(Channel))
    external_id: Mapped[str] = mapped_column(sa.String(100))
    window_id: Mapped[int] = mapped_column(BigIntFK, sa.ForeignKey("windows.id"))
    case_id: Mapped[int | None] = mapped_column(BigIntFK, sa.ForeignKey("cases.id"), index=True)
    sender_name: Mapped[str] = mapped_column(sa.String(100))
    sender_phone: Mapped[str | None] = mapped_column(sa.String(20))
    content: Mapped[str] = mapped_column(sa.String(4000))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    suggested_class: Mapped[MessageClass] = mapped_column(enum_column(MessageClass))
    message_class: Mapped[MessageClass | None] = mapped_column(enum_column(MessageClass))
    status: Mapped[str] = mapped_column(sa.String(20))  # NEW, DRAFTING, READY, SENDING, DELIVERED
    reply_content: Mapped[str | None] = mapped_column(sa.String(4000))
    reply_settled_by: Mapped[int | None] = mapped_column(BigIntFK, sa.ForeignKey("staff.id"))
    sent_by: Mapped[int | None] = mapped_column(BigIntFK, sa.ForeignKey("staff.id"))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivery_attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivery_error: Mapped[str | None] = mapped_column(sa.String(300))
    deadline_id: Mapped[int | None] = mapped_column(BigIntFK, sa.ForeignKey("deadlines.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CounterRow(Base):
    """Numbering other than case numbers (materials receipts): a locked counter per key."""

    __tablename__ = "counters"

    key: Mapped[str] = mapped_column(sa.String(60), primary_key=True)
    last_value: Mapped[int] = mapped_column(sa.Integer)


# --- infrastructure ---------------------------------------------------------------------


class OutboxMessage(Base):
    """A job to send after commit. Carries ids only, never personal data."""

    __tablename__ = "outbox"
    __table_args__ = (sa.Index("ix_outbox_unsent", "sent_at", "id"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    actor_name: Mapped[str] = mapped_column(sa.String(100))
    args: Mapped[list[Any]] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)


class AuditEvent(Base):
    """Append-only: the migration installs triggers that refuse UPDATE and DELETE."""

    __tablename__ = "audit_events"
    __table_args__ = (sa.Index("ix_audit_events_object", "object_type", "object_id", "id"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(BigIntFK, sa.ForeignKey("staff.id"))
    action: Mapped[str] = mapped_column(sa.String(64))
    object_type: Mapped[str] = mapped_column(sa.String(40))
    object_id: Mapped[int] = mapped_column(sa.BigInteger)
    summary: Mapped[str] = mapped_column(sa.String(500))


class SignInThrottle(Base):
    """Recent failed sign-ins of one user name or one client address (domain/throttling.py).

    A row is deleted when its account signs in, and purged once it no longer counts.
    """

    __tablename__ = "sign_in_throttles"
    __table_args__ = (
        sa.UniqueConstraint("scope", "key", name="uq_sign_in_throttles_scope_key"),
        sa.Index("ix_sign_in_throttles_last_attempt_at", "last_attempt_at"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    scope: Mapped[ThrottleScope] = mapped_column(enum_column(ThrottleScope))
    # The user name as typed (case-folded), or the client's address.
    key: Mapped[str] = mapped_column(sa.String(64))
    failures: Mapped[int] = mapped_column(sa.Integer, default=0)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class IdempotencyRecord(Base):
    """A request sent with an `Idempotency-Key` header: its body's hash and, once done, its response.

    Keys are scoped to the account that sent them; a record older than 24 hours no longer counts.
    """

    __tablename__ = "idempotency_records"
    __table_args__ = (sa.Index("ix_idempotency_records_created_at", "created_at"),)

    staff_id: Mapped[int] = mapped_column(BigIntFK, sa.ForeignKey("staff.id"), primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    request_hash: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Null while the first request is in flight.
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status_code: Mapped[int | None] = mapped_column(sa.Integer)
    response_body: Mapped[bytes | None] = mapped_column(sa.LargeBinary)


# Models of later areas live in their own modules; importing them here registers their tables
# on Base.metadata (migrations, the model/migration comparison).
from . import models_exports, models_indicators, models_supervision  # noqa: E402,F401
