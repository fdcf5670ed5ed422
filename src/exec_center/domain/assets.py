"""Assets found by the concentrated query and the control measures taken on them
(work rules Arts. 14-15 and 19; 民诉法解释 2022 art. 485 for the legal periods).

Amounts are `Decimal` yuan: more than 0, at most 2 decimal places (fen) and at most 15 digits
before the point, the size of a NUMERIC(17, 2) column.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from types import MappingProxyType
from typing import Protocol

from .deadlines import add_years
from .errors import DomainError, ErrorCode
from .labels import LabelledEnum

__all__ = [
    "ALLOWED_MEASURES",
    "CIVIL_CODE_PERIOD_RULE",
    "DIVISIBLE_CATEGORIES",
    "MEASURE_PERIOD_RULE",
    "PRESERVATION_MEASURES",
    "QUERIED_CATEGORIES",
    "AssetCategory",
    "Coverage",
    "FindingOrigin",
    "MeasureKind",
    "MeasurePeriodRule",
    "MeasureStatus",
    "PeriodReading",
    "check_claim_amount",
    "check_effective_on",
    "check_measure",
    "check_measure_in_preservation",
    "check_release",
    "check_renewal",
    "check_within_claim",
    "control_coverage",
    "finding_holdings",
    "held_besides",
    "is_real_estate_for_tax_letter",
    "measure_expiry",
    "measure_period_years",
    "needs_pre_disposal",
    "renewal_variant",
]

MAX_INTEGER_DIGITS = 15
MAX_DECIMAL_PLACES = 2


class AssetCategory(LabelledEnum):
    BANK_DEPOSIT = "BANK_DEPOSIT", "银行存款"
    ONLINE_PAYMENT = "ONLINE_PAYMENT", "网络支付资金"
    REAL_ESTATE = "REAL_ESTATE", "不动产"
    VEHICLE = "VEHICLE", "车辆"
    SECURITIES = "SECURITIES", "证券"
    SHIP = "SHIP", "船舶"
    RURAL_BANK_SHARES = "RURAL_BANK_SHARES", "农商银行股金"
    MOVABLES = "MOVABLES", "机器设备等动产"
    OTHER_RIGHTS = "OTHER_RIGHTS", "其他财产权"


# The concentrated query (Art. 14) sends one query per category; machinery and other movables
# are not registered anywhere a network query can reach, they are found offline.
QUERIED_CATEGORIES: frozenset[AssetCategory] = frozenset(AssetCategory) - {AssetCategory.MOVABLES}


class MeasureKind(LabelledEnum):
    FREEZE = "FREEZE", "冻结"
    SEAL = "SEAL", "查封"
    SEIZE = "SEIZE", "扣押"
    DEDUCT = "DEDUCT", "扣划"


_C = AssetCategory
_K = MeasureKind
_FUNDS = frozenset({_K.FREEZE, _K.DEDUCT})
_TANGIBLE = frozenset({_K.SEAL, _K.SEIZE})
_RIGHTS = frozenset({_K.FREEZE})

ALLOWED_MEASURES: Mapping[AssetCategory, frozenset[MeasureKind]] = MappingProxyType(
    {
        _C.BANK_DEPOSIT: _FUNDS,
        _C.ONLINE_PAYMENT: _FUNDS,
        _C.REAL_ESTATE: frozenset({_K.SEAL}),
        _C.VEHICLE: _TANGIBLE,
        _C.SHIP: _TANGIBLE,
        _C.MOVABLES: _TANGIBLE,
        _C.SECURITIES: _RIGHTS,
        _C.RURAL_BANK_SHARES: _RIGHTS,
        _C.OTHER_RIGHTS: _RIGHTS,
    }
)

# A preservation (执保) case may only hold property: 查封、扣押、冻结 (CPL 2023 art. 106).
# Deduction (扣划) takes the money and needs the 执 case filed on conversion.
PRESERVATION_MEASURES: frozenset[MeasureKind] = frozenset({_K.FREEZE, _K.SEAL, _K.SEIZE})

# Divisible assets (funds): a freeze or deduction of part of them is possible, so the amount is
# capped at what is still uncontrolled of the claim (《最高人民法院关于人民法院民事执行中查封、
# 扣押、冻结财产的规定》 art. 19). Other property is indivisible: it may be sealed whole even if
# worth more than the claim, with the reason recorded.
DIVISIBLE_CATEGORIES: frozenset[AssetCategory] = frozenset({_C.BANK_DEPOSIT, _C.ONLINE_PAYMENT})

MAX_REASON_LENGTH = 500

# Legal period of each holding measure (民诉法解释 art. 485), by the variant of the
# MEASURE_RENEWAL deadline rule that reminds to renew it (续行) before it lapses. Online payment
# funds are frozen like bank deposits; ships are movables. DEDUCT takes the money: no period.
_BANK_DEPOSIT, _MOVABLES, _REAL_ESTATE_OR_RIGHTS = "BANK_DEPOSIT", "MOVABLES", "REAL_ESTATE_OR_RIGHTS"
_PERIOD_YEARS: Mapping[str, int] = MappingProxyType(
    {
        _BANK_DEPOSIT: 1,
        _MOVABLES: 2,
        _REAL_ESTATE_OR_RIGHTS: 3,
    }
)
_VARIANT_BY_CATEGORY: Mapping[AssetCategory, str] = MappingProxyType(
    {
        _C.BANK_DEPOSIT: _BANK_DEPOSIT,
        _C.ONLINE_PAYMENT: _BANK_DEPOSIT,
        _C.VEHICLE: _MOVABLES,
        _C.SHIP: _MOVABLES,
        _C.MOVABLES: _MOVABLES,
        _C.REAL_ESTATE: _REAL_ESTATE_OR_RIGHTS,
        _C.SECURITIES: _REAL_ESTATE_OR_RIGHTS,
        _C.RURAL_BANK_SHARES: _REAL_ESTATE_OR_RIGHTS,
        _C.OTHER_RIGHTS: _REAL_ESTATE_OR_RIGHTS,
    }
)


def _describe(items: Iterable[LabelledEnum]) -> str:
    return ", ".join(f"{item.value} ({item.label})" for item in items)


def _describe_zh(items: Iterable[LabelledEnum]) -> str:
    return "、".join(item.label for item in items)


def _check_allowed(category: AssetCategory, measure: MeasureKind) -> tuple[AssetCategory, MeasureKind]:
    category = AssetCategory(category)
    allowed = ALLOWED_MEASURES[category]
    if measure in MeasureKind.__members__ and MeasureKind(measure) in allowed:
        return category, MeasureKind(measure)
    ordered = [m for m in MeasureKind if m in allowed]
    shown = f"{measure.value} ({measure.label})" if isinstance(measure, MeasureKind) else repr(measure)
    shown_zh = f"“{measure.label}”" if isinstance(measure, MeasureKind) else repr(measure)
    raise DomainError(
        f"{shown} cannot be applied to {category.value} ({category.label});"
        f" allowed measures: {_describe(ordered)}",
        zh=f"对“{category.label}”不能采取{shown_zh}措施；可采取的措施：{_describe_zh(ordered)}",
        field="measure",
        code=ErrorCode.INVALID,
    )


def renewal_variant(category: AssetCategory, measure: MeasureKind) -> str | None:
    """The MEASURE_RENEWAL rule variant for this measure: "BANK_DEPOSIT", "MOVABLES" or
    "REAL_ESTATE_OR_RIGHTS"; None for DEDUCT, which is not renewed."""
    category, measure = _check_allowed(category, measure)
    if measure is MeasureKind.DEDUCT:
        return None
    return _VARIANT_BY_CATEGORY[category]


def measure_period_years(category: AssetCategory, measure: MeasureKind) -> int | None:
    """Legal period in years (1, 2 or 3); None for DEDUCT. DomainError if not allowed."""
    variant = renewal_variant(category, measure)
    return None if variant is None else _PERIOD_YEARS[variant]


class FindingOrigin(LabelledEnum):
    """How an asset finding came into the case's file."""

    QUERY = "QUERY", "网络查控反馈"
    MANUAL = "MANUAL", "人工录入"
    IMPORT = "IMPORT", "从查控系统导入"


class MeasureStatus(LabelledEnum):
    """Where a control measure stands (《最高人民法院关于人民法院民事执行中查封、扣押、冻结财产
    的规定》(2020) arts. 27–28; 民诉法解释 2022 art. 485)."""

    IN_FORCE = "IN_FORCE", "有效"
    RENEWED = "RENEWED", "已续行"
    RELEASED = "RELEASED", "已解除"
    LAPSED = "LAPSED", "期满失效"
    ENDED = "ENDED", "已终止"


class PeriodReading(LabelledEnum):
    """How the day a measure took effect counts in its period of N years."""

    FROM_EFFECTIVE_DAY = "FROM_EFFECTIVE_DAY", "自生效之日起算（含当日）"
    CIVIL_CODE = "CIVIL_CODE", "自次日起算（民法典第二百零一条、第二百零二条）"


class RestDays(Protocol):
    def working_day_on_or_after(self, d: date) -> date: ...


@dataclass(frozen=True)
class MeasurePeriodRule:
    """How the last day of a control measure is counted: the law leaves a choice, so it is a rule.

    The periods are maxima ("不得超过", 民诉法解释 2022 art. 485 para. 1): the court may set a
    shorter one, and the notice to the bank or registry states it "自…起至…止". 民法典 art. 204
    applies arts. 201–203 unless other law provides otherwise; art. 485 does not say how to count.

    - `reading` FROM_EFFECTIVE_DAY (the default): the measure holds from the day it took effect
      and ends the day before the same date N years on, the way the notices state it; one day
      shorter than the Civil Code's count, so it never exceeds the legal maximum on any reading.
      CIVIL_CODE: arts. 201–202 — the effective day does not count, the period ends on the
      corresponding day N years on, the month's last day when there is none (29 February → 28).
    - `past_holidays` False (the default): a last day on a weekend or public holiday stays. The
      measure's effect ends (SPC provisions (2020) art. 27), it is not a time limit for a party's
      act, and art. 485 para. 2 asks for the renewal *before* expiry: the earlier day is the safe
      one. True applies 民法典 art. 203 (the day after the holiday becomes the last day).

    The default keeps the renewal deadline on the earliest day any reading gives, so a renewal
    made by it is never late; `CIVIL_CODE_PERIOD_RULE` is the literal reading of arts. 201–203.
    """

    reading: PeriodReading = PeriodReading.FROM_EFFECTIVE_DAY
    past_holidays: bool = False

    @property
    def source(self) -> str:
        return (
            "民法典第二百零一条至第二百零四条；最高人民法院关于适用《中华人民共和国民事诉讼法》的解释"
            "（2022）第四百八十五条"
        )


MEASURE_PERIOD_RULE = MeasurePeriodRule()
CIVIL_CODE_PERIOD_RULE = MeasurePeriodRule(PeriodReading.CIVIL_CODE, past_holidays=True)


def measure_expiry(
    category: AssetCategory,
    measure: MeasureKind,
    starts_on: date,
    rule: MeasurePeriodRule = MEASURE_PERIOD_RULE,
    calendar: RestDays | None = None,
) -> date | None:
    """The last day the measure holds at the longest legal period; None for DEDUCT.

    By default (`MEASURE_PERIOD_RULE`) the measure holds from `starts_on` itself (notices read
    "自…起至…止"), so it ends on the day before the same date N years on: freeze 2024-03-01 →
    2025-02-28, 2023-03-01 → 2024-02-29. From 29 February "the same date" in a common year is
    28 February (`deadlines.add_years`; 民法典 art. 202's month end): seal 2024-02-29 →
    2027-02-27. No moving past holidays: the measure lapses on that date, so it must be renewed
    by then. Under `CIVIL_CODE_PERIOD_RULE` (民法典 arts. 201–203) freeze 2024-03-01 ends on
    2025-03-01, a Saturday, so on Monday 2025-03-03 (`calendar` is then required).
    """
    years = measure_period_years(category, measure)
    if years is None:
        return None
    end = add_years(starts_on, years)
    if rule.reading is PeriodReading.FROM_EFFECTIVE_DAY:
        end -= timedelta(days=1)
    if rule.past_holidays:
        if calendar is None:
            raise ValueError("moving the last day past holidays needs the court calendar")
        end = calendar.working_day_on_or_after(end)
    return end


def check_effective_on(effective_on: date | None, today: date, received_on: date) -> date:
    """The day a new measure took effect (the bank's or registry's date, entered by the officer):
    today by default; not in the future, not before the case was received."""
    day = today if effective_on is None else effective_on
    if day > today:
        raise DomainError(
            f"the measure cannot have taken effect on {day}: that is after today ({today});"
            " enter the date the bank or registry gave",
            zh=f"措施生效日期不能为 {day}：晚于今日（{today}）；请填写银行或登记机关确认的生效日期",
            field="effectiveOn",
            code=ErrorCode.OUT_OF_RANGE,
        )
    if day < received_on:
        raise DomainError(
            f"the measure cannot have taken effect on {day}: the case was received on"
            f" {received_on}; enter a day from {received_on} to {today}",
            zh=f"措施生效日期不能为 {day}：本案收案日期为 {received_on}；请填写 {received_on} 至 {today}"
            " 之间的日期",
            field="effectiveOn",
            code=ErrorCode.OUT_OF_RANGE,
        )
    return day


_WHAT_ZH = {"renewed": "续行", "released": "解除"}


def _not_in_force(status: MeasureStatus, expires_on: date | None, today: date, what: str) -> None:
    status = MeasureStatus(status)
    what_zh = _WHAT_ZH.get(what, what)
    if status is not MeasureStatus.IN_FORCE:
        raise DomainError(
            f"the measure is {status.value} ({status.label}); only a measure IN_FORCE can be {what}",
            zh=f"该措施当前状态为“{status.label}”；只有“{MeasureStatus.IN_FORCE.label}”的措施才能{what_zh}",
            field="measureId",
            code=ErrorCode.NOT_ALLOWED_IN_STAGE,
        )
    if expires_on is not None and today > expires_on:
        raise DomainError(
            f"the measure expired on {expires_on} and was not renewed: it has lapsed (SPC provisions"
            f" on seizure, sealing and freezing in civil execution (2020), art. 27); take a new measure",
            zh=f"该措施已于 {expires_on} 到期且未续行，已失效（《最高人民法院关于人民法院民事执行中查封、"
            f"扣押、冻结财产的规定》第二十七条）；请重新采取控制措施",
            field="measureId",
            code=ErrorCode.NOT_ALLOWED,
        )


def check_renewal(
    *,
    category: AssetCategory,
    measure: MeasureKind,
    status: MeasureStatus,
    starts_on: date,
    expires_on: date | None,
    today: date,
    effective_on: date | None,
    asked_expiry: date | None,
    rule: MeasurePeriodRule = MEASURE_PERIOD_RULE,
    calendar: RestDays | None = None,
) -> tuple[date, date]:
    """The (starts_on, expires_on) of a renewal (续行) of a measure, or a DomainError.

    民诉法解释 2022 art. 485 para. 2: renewed *before* the period ends (on its last day at the
    latest), for no longer than the period of para. 1. The renewal takes effect the day after
    the old expiry unless the officer enters the day the bank or registry renewed it, which may
    be earlier (the new period then starts sooner) but never later: no gap without control.
    """
    if MeasureKind(measure) is MeasureKind.DEDUCT or expires_on is None:
        raise DomainError(
            "a deduction (DEDUCT) takes the funds; it has no period and is not renewed",
            zh="扣划是将款项划拨，没有期限，不能续行",
            field="measureId",
            code=ErrorCode.NOT_ALLOWED,
        )
    _not_in_force(status, expires_on, today, "renewed")
    latest = expires_on + timedelta(days=1)
    start = latest if effective_on is None else effective_on
    if start > latest:
        raise DomainError(
            f"a renewal taking effect on {start} leaves the asset uncontrolled after {expires_on};"
            f" it takes effect on {latest} at the latest",
            zh=f"续行自 {start} 生效将使财产在 {expires_on} 之后脱离控制；续行最迟应于 {latest} 生效",
            field="effectiveOn",
            code=ErrorCode.OUT_OF_RANGE,
        )
    if start <= starts_on:
        raise DomainError(
            f"a renewal takes effect after the measure it renews (from {starts_on}); enter a day"
            f" from {starts_on + timedelta(days=1)} to {latest}",
            zh=f"续行应晚于原措施生效（{starts_on}）；请填写 {starts_on + timedelta(days=1)} 至 {latest}"
            " 之间的日期",
            field="effectiveOn",
            code=ErrorCode.OUT_OF_RANGE,
        )
    longest = measure_expiry(category, measure, start, rule, calendar)
    assert longest is not None
    end = longest if asked_expiry is None else asked_expiry
    if end > longest:
        years = measure_period_years(category, measure)
        raise DomainError(
            f"a renewal is at most the legal period of {years} year(s) (SPC interpretation of the CPL"
            f" 2022, art. 485): from {start} it ends on {longest} at the latest",
            zh=f"续行期限不得超过法定期限 {years} 年（民诉法解释第四百八十五条）：自 {start} 起"
            f"最迟至 {longest}",
            field="expiresOn",
            code=ErrorCode.OUT_OF_RANGE,
        )
    if end < start:
        raise DomainError(
            f"the renewal cannot end ({end}) before it starts ({start})",
            zh=f"续行的到期日（{end}）不能早于生效日（{start}）",
            field="expiresOn",
            code=ErrorCode.OUT_OF_RANGE,
        )
    return start, end


def check_release(
    *,
    status: MeasureStatus,
    starts_on: date,
    expires_on: date | None,
    today: date,
    released_on: date | None,
    reason: str | None,
) -> tuple[date, str]:
    """The (released_on, reason) of a release (解除) of a measure in force, or a DomainError.

    SPC provisions on seizure, sealing and freezing in civil execution (2020), art. 28: the
    court rules the release and, for a registered measure, sends the registry a notice."""
    _not_in_force(status, expires_on, today, "released")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(
            "give the reason for the release (e.g. the debt was paid, security was given; SPC"
            " provisions on seizure, sealing and freezing in civil execution (2020), art. 28)",
            zh="请填写解除理由（如债务已清偿、已提供担保；《最高人民法院关于人民法院民事执行中查封、扣押、"
            "冻结财产的规定》第二十八条）",
            field="reason",
            code=ErrorCode.REQUIRED,
        )
    if len(reason) > MAX_REASON_LENGTH:
        raise DomainError(
            f"the reason is at most {MAX_REASON_LENGTH} characters",
            zh=f"解除理由不能超过 {MAX_REASON_LENGTH} 个字",
            field="reason",
            code=ErrorCode.OUT_OF_RANGE,
        )
    day = today if released_on is None else released_on
    if day > today:
        raise DomainError(
            f"the release cannot take effect after today ({today})",
            zh=f"解除日期不能晚于今日（{today}）",
            field="releasedOn",
            code=ErrorCode.OUT_OF_RANGE,
        )
    if day < starts_on:
        raise DomainError(
            f"the release cannot take effect before the measure did ({starts_on})",
            zh=f"解除日期不能早于措施生效日期（{starts_on}）",
            field="releasedOn",
            code=ErrorCode.OUT_OF_RANGE,
        )
    return day, reason


def _check_money(amount: Decimal, *, field: str, what: str, what_zh: str) -> None:
    if not isinstance(amount, Decimal):
        raise TypeError(f"{what} must be a Decimal, got {type(amount).__name__}")
    allowed = (
        f"it must be more than 0 yuan, with at most {MAX_DECIMAL_PLACES} decimal places"
        f" and at most {MAX_INTEGER_DIGITS} digits before the decimal point"
    )
    allowed_zh = f"应大于 0 元，小数不超过 {MAX_DECIMAL_PLACES} 位，整数部分不超过 {MAX_INTEGER_DIGITS} 位"
    code = ErrorCode.OUT_OF_RANGE
    if not amount.is_finite():
        problem, problem_zh, code = "it is not a number", "不是数字", ErrorCode.BAD_FORMAT
    elif amount <= 0:
        problem, problem_zh = "it is 0 or less", "小于或等于 0"
    elif amount >= Decimal(10) ** MAX_INTEGER_DIGITS:
        problem = f"it has more than {MAX_INTEGER_DIGITS} digits before the decimal point"
        problem_zh = f"整数部分超过 {MAX_INTEGER_DIGITS} 位"
    elif -amount.normalize().as_tuple().exponent > MAX_DECIMAL_PLACES:  # "1.50" is fine
        problem = f"it has more than {MAX_DECIMAL_PLACES} decimal places"
        problem_zh = f"小数超过 {MAX_DECIMAL_PLACES} 位"
    else:
        return
    raise DomainError(
        f"{what} is not valid: {problem}; {allowed}",
        zh=f"{what_zh}不符合要求：{problem_zh}；{allowed_zh}",
        field=field,
        code=code,
    )


def check_claim_amount(amount: Decimal, field: str = "claimAmount") -> None:
    """The amount to be executed (申请执行金额): a positive yuan amount in fen."""
    _check_money(amount, field=field, what="the claim amount", what_zh="申请执行标的额")


def check_measure(
    category: AssetCategory,
    measure: MeasureKind,
    amount: Decimal,
    finding_value: Decimal | None,
    already_controlled: Decimal,
) -> None:
    """Refuse a control measure the law or the finding does not allow (Art. 15).

    `finding_value` is the value the query result reports for the asset (None if unknown:
    real estate before valuation, say); `already_controlled` is what other measures in force
    already hold on the same finding, not counting a measure this one replaces (deducting
    frozen funds replaces their freeze).
    """
    _check_allowed(category, measure)
    _check_money(amount, field="amount", what="the amount to control", what_zh="控制金额")
    if finding_value is None:
        return
    remaining = max(finding_value - already_controlled, Decimal(0))
    if amount + already_controlled > finding_value:
        if remaining == 0:
            left, left_zh = "nothing is left to control on it", "已无可再控制的部分"
        else:
            left = f"at most {remaining} yuan may still be controlled"
            left_zh = f"最多还可控制 {remaining} 元"
        raise DomainError(
            f"the amount to control ({amount} yuan) is more than the asset holds: it is worth"
            f" {finding_value} yuan and {already_controlled} yuan of it is already controlled,"
            f" so {left}",
            zh=f"控制金额（{amount} 元）超过该财产的价值：该财产价值 {finding_value} 元，其中"
            f" {already_controlled} 元已被控制，{left_zh}",
            field="amount",
            code=ErrorCode.OUT_OF_RANGE,
        )


def check_measure_in_preservation(measure: MeasureKind) -> None:
    """Refuse a measure a preservation (执保) case may not take (CPL 2023 art. 106): only
    查封、扣押、冻结; 扣划 waits for the 执 case filed on conversion."""
    if MeasureKind(measure) in PRESERVATION_MEASURES:
        return
    ordered = [m for m in MeasureKind if m in PRESERVATION_MEASURES]
    raise DomainError(
        f"{measure.value} ({measure.label}) is not allowed in a preservation (ZHI_BAO) case: preservation"
        f" only holds property (CPL 2023 art. 106), allowed measures: {_describe(ordered)};"
        " deduct the funds in the enforcement (ZHI) case after conversion",
        zh=f"执行保全案件不能采取“{measure.label}”措施：保全仅控制财产（民事诉讼法第一百零六条），"
        f"可采取的措施：{_describe_zh(ordered)}；扣划款项请在转执行立案后的执行案件中办理",
        field="measure",
        code=ErrorCode.NOT_ALLOWED,
    )


def check_within_claim(
    category: AssetCategory, amount: Decimal, uncontrolled: Decimal, reason: str | None
) -> str | None:
    """Refuse control clearly beyond the claim (SPC provisions on seizure, sealing and freezing
    in civil execution, art. 19); return the reason to record, if any.

    `uncontrolled` is what is still uncontrolled of the claim before this measure. Funds
    (`DIVISIBLE_CATEGORIES`) are capped at it. An indivisible asset may be controlled for more,
    whole, only with `reason` (field `excessReason`) saying why; within the claim no reason is
    needed and none is kept.
    """
    uncontrolled = max(uncontrolled, Decimal(0))
    reason = (reason or "").strip() or None
    if reason is not None and len(reason) > MAX_REASON_LENGTH:
        raise DomainError(
            f"excessReason is at most {MAX_REASON_LENGTH} characters",
            zh=f"超标的控制理由不能超过 {MAX_REASON_LENGTH} 个字",
            field="excessReason",
            code=ErrorCode.OUT_OF_RANGE,
        )
    if amount <= uncontrolled:
        return None
    left = f"{uncontrolled} yuan of the claim is still uncontrolled"
    beyond_zh = f"控制金额（{amount} 元）超出执行标的：尚未控制的标的额为 {uncontrolled} 元"
    rule_zh = "《最高人民法院关于人民法院民事执行中查封、扣押、冻结财产的规定》第十九条"
    if AssetCategory(category) in DIVISIBLE_CATEGORIES:
        raise DomainError(
            f"the amount to control ({amount} yuan) is beyond the claim: {left}; funds are"
            f" controlled up to that amount only (SPC provisions on seizure, sealing and freezing"
            f" in civil execution, art. 19)",
            zh=f"{beyond_zh}；款项只能在该金额内控制（{rule_zh}）",
            field="amount",
            code=ErrorCode.OUT_OF_RANGE,
        )
    if reason is None:
        raise DomainError(
            f"the amount to control ({amount} yuan) is beyond the claim: {left}; an indivisible"
            f" asset may be controlled whole only with the reason recorded in excessReason (SPC"
            f" provisions on seizure, sealing and freezing in civil execution, art. 19)",
            zh=f"{beyond_zh}；不可分物须填写超标的控制理由后方可整体控制（{rule_zh}）",
            field="excessReason",
            code=ErrorCode.REQUIRED,
        )
    return reason


def finding_holdings(measures: Iterable[tuple[MeasureKind, Decimal]]) -> tuple[Decimal, Decimal]:
    """What the measures on one finding hold, taken in the order given: (held, still frozen).

    Deducting (扣划) takes frozen funds first: the deduction replaces that much of the freeze
    instead of adding to it, so freezing 1,000 and then deducting the same 1,000 holds 1,000.
    """
    held = frozen = Decimal(0)
    for kind, amount in measures:
        kind = MeasureKind(kind)
        if kind is MeasureKind.DEDUCT:
            replaced = min(frozen, amount)
            frozen -= replaced
            held -= replaced
        elif kind is MeasureKind.FREEZE:
            frozen += amount
        held += amount
    return held, frozen


def held_besides(
    measures: Iterable[tuple[MeasureKind, Decimal]], measure: MeasureKind, amount: Decimal
) -> Decimal:
    """`already_controlled` for `check_measure`: what the finding's measures hold, less what the
    new measure replaces (the frozen funds a deduction takes)."""
    held, frozen = finding_holdings(measures)
    if MeasureKind(measure) is MeasureKind.DEDUCT:
        return held - min(frozen, amount)
    return held


@dataclass(frozen=True)
class Coverage:
    """How far the control measures cover the claim (足额查控 when fully_controlled)."""

    controlled_total: Decimal
    claim_amount: Decimal
    fully_controlled: bool
    shortfall: Decimal  # 0 when fully controlled


def control_coverage(claim_amount: Decimal, amounts: Iterable[Decimal]) -> Coverage:
    """Sum the controlled amounts (measures in force) against the claim."""
    total = sum(amounts, Decimal(0)).quantize(Decimal("0.01"))  # in fen, as stored: "0.00"
    return Coverage(
        controlled_total=total,
        claim_amount=claim_amount,
        fully_controlled=total >= claim_amount,
        shortfall=max(claim_amount - total, Decimal(0)),
    )


# --- Art. 19: property to hand over for pre-disposal, and the tax-bureau letter -------------


def needs_pre_disposal(
    category: AssetCategory,
    *,
    disposable: bool,
    first_seal: bool = False,
    respondent_holds_mortgage: bool = False,
    measures: Iterable[MeasureKind] = (),
) -> bool:
    """Whether the finding goes on the pre-disposal property list (预处置财产清单, Art. 19).

    Only property the centre judged disposable (可处置财产), and of the kinds Art. 19 lists:
    - real estate first sealed by this court (`first_seal`) or on which the respondent holds a
      mortgage (`respondent_holds_mortgage`, the English rendering of "被执行人有抵押权的");
    - rural-bank shares first frozen by this court (`first_seal` again: this court's measure
      came first);
    - movables (vehicles, ships, machinery) already seized (SEIZE among `measures`, the
      measures in force on it). Sealed but not seized movables stay with the respondent.
    """
    if not disposable:
        return False
    category = AssetCategory(category)
    if category is AssetCategory.REAL_ESTATE:
        return first_seal or respondent_holds_mortgage
    if category is AssetCategory.RURAL_BANK_SHARES:
        return first_seal
    if category in (AssetCategory.VEHICLE, AssetCategory.SHIP, AssetCategory.MOVABLES):
        return MeasureKind.SEIZE in set(measures)
    return False


def is_real_estate_for_tax_letter(
    category: AssetCategory, *, disposable: bool, first_seal: bool, respondent_holds_mortgage: bool
) -> bool:
    """Whether offline investigation found real estate that needs the benchmark-price letter to
    the county tax bureau (Art. 19 para. 2: "上列可处置不动产", the real estate listed in para. 1).
    """
    return AssetCategory(category) is AssetCategory.REAL_ESTATE and needs_pre_disposal(
        category,
        disposable=disposable,
        first_seal=first_seal,
        respondent_holds_mortgage=respondent_holds_mortgage,
    )
