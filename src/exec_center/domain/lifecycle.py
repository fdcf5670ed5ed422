"""The life of a preservation (执保) case and of the 执 case it becomes (work rules, Chapter 2).

One transition table, `TRANSITIONS`, says which step is allowed in which stage and where it
leads. Everything else here (conversion paths, closing methods, adjudication routing) is data
too, so the rules can be read in one place and tested exhaustively.

Stages belong to one of two case kinds and never mix, so the table can be keyed by stage alone:
- the 执保 case: RECEIVED → QUERYING → ANALYSING → TRANSFERRED (→ MEDIATING) → CONVERTED, or
  CLOSED when it ends without conversion (e.g. nothing to preserve); then ARCHIVED;
- the 执 case filed on conversion is *created* in FAST_CLOSING or ENFORCING (see
  `conversion_path`); it is not reached by a step. It ends CLOSED, then ARCHIVED.
"""

from __future__ import annotations

import calendar as _gregorian
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from types import MappingProxyType

from .case_numbers import CaseNumber, CaseType, CourtLevel, InvalidCaseNumber, court_level
from .deadlines import DeadlineKind
from .errors import DomainError, ErrorCode
from .intake import TitleKind
from .labels import LabelledEnum

_ONE_DAY = timedelta(days=1)


def add_months(d: date, months: int) -> date:
    """The same day `months` later; a day the month lacks becomes its last (30 Nov + 3 → 29 Feb)."""
    month0 = d.month - 1 + months
    year, month = d.year + month0 // 12, month0 % 12 + 1
    return d.replace(year=year, month=month, day=min(d.day, _gregorian.monthrange(year, month)[1]))

__all__ = [
    "ADJUDICATION_CASE_TYPES",
    "ADJUDICATION_CLOSING",
    "CLOSING_CONDITIONS",
    "CLOSING_METHODS",
    "RELEASES_MEASURES",
    "TRANSITIONS",
    "AdjudicationKind",
    "AdjudicationOutcome",
    "AdjudicationStatus",
    "CaseRecordKind",
    "CaseStage",
    "CaseStep",
    "ClosingCondition",
    "ClosingFacts",
    "ClosingMethod",
    "IllegalStep",
    "MediationOutcome",
    "add_months",
    "adjudication_case_type",
    "allowed_steps",
    "check_closing_conditions",
    "check_closing_method",
    "check_executable_title",
    "conversion_path",
    "next_stage",
    "preservation_closing_method",
]


class CaseStage(LabelledEnum):
    RECEIVED = "RECEIVED", "已收案"
    QUERYING = "QUERYING", "查控中"
    ANALYSING = "ANALYSING", "分析查控结果"
    TRANSFERRED = "TRANSFERRED", "已移交实施团队"
    MEDIATING = "MEDIATING", "执行调解中"
    CONVERTED = "CONVERTED", "已转执行立案"
    FAST_CLOSING = "FAST_CLOSING", "快立快结"
    ENFORCING = "ENFORCING", "强制执行中"
    CLOSED = "CLOSED", "已结案"
    ARCHIVED = "ARCHIVED", "已归档"


class CaseStep(LabelledEnum):
    DISPATCH_QUERY = "DISPATCH_QUERY", "发起财产查询"
    RECORD_FINDINGS = "RECORD_FINDINGS", "登记查询反馈"
    DECIDE_CONTROL = "DECIDE_CONTROL", "采取控制措施"
    COMPLETE_QUERY_CONTROL = "COMPLETE_QUERY_CONTROL", "完成集约查控"
    TRANSFER = "TRANSFER", "移交执行实施团队"
    RECORD_INVESTIGATION = "RECORD_INVESTIGATION", "登记线下调查情况"
    SEND_TAX_LETTER = "SEND_TAX_LETTER", "函询基准价"
    START_MEDIATION = "START_MEDIATION", "开始执行调解"
    RECORD_MEDIATION_OUTCOME = "RECORD_MEDIATION_OUTCOME", "登记调解结果"
    CONVERT = "CONVERT", "转执行立案"
    START_ENFORCEMENT = "START_ENFORCEMENT", "转入强制执行"
    CLOSE = "CLOSE", "结案"
    ARCHIVE = "ARCHIVE", "归档"
    FILE_ADJUDICATION_APPLICATION = "FILE_ADJUDICATION_APPLICATION", "提交执行裁决申请"


# What each step does, as the end of "cannot …" / "allowed now: …" in error messages.
_STEP_PHRASES: Mapping[CaseStep, str] = MappingProxyType(
    {
        CaseStep.DISPATCH_QUERY: "dispatch the asset query",
        CaseStep.RECORD_FINDINGS: "record query results",
        CaseStep.DECIDE_CONTROL: "take control measures",
        CaseStep.COMPLETE_QUERY_CONTROL: "complete the concentrated query-and-control",
        CaseStep.TRANSFER: "transfer the case to an implementation team",
        CaseStep.RECORD_INVESTIGATION: "record the offline investigation",
        CaseStep.SEND_TAX_LETTER: "send the benchmark-price letter to the tax bureau",
        CaseStep.START_MEDIATION: "start execution mediation",
        CaseStep.RECORD_MEDIATION_OUTCOME: "record the mediation outcome",
        CaseStep.CONVERT: "convert the case",
        CaseStep.START_ENFORCEMENT: "start compulsory execution",
        CaseStep.CLOSE: "close the case",
        CaseStep.ARCHIVE: "archive the case",
        CaseStep.FILE_ADJUDICATION_APPLICATION: "file an application for the adjudication team",
    }
)

_S = CaseStage
_T = CaseStep

# Adjudication applications (Art. 9) can be filed on any case that is not archived; they go
# to the adjudication team and do not move the case itself.
_ADJUDICATION_OPEN = (
    _S.RECEIVED,
    _S.QUERYING,
    _S.ANALYSING,
    _S.TRANSFERRED,
    _S.MEDIATING,
    _S.CONVERTED,
    _S.FAST_CLOSING,
    _S.ENFORCING,
    _S.CLOSED,
)

TRANSITIONS: Mapping[tuple[CaseStage, CaseStep], CaseStage] = MappingProxyType(
    {
        # 执保 case — the centre's concentrated query-and-control (Arts. 14-16).
        (_S.RECEIVED, _T.DISPATCH_QUERY): _S.QUERYING,
        # A withdrawn filing (销案) closes at once; review cases (执异, 执复) close on decision.
        (_S.RECEIVED, _T.CLOSE): _S.CLOSED,
        (_S.QUERYING, _T.RECORD_FINDINGS): _S.ANALYSING,
        # Results arrive per provider, so more may come in while the first are analysed.
        (_S.ANALYSING, _T.RECORD_FINDINGS): _S.ANALYSING,
        (_S.ANALYSING, _T.DECIDE_CONTROL): _S.ANALYSING,
        # Completing ends the centre's part (meets the QUERY_CONTROL deadline) but the stage only
        # changes when the transfer job has picked a team: the service records completion first
        # and transfers right after, so a case is never "transferred" to nobody.
        (_S.ANALYSING, _T.COMPLETE_QUERY_CONTROL): _S.ANALYSING,
        (_S.ANALYSING, _T.TRANSFER): _S.TRANSFERRED,
        # Nothing to preserve (or the ruling is withdrawn): the 执保 case closes without a 执 case.
        (_S.ANALYSING, _T.CLOSE): _S.CLOSED,
        # Implementation team — offline investigation, mediation, tax letter (Arts. 17-19).
        # Control measures stay possible: offline investigation can find assets to seal.
        (_S.TRANSFERRED, _T.RECORD_INVESTIGATION): _S.TRANSFERRED,
        (_S.TRANSFERRED, _T.SEND_TAX_LETTER): _S.TRANSFERRED,
        (_S.TRANSFERRED, _T.DECIDE_CONTROL): _S.TRANSFERRED,
        (_S.TRANSFERRED, _T.START_MEDIATION): _S.MEDIATING,
        (_S.TRANSFERRED, _T.CONVERT): _S.CONVERTED,
        (_S.TRANSFERRED, _T.CLOSE): _S.CLOSED,
        (_S.MEDIATING, _T.RECORD_INVESTIGATION): _S.MEDIATING,
        (_S.MEDIATING, _T.SEND_TAX_LETTER): _S.MEDIATING,
        (_S.MEDIATING, _T.DECIDE_CONTROL): _S.MEDIATING,
        # Several sessions may be held; the last recorded outcome decides the conversion path.
        (_S.MEDIATING, _T.RECORD_MEDIATION_OUTCOME): _S.MEDIATING,
        (_S.MEDIATING, _T.CONVERT): _S.CONVERTED,
        (_S.MEDIATING, _T.CLOSE): _S.CLOSED,
        # Its materials go into the 执 case's file (Art. 21), then it is archived.
        (_S.CONVERTED, _T.ARCHIVE): _S.ARCHIVED,
        # 执 case (Art. 20). Fast closing of a fully controlled case usually deducts the frozen
        # funds, hence control measures; if the settlement is not performed or the controlled
        # assets fall short, the case goes on to compulsory execution instead of fast closing.
        (_S.FAST_CLOSING, _T.DECIDE_CONTROL): _S.FAST_CLOSING,
        (_S.FAST_CLOSING, _T.START_ENFORCEMENT): _S.ENFORCING,
        (_S.FAST_CLOSING, _T.CLOSE): _S.CLOSED,
        (_S.ENFORCING, _T.DECIDE_CONTROL): _S.ENFORCING,
        # The team records its investigation and that the applicant was told (终本's conditions).
        (_S.ENFORCING, _T.RECORD_INVESTIGATION): _S.ENFORCING,
        (_S.ENFORCING, _T.CLOSE): _S.CLOSED,
        (_S.CLOSED, _T.ARCHIVE): _S.ARCHIVED,
        # ARCHIVED is terminal: nothing is allowed.
        **{(stage, _T.FILE_ADJUDICATION_APPLICATION): stage for stage in _ADJUDICATION_OPEN},
    }
)


class IllegalStep(DomainError):
    """The step is not allowed in the case's current stage."""

    def __init__(self, stage: CaseStage, step: CaseStep) -> None:
        allowed = allowed_steps(stage)
        if allowed:
            allowed_text = "; ".join(f"{_STEP_PHRASES[s]} ({s.value})" for s in allowed)
            allowed_zh = "、".join(f"“{s.label}”" for s in allowed)
        else:
            allowed_text = "nothing, the case is archived"
            allowed_zh = "无，案件已归档"
        where = [s for s in CaseStage if (s, step) in TRANSITIONS]
        where_text = ", ".join(f"{s.value} ({s.label})" for s in where) or "no stage"
        where_zh = "、".join(f"“{s.label}”" for s in where) or "无"
        super().__init__(
            f"cannot {_STEP_PHRASES[step]}: it is in stage {stage.value} ({stage.label});"
            f" allowed now: {allowed_text}. {step.value} is allowed in: {where_text}",
            zh=f"不能办理“{step.label}”：案件当前阶段为“{stage.label}”；当前可办理：{allowed_zh}。"
            f"“{step.label}”仅可在以下阶段办理：{where_zh}",
            field=None,
            code=ErrorCode.NOT_ALLOWED_IN_STAGE,
        )
        self.stage = stage
        self.step = step


def allowed_steps(stage: CaseStage) -> list[CaseStep]:
    """The steps allowed in `stage`, in the order `CaseStep` declares them."""
    stage = CaseStage(stage)
    return [step for step in CaseStep if (stage, step) in TRANSITIONS]


def next_stage(stage: CaseStage, step: CaseStep) -> CaseStage:
    """The stage after taking `step` in `stage`; `IllegalStep` if the table does not allow it."""
    stage, step = CaseStage(stage), CaseStep(step)
    try:
        return TRANSITIONS[(stage, step)]
    except KeyError:
        raise IllegalStep(stage, step) from None


# --- Conversion (Art. 20) ------------------------------------------------------------------


class MediationOutcome(LabelledEnum):
    SETTLED = "SETTLED", "达成和解"
    PERFORMED = "PERFORMED", "已履行"
    FAILED = "FAILED", "调解不成"


class CaseRecordKind(LabelledEnum):
    """What the implementation team records along the way (Arts. 17–19)."""

    INVESTIGATION = "INVESTIGATION", "线下调查"
    SUMMONS = "SUMMONS", "传唤双方当事人"
    PROPERTY_REPORT = "PROPERTY_REPORT", "报告财产"
    ASSET_VERIFICATION = "ASSET_VERIFICATION", "核实财产"
    MEDIATION = "MEDIATION", "执行调解"
    TAX_LETTER_SERVICE = "TAX_LETTER_SERVICE", "基准价函送达"
    # 终本: the applicant is told of the investigation and the consequences, heard (法〔2016〕373号 art. 5)
    APPLICANT_INFORMED = "APPLICANT_INFORMED", "告知申请执行人并听取意见"
    # Art. 18: the team decides the execution plan after the investigation.
    EXECUTION_PLAN = "EXECUTION_PLAN", "执行方案"
    # Art. 19: the tax bureau's benchmark price of the real estate, with its amount.
    BENCHMARK_PRICE = "BENCHMARK_PRICE", "税务部门基准价"
    OTHER = "OTHER", "其他记录"

    @classmethod
    def read(cls, stored: str) -> CaseRecordKind:
        """The stored kind; OTHER for a kind no longer used."""
        return cls.__members__.get(stored, cls.OTHER)


def conversion_path(
    outcome: MediationOutcome | None, fully_controlled: bool
) -> tuple[CaseStage, DeadlineKind | None]:
    """Where the new 执 case starts, and the deadline that runs from its filing (Art. 20).

    `outcome` is the last recorded mediation outcome, None when there was no mediation.
    A settlement or full performance wins over control: the case is closed as performed.
    """
    if outcome is not None and MediationOutcome(outcome) in (
        MediationOutcome.SETTLED,
        MediationOutcome.PERFORMED,
    ):
        return CaseStage.FAST_CLOSING, DeadlineKind.FAST_CLOSE_SETTLED
    if fully_controlled:
        return CaseStage.FAST_CLOSING, DeadlineKind.FAST_CLOSE_FULLY_CONTROLLED
    return CaseStage.ENFORCING, None


# A 执 case needs an effective title with something to be paid or done (CPL 2023 arts. 235,
# 247). A preservation ruling (财产保全裁定书) only holds property: the 执保 case it began is
# converted once the effective judgment (or other title) is recorded on it.
NON_EXECUTABLE_TITLES: frozenset[TitleKind] = frozenset({TitleKind.PRESERVATION_RULING})


def check_executable_title(title_kind: str, effective_title_kind: str | None) -> TitleKind:
    """The kind of title the 执 case is filed on: the effective title recorded on the case, else
    the case's own title. DomainError (NOT_ALLOWED on `caseId`) when that is a preservation
    ruling, saying the effective judgment must be recorded first (`recordEffectiveTitle`)."""
    kind = effective_title_kind or title_kind
    if kind in TitleKind.__members__ and TitleKind(kind) not in NON_EXECUTABLE_TITLES:
        return TitleKind(kind)
    shown = f"{kind} ({TitleKind(kind).label})" if kind in TitleKind.__members__ else repr(kind)
    shown_zh = f"“{TitleKind(kind).label}”" if kind in TitleKind.__members__ else repr(kind)
    raise DomainError(
        f"cannot convert to an enforcement (ZHI) case: its title is a {shown}, which only preserves"
        " property; an enforcement case needs an effective title with something to be paid or done"
        " (CPL 2023 art. 235): record the effective judgment first (recordEffectiveTitle)",
        zh=f"不能转执行立案：本案执行依据为{shown_zh}，仅用于保全财产；执行案件须有具有给付内容的"
        "生效法律文书（民事诉讼法第二百三十五条）：请先登记生效判决等执行依据",
        field="caseId",
        code=ErrorCode.NOT_ALLOWED,
    )


# --- Closing (结案方式) --------------------------------------------------------------------


class ClosingMethod(LabelledEnum):
    FULLY_EXECUTED = "FULLY_EXECUTED", "执行完毕"
    TERMINATED_CURRENT_PROCEDURE = "TERMINATED_CURRENT_PROCEDURE", "终结本次执行程序"
    TERMINATED = "TERMINATED", "终结执行"
    CANCELLED = "CANCELLED", "销案"
    NOT_ENFORCED = "NOT_ENFORCED", "不予执行"
    REJECTED = "REJECTED", "驳回申请"
    PRESERVATION_COMPLETED = "PRESERVATION_COMPLETED", "保全完毕"
    PARTLY_PRESERVED = "PARTLY_PRESERVED", "部分保全"
    NOTHING_TO_PRESERVE = "NOTHING_TO_PRESERVE", "无标的物可实施保全"
    # Execution-objection (执异) and reconsideration cases (法发〔2014〕26号).
    UPHELD = "UPHELD", "撤销或改正执行行为、不予执行、变更追加当事人（异议或申请成立）"
    PARTLY_UPHELD = "PARTLY_UPHELD", "部分撤销或改正执行行为、部分变更追加当事人（异议或申请部分成立）"
    WITHDRAWN = "WITHDRAWN", "准予撤回异议或申请"


_M = ClosingMethod
_IMPLEMENTATION_METHODS = frozenset(
    {
        _M.FULLY_EXECUTED,
        _M.TERMINATED_CURRENT_PROCEDURE,
        _M.TERMINATED,
        _M.CANCELLED,
        _M.NOT_ENFORCED,
        _M.REJECTED,
    }
)
_REVIEW_METHODS = frozenset({_M.REJECTED, _M.CANCELLED, _M.UPHELD, _M.PARTLY_UPHELD, _M.WITHDRAWN})

# Only the glossary's methods. 执协 and 执他 have none there yet, so closing them is refused
# with a clear message rather than guessed.
CLOSING_METHODS: Mapping[CaseType, frozenset[ClosingMethod]] = MappingProxyType(
    {
        CaseType.ZHI_BAO: frozenset(
            {_M.PRESERVATION_COMPLETED, _M.PARTLY_PRESERVED, _M.NOTHING_TO_PRESERVE, _M.CANCELLED}
        ),
        CaseType.ZHI: _IMPLEMENTATION_METHODS,
        CaseType.ZHI_HUI: _IMPLEMENTATION_METHODS,
        CaseType.ZHI_YI: _REVIEW_METHODS,
        CaseType.ZHI_FU: _REVIEW_METHODS,
        CaseType.ZHI_JIAN: _REVIEW_METHODS,
        CaseType.ZHI_XIE: frozenset(),
        CaseType.ZHI_TA: frozenset(),
    }
)


# Closing methods that end the case's control measures (SPC provisions on seizure, sealing and
# freezing in civil execution, on release: the debt paid, the application withdrawn, execution
# refused or ended). Not 终本: its measures continue and are renewed (法〔2016〕373号); nor a 执保
# case's closing at conversion: its measures continue under the 执 case (Art. 21).
RELEASES_MEASURES = frozenset(
    {_M.FULLY_EXECUTED, _M.TERMINATED, _M.CANCELLED, _M.NOT_ENFORCED, _M.REJECTED}
)


def preservation_closing_method(controlled_total: Decimal, fully_controlled: bool) -> ClosingMethod:
    """How a 执保 case closes when it is converted (法发〔2014〕26号): 保全完毕 when the claim is
    fully controlled, 部分保全 when part of it is, 无标的物可实施保全 when nothing is."""
    if fully_controlled:
        return ClosingMethod.PRESERVATION_COMPLETED
    if controlled_total > 0:
        return ClosingMethod.PARTLY_PRESERVED
    return ClosingMethod.NOTHING_TO_PRESERVE


def check_closing_method(case_type: CaseType, method: ClosingMethod) -> None:
    """Refuse a closing method that the case type does not allow (DomainError on `method`)."""
    allowed = CLOSING_METHODS.get(case_type, frozenset())
    if method in allowed:
        return
    what = f"a {case_type.code} case ({case_type.label})"
    what_zh = f"{case_type.label}（{case_type.code}）"
    if not allowed:
        message = f"{what} has no closing method defined; none can be recorded here"
        zh = f"{what_zh}尚未规定结案方式，不能在此登记结案"
    else:
        ordered = [m for m in ClosingMethod if m in allowed]  # declaration order, stable
        listing = ", ".join(f"{m.value} ({m.label})" for m in ordered)
        shown = f"{method.value} ({method.label})" if isinstance(method, ClosingMethod) else repr(method)
        shown_zh = f"“{method.label}”" if isinstance(method, ClosingMethod) else repr(method)
        message = f"{what} cannot be closed as {shown}; allowed: {listing}"
        zh = f"{what_zh}不能以{shown_zh}方式结案；可用的结案方式：" + "、".join(m.label for m in ordered)
    raise DomainError(message, zh=zh, field="method", code=ErrorCode.INVALID)


# --- Closing conditions: what must hold for a method when the case is closed ----------------


@dataclass(frozen=True)
class ClosingFacts:
    """What the closing conditions look at, gathered from the case file when it is closed."""

    stage: CaseStage
    filed_on: date  # the case's own filing (a converted 执 case: the conversion day)
    today: date
    query_completed: bool  # the network query-and-control of the file was completed
    investigated: bool  # an offline investigation (INVESTIGATION record) is in the file
    applicant_informed: bool  # an APPLICANT_INFORMED record is in the file


@dataclass(frozen=True)
class ClosingCondition:
    code: str
    source: str
    holds: Callable[[ClosingFacts], bool]
    unmet: Callable[[ClosingFacts], str]  # what is missing, for the refusal (English)
    unmet_zh: Callable[[ClosingFacts], str]  # the same in zh-CN


# 终本 (法〔2016〕373号 art. 1): among its conditions, more than three months since the 执 case
# was filed (art. 1(四)), the property investigation done (art. 1(三); art. 3: the network query
# and the offline investigation), and the applicant told (art. 1; art. 5: the applicant is told
# of the investigation and the consequences and heard before the case is closed so). It ends
# compulsory execution: it is not a fast-closing outcome (work rules Art. 20).
_TERMINATED_CURRENT_PROCEDURE = (
    ClosingCondition(
        "ENFORCING",
        "法〔2016〕373号 art. 1; work rules Art. 20",
        lambda f: f.stage is CaseStage.ENFORCING,
        lambda f: f"it is not a fast-closing outcome: the case is {f.stage.value} ({f.stage.label}); start"
        " compulsory execution first (START_ENFORCEMENT)",
        lambda f: f"终结本次执行程序不是快立快结的结案方式：案件当前阶段为“{f.stage.label}”；"
        "请先转入强制执行",
    ),
    ClosingCondition(
        "MORE_THAN_THREE_MONTHS",
        "法〔2016〕373号 art. 1(四)",
        lambda f: f.today > add_months(f.filed_on, 3),
        lambda f: f"more than three months since the filing on {f.filed_on} is required"
        f" (SPC notice Fa [2016] No. 373, art. 1(4)): possible from {add_months(f.filed_on, 3) + _ONE_DAY}",
        lambda f: f"须自立案之日（{f.filed_on}）起超过三个月（法〔2016〕373号第一条第四项）："
        f"自 {add_months(f.filed_on, 3) + _ONE_DAY} 起方可",
    ),
    ClosingCondition(
        "PROPERTY_INVESTIGATED",
        "法〔2016〕373号 arts. 1(三), 3",
        lambda f: f.query_completed and f.investigated,
        lambda f: "the property investigation must be done (SPC notice Fa [2016] No. 373, arts. 1(3), 3): "
        + "; ".join(
            part
            for part, missing in (
                ("the network query-and-control is not completed", not f.query_completed),
                ("no offline investigation (INVESTIGATION) is recorded", not f.investigated),
            )
            if missing
        ),
        lambda f: "须已完成财产调查（法〔2016〕373号第一条第三项、第三条）："
        + "；".join(
            part
            for part, missing in (
                ("网络集约查控尚未完成", not f.query_completed),
                ("尚未登记线下调查情况", not f.investigated),
            )
            if missing
        ),
    ),
    ClosingCondition(
        "APPLICANT_INFORMED",
        "法〔2016〕373号 arts. 1, 5",
        lambda f: f.applicant_informed,
        lambda f: "the applicant must be told and heard first (SPC notice Fa [2016] No. 373, arts. 1, 5):"
        " record APPLICANT_INFORMED with recordTeamWork",
        lambda f: "须先告知申请执行人并听取其意见（法〔2016〕373号第一条、第五条）：请登记“已告知申请执行人”",
    ),
)

CLOSING_CONDITIONS: Mapping[ClosingMethod, tuple[ClosingCondition, ...]] = MappingProxyType(
    {ClosingMethod.TERMINATED_CURRENT_PROCEDURE: _TERMINATED_CURRENT_PROCEDURE}
)


def check_closing_conditions(method: ClosingMethod, facts: ClosingFacts, field: str = "method") -> None:
    """Refuse a closing method whose conditions do not hold (NOT_ALLOWED on `field`), naming each
    unmet condition."""
    unmet = [c for c in CLOSING_CONDITIONS.get(ClosingMethod(method), ()) if not c.holds(facts)]
    if unmet:
        raise DomainError(
            f"cannot close as {method.value} ({method.label}): " + "; ".join(c.unmet(facts) for c in unmet),
            zh=f"不能以“{method.label}”方式结案：" + "；".join(c.unmet_zh(facts) for c in unmet),
            field=field,
            code=ErrorCode.NOT_ALLOWED,
        )


# --- Adjudication applications (Art. 9) ---------------------------------------------------


class AdjudicationKind(LabelledEnum):
    ADD_RESPONDENT = "ADD_RESPONDENT", "追加被执行人申请"
    OBJECTION = "OBJECTION", "执行异议申请"
    PRESERVATION_RECONSIDERATION = "PRESERVATION_RECONSIDERATION", "执前执保复议申请"


# The case type each application is filed under. Applications to add or change a respondent
# are filed as execution-objection (执异) cases under the SPC's opinions on filing and closing
# execution cases (法发〔2014〕26号, art. 9). A reconsideration of this court's preservation
# ruling is decided by this court within that preservation matter (CPL 2023 art. 111; 民诉法解释
# art. 171): no number of its own unless the court's setting names a type (never 执复, which is
# the higher court's number for reconsidering an objection ruling, CPL 2023 art. 236).
ADJUDICATION_CASE_TYPES: Mapping[AdjudicationKind, CaseType | None] = MappingProxyType(
    {
        AdjudicationKind.ADD_RESPONDENT: CaseType.ZHI_YI,
        AdjudicationKind.OBJECTION: CaseType.ZHI_YI,
        AdjudicationKind.PRESERVATION_RECONSIDERATION: None,
    }
)


def adjudication_case_type(
    kind: AdjudicationKind, reconsideration_case_type: CaseType | None = None
) -> CaseType | None:
    """The case type the adjudication team files `kind` under; None: no number of its own, the
    application is decided within the case it is filed against. `reconsideration_case_type` is
    the court's setting for preservation reconsiderations."""
    kind = AdjudicationKind(kind)
    if kind is AdjudicationKind.PRESERVATION_RECONSIDERATION:
        if reconsideration_case_type is CaseType.ZHI_FU:
            raise ValueError("执复 is the higher court's case type (CPL 2023 art. 236)")
        return reconsideration_case_type
    return ADJUDICATION_CASE_TYPES[kind]


# Rulings on these applications may go to the higher court for reconsideration (执复): an
# objection ruling (CPL 2023 art. 236), a ruling on changing or adding a party (SPC provisions on
# changing and adding parties in civil execution, art. 30).
RECONSIDERED_BY_HIGHER_COURT = frozenset({AdjudicationKind.OBJECTION, AdjudicationKind.ADD_RESPONDENT})


def check_reconsiderable(kind: AdjudicationKind, status: str) -> None:
    if AdjudicationKind(kind) not in RECONSIDERED_BY_HIGHER_COURT:
        raise DomainError(
            f"a ruling on a {AdjudicationKind(kind).value} ({AdjudicationKind(kind).label}) is not"
            " reconsidered by the higher court; a preservation reconsideration is decided by this court"
            " (CPL 2023 art. 111)",
            zh=f"对“{AdjudicationKind(kind).label}”所作裁定不向上级法院申请复议；保全复议由本院审查"
            "（民事诉讼法第一百一十一条）",
            field="applicationId",
            code=ErrorCode.NOT_ALLOWED,
        )
    if status == "PENDING":
        raise DomainError(
            "the application is not decided yet: only a ruling goes up for reconsideration",
            zh="该申请尚未作出裁定：只有已作出的裁定才能报请上级法院复议",
            field="applicationId",
            code=ErrorCode.NOT_ALLOWED_IN_STAGE,
        )


def check_review_case_number(text: str, own_court_code: str) -> str:
    """A higher court's 执复 number, canonical: （2024）粤53执复1号. Not this court's own."""
    try:
        number = CaseNumber.parse(text)
    except InvalidCaseNumber as error:
        raise DomainError(error.message, zh=error.zh, field="caseNumber", code=ErrorCode.BAD_FORMAT) from None
    example = f"（{number.year}）{own_court_code[:3]}{CaseType.ZHI_FU.code}1号"
    if number.case_type is not CaseType.ZHI_FU:
        raise DomainError(
            f"{number} is not a {CaseType.ZHI_FU.value} ({CaseType.ZHI_FU.code}) number; the higher court"
            f" numbers a reconsideration {CaseType.ZHI_FU.value}, e.g. {example}",
            zh=f"{number}不是执行复议案件（{CaseType.ZHI_FU.code}）案号；上级法院以“{CaseType.ZHI_FU.code}”"
            f"字号编立复议案件，如{example}",
            field="caseNumber",
            code=ErrorCode.INVALID,
        )
    if court_level(number.court_code) is CourtLevel.BASIC:
        raise DomainError(
            f"{number} is a basic-level court's number; a reconsideration is heard by the higher "
            f"court (CPL 2023 art. 236), e.g. {example}",
            zh=f"{number}是基层法院的案号；执行复议由上级法院审查（民事诉讼法第二百三十六条），"
            f"应填写上级法院的复议案号，如{example}",
            field="caseNumber",
            code=ErrorCode.INVALID,
        )
    return str(number)


class AdjudicationOutcome(LabelledEnum):
    """How the adjudication team decides an application (the item's outcome)."""

    GRANTED = "GRANTED", "异议或申请成立"
    PARTLY_GRANTED = "PARTLY_GRANTED", "异议或申请部分成立"
    REJECTED = "REJECTED", "驳回异议或申请"
    WITHDRAWN = "WITHDRAWN", "准予撤回异议或申请"


class AdjudicationStatus(LabelledEnum):
    """Where an adjudication application stands: PENDING until decided, then its outcome."""

    PENDING = "PENDING", "待审查"
    GRANTED = AdjudicationOutcome.GRANTED.value, AdjudicationOutcome.GRANTED.label
    PARTLY_GRANTED = AdjudicationOutcome.PARTLY_GRANTED.value, AdjudicationOutcome.PARTLY_GRANTED.label
    REJECTED = AdjudicationOutcome.REJECTED.value, AdjudicationOutcome.REJECTED.label
    WITHDRAWN = AdjudicationOutcome.WITHDRAWN.value, AdjudicationOutcome.WITHDRAWN.label


# The review case closes with the method its decision gives (法发〔2014〕26号, the closing methods
# of execution-objection and reconsideration cases): a granted application closes it as one
# rejected does, each with its own method.
ADJUDICATION_CLOSING: Mapping[AdjudicationOutcome, ClosingMethod] = MappingProxyType(
    {
        AdjudicationOutcome.GRANTED: ClosingMethod.UPHELD,
        AdjudicationOutcome.PARTLY_GRANTED: ClosingMethod.PARTLY_UPHELD,
        AdjudicationOutcome.REJECTED: ClosingMethod.REJECTED,
        AdjudicationOutcome.WITHDRAWN: ClosingMethod.WITHDRAWN,
    }
)


# The statutory period in which each application is examined: the ADJUDICATION_REVIEW deadline
# rule's variant (the rule rows carry the count, the day kind and the source).
REVIEW_PERIOD_VARIANT: Mapping[AdjudicationKind, str] = MappingProxyType(
    {kind: kind.value for kind in AdjudicationKind}
)
