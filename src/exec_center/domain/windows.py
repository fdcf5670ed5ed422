"""The public posts and online channels (work rules, Chapter 1): visits, first contact,
materials, verified disclosure, petitions and online messages — the rules, as data."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType

from .case_numbers import CaseType
from .errors import DomainError, ErrorCode
from .labels import LabelledEnum
from .lifecycle import ClosingMethod
from .organisation import Channel


class VisitPurpose(LabelledEnum):
    VOLUNTARY_PERFORMANCE = "VOLUNTARY_PERFORMANCE", "主动履行"
    CASE_STATUS_QUERY = "CASE_STATUS_QUERY", "查询案件进展"
    JUDGE_CONTACT = "JUDGE_CONTACT", "联系承办法官"
    RESUME_EXECUTION = "RESUME_EXECUTION", "申请恢复执行"
    PETITION = "PETITION", "执行信访"
    FILING = "FILING", "申请执行立案"
    MATERIALS = "MATERIALS", "递交材料"
    OTHER = "OTHER", "其他事务"


_P = VisitPurpose
# Art. 6: Affairs Handling does first contact, filing diversion and materials; Art. 10: the
# Consultation & Disclosure post takes the rest; Art. 11: the filing window files.
PURPOSES_BY_CHANNEL: Mapping[Channel, frozenset[VisitPurpose]] = MappingProxyType(
    {
        Channel.AFFAIRS_HANDLING: frozenset({_P.FILING, _P.MATERIALS, _P.OTHER}),
        Channel.CONSULTATION_DISCLOSURE: frozenset(
            {
                _P.VOLUNTARY_PERFORMANCE,
                _P.CASE_STATUS_QUERY,
                _P.JUDGE_CONTACT,
                _P.RESUME_EXECUTION,
                _P.PETITION,
                _P.OTHER,
            }
        ),
        Channel.EXECUTION_FILING: frozenset({_P.FILING, _P.MATERIALS, _P.OTHER}),
    }
)


class MessageClass(LabelledEnum):
    PROCEDURAL = "PROCEDURAL", "程序性事项"
    LEGAL_QUESTION = "LEGAL_QUESTION", "法律咨询"
    SUBSTANTIVE = "SUBSTANTIVE", "实体性事项"
    CASE_SPECIFIC = "CASE_SPECIFIC", "具体案件事项"


# Arts. 12–13: the window answers procedural and legal questions itself; substantive and
# case-specific ones need the handler to settle the reply's content first.
WINDOW_ANSWERS = frozenset({MessageClass.PROCEDURAL, MessageClass.LEGAL_QUESTION})

_CASE_NUMBER = re.compile(r"[（(]\d{4}[）)](?:最高法|[\u4e00-\u9fff](?:\d{2}){0,2})执")
_KEYWORDS: tuple[tuple[MessageClass, tuple[str, ...]], ...] = (
    (MessageClass.SUBSTANTIVE, ("异议", "不服", "投诉", "违法", "赔偿", "错误", "拍卖", "评估", "追加")),
    (
        MessageClass.PROCEDURAL,
        (
            "材料",
            "流程",
            "怎么办理",
            "如何申请",
            "需要带",
            "期限",
            "多久",
            "立案",
            "窗口",
            "上班时间",
            "进度查询",
        ),
    ),
    (MessageClass.LEGAL_QUESTION, ("法律", "规定", "是否可以", "能不能", "失信", "限高", "诉讼时效", "利息")),
)


def suggest_class(content: str, case_number: str | None = None) -> MessageClass:
    """A first guess for the clerk (who decides): case numbers make it case-specific,
    then keywords; questions default to procedural."""
    if case_number or _CASE_NUMBER.search(content):
        return MessageClass.CASE_SPECIFIC
    for message_class, words in _KEYWORDS:
        if any(word in content for word in words):
            return message_class
    return MessageClass.PROCEDURAL


class FirstContactReason(LabelledEnum):
    NO_ENFORCEABLE_TITLE = "NO_ENFORCEABLE_TITLE", "无生效执行依据"
    TITLE_NOT_EFFECTIVE = "TITLE_NOT_EFFECTIVE", "执行依据尚未生效"
    OUT_OF_TIME = "OUT_OF_TIME", "超过申请执行期间"
    NOT_THIS_COURT = "NOT_THIS_COURT", "不属本院管辖"
    NO_STANDING = "NO_STANDING", "申请人不适格"
    CONTENT_NOT_ENFORCEABLE = "CONTENT_NOT_ENFORCEABLE", "执行内容不明确、不具可执行性"
    ALREADY_FILED = "ALREADY_FILED", "重复申请"
    OTHER = "OTHER", "其他法定事由"


# Brute-force protection for verified disclosure (Art. 10(2)), counted per case and visitor (the
# document shown), so one visitor's mistakes hold up nobody else: after SLOW_AFTER failures in
# WINDOW_MINUTES each further attempt of that visitor on that case waits SLOW_SECONDS; after
# BLOCK_AFTER they are refused until the window has passed. Guessing documents against one case
# is stopped across visitors: CASE_BLOCK_AFTER failures on a case refuse every attempt on it.
WINDOW_MINUTES = 15
SLOW_AFTER = 3
SLOW_SECONDS = 30
BLOCK_AFTER = 5
CASE_BLOCK_AFTER = 10


# --- pure checks ------------------------------------------------------------------------


def check_purpose(channel: Channel, purpose: VisitPurpose) -> None:
    served = PURPOSES_BY_CHANNEL.get(channel)
    if served is None:
        raise DomainError(
            f"{channel.value} ({channel.label}) is an online channel; visits are recorded at the offline"
            " windows",
            zh=f"“{channel.label}”是线上渠道；来访只在线下窗口登记",
            field="windowId",
            code=ErrorCode.NOT_ALLOWED,
        )
    if purpose not in served:
        ordered = [p for p in VisitPurpose if p in served]
        allowed = ", ".join(f"{p.value} ({p.label})" for p in ordered)
        raise DomainError(
            f"the {channel.value} ({channel.label}) does not serve {purpose.value} ({purpose.label});"
            f" it serves: {allowed}",
            zh=f"“{channel.label}”不办理“{purpose.label}”；可办理：" + "、".join(p.label for p in ordered),
            field="purpose",
            code=ErrorCode.NOT_ALLOWED,
        )


@dataclass(frozen=True)
class GuardDecision:
    allowed: bool
    retry_after: datetime | None = None
    message: str = ""  # English
    zh: str = ""  # the same in zh-CN


def disclosure_guard(
    failures: int,
    last_failure: datetime | None,
    now: datetime,
    *,
    case_failures: int = 0,
    case_last_failure: datetime | None = None,
) -> GuardDecision:
    """Brute-force protection: `failures` are this visitor's failed attempts on this case in the
    last WINDOW_MINUTES, `case_failures` everyone's on this case."""
    def blocked(last: datetime, whose: str, whose_zh: str) -> GuardDecision:
        until = last + timedelta(minutes=WINDOW_MINUTES)
        shown = until.isoformat(timespec="minutes")
        return GuardDecision(
            False,
            until,
            f"too many failed verifications {whose}; verification is refused until {shown}",
            f"{whose_zh}身份核验失败次数过多；{shown} 之前不再受理核验",
        )

    if case_failures >= CASE_BLOCK_AFTER and case_last_failure is not None:
        return blocked(case_last_failure, "for this case", "本案")
    if failures >= BLOCK_AFTER and last_failure is not None:
        return blocked(last_failure, "by this visitor for this case", "该来访人就本案")
    if failures >= SLOW_AFTER and last_failure is not None:
        until = last_failure + timedelta(seconds=SLOW_SECONDS)
        if now < until:
            wait = int((until - now).total_seconds()) + 1
            return GuardDecision(
                False,
                until,
                f"several verifications failed; wait {wait} seconds before the next attempt",
                f"身份核验已多次失败；请等待 {wait} 秒后再试",
            )
    return GuardDecision(True)


class FirstContactStatus(LabelledEnum):
    OPEN = "OPEN", "待办结"
    CLOSED = "CLOSED", "已办结"


class PetitionStatus(LabelledEnum):
    OPEN = "OPEN", "待答复"
    ANSWERED = "ANSWERED", "已答复"


class VerifiedAs(LabelledEnum):
    """Whom a verified identity document matched on the case."""

    PARTY = "PARTY", "当事人"
    AGENT = "AGENT", "诉讼代理人"


class ResumptionGround(LabelledEnum):
    """Why execution resumes (恢复执行): CPL 2023 art. 241 and the SPC's opinions on filing and
    closing execution cases (法发〔2014〕26号, on 执恢 cases)."""

    SETTLEMENT_NOT_PERFORMED = "SETTLEMENT_NOT_PERFORMED", "一方当事人不履行或不完全履行执行和解协议"
    SETTLEMENT_BY_FRAUD_OR_DURESS = (
        "SETTLEMENT_BY_FRAUD_OR_DURESS",
        "申请执行人因受欺诈、胁迫与被执行人达成和解协议",
    )
    PROPERTY_FOUND = "PROPERTY_FOUND", "终结本次执行程序后发现被执行人有可供执行的财产"
    CONDITIONS_NOW_MET = "CONDITIONS_NOW_MET", "终结执行后申请执行的条件具备"


# Each ground and the closing methods of the original case it resumes. A case closed because of
# a settlement is closed 终结执行 (法发〔2014〕26号); one closed 终本 resumes when property is found
# (法〔2016〕373号 art. 9); one closed 终结执行 for another reason when the conditions for
# execution are met again.
RESUMPTION_GROUNDS: Mapping[ResumptionGround, frozenset[ClosingMethod]] = MappingProxyType(
    {
        ResumptionGround.SETTLEMENT_NOT_PERFORMED: frozenset({ClosingMethod.TERMINATED}),
        ResumptionGround.SETTLEMENT_BY_FRAUD_OR_DURESS: frozenset({ClosingMethod.TERMINATED}),
        ResumptionGround.PROPERTY_FOUND: frozenset({ClosingMethod.TERMINATED_CURRENT_PROCEDURE}),
        ResumptionGround.CONDITIONS_NOW_MET: frozenset({ClosingMethod.TERMINATED}),
    }
)


def check_resumable(
    case_type: CaseType,
    closing_method: ClosingMethod | None,
    ground: ResumptionGround = ResumptionGround.PROPERTY_FOUND,
) -> None:
    """Art. 10(4): execution of a closed 执 or 执恢 case resumes on one of the grounds of the law,
    each for the closing methods it follows (RESUMPTION_GROUNDS)."""
    if case_type not in (CaseType.ZHI, CaseType.ZHI_HUI) or closing_method is None:
        raise DomainError(
            f"execution resumes on a closed {CaseType.ZHI.value} or {CaseType.ZHI_HUI.value} case;"
            " this case is not one",
            zh=f"只有已结案的{CaseType.ZHI.label}或{CaseType.ZHI_HUI.label}才能恢复执行；本案不属于此类",
            field="caseNumber",
            code=ErrorCode.NOT_ALLOWED,
        )
    allowed = RESUMPTION_GROUNDS[ResumptionGround(ground)]
    if closing_method not in allowed:
        fitting = [g for g, methods in RESUMPTION_GROUNDS.items() if closing_method in methods]
        raise DomainError(
            f"the case was closed {closing_method.value} ({closing_method.label}); the ground "
            f"{ground.value} ({ground.label}) resumes a case closed "
            + " or ".join(f"{m.value} ({m.label})" for m in sorted(allowed))
            + (
                "; grounds that fit: " + ", ".join(f"{g.value} ({g.label})" for g in fitting)
                if fitting
                else "; no ground of CPL 2023 art. 241 or of SPC opinion Fa Fa [2014] No. 26 resumes it"
            ),
            zh=f"本案结案方式为“{closing_method.label}”；“{ground.label}”仅适用于以"
            + "或".join(f"“{m.label}”" for m in sorted(allowed))
            + "方式结案的案件"
            + (
                "；可适用的恢复执行事由：" + "、".join(f"“{g.label}”" for g in fitting)
                if fitting
                else "；民事诉讼法第二百四十一条及法发〔2014〕26号均未规定可恢复执行的事由"
            ),
            field="ground",
            code=ErrorCode.NOT_ALLOWED,
        )
