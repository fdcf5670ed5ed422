"""Issue 11's rules as plain domain functions: the measures a 执保 case may take (CPL 2023
art. 106), control within the claim (SPC provisions on seizure, sealing and freezing in civil
execution, art. 19), the title a 执 case needs, and how a 执保 case closes on conversion
(法发〔2014〕26号)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from exec_center.domain.assets import (
    ALLOWED_MEASURES,
    DIVISIBLE_CATEGORIES,
    PRESERVATION_MEASURES,
    AssetCategory,
    MeasureKind,
    check_measure_in_preservation,
    check_within_claim,
)
from exec_center.domain.case_numbers import CaseType
from exec_center.domain.errors import DomainError, ErrorCode
from exec_center.domain.intake import TitleKind
from exec_center.domain.lifecycle import (
    CLOSING_CONDITIONS,
    CLOSING_METHODS,
    CaseStage,
    ClosingFacts,
    ClosingMethod,
    add_months,
    check_closing_conditions,
    check_executable_title,
    preservation_closing_method,
)

C, K = AssetCategory, MeasureKind


def test_preservation_holds_property_only() -> None:
    assert PRESERVATION_MEASURES == {K.FREEZE, K.SEAL, K.SEIZE}
    for measure in PRESERVATION_MEASURES:
        check_measure_in_preservation(measure)
    with pytest.raises(DomainError) as refused:
        check_measure_in_preservation(K.DEDUCT)
    assert (refused.value.field, refused.value.code) == ("measure", ErrorCode.NOT_ALLOWED)
    assert "art. 106" in refused.value.message
    # Every category can still be controlled in a 执保 case: deduction is never the only measure.
    for category, allowed in ALLOWED_MEASURES.items():
        assert allowed & PRESERVATION_MEASURES, category


@pytest.mark.parametrize("category", sorted(DIVISIBLE_CATEGORIES, key=lambda c: c.value))
def test_funds_are_capped_at_the_uncontrolled_claim(category: AssetCategory) -> None:
    assert check_within_claim(category, D("125000.00"), D("125000.00"), None) is None
    with pytest.raises(DomainError) as refused:
        check_within_claim(category, D("1000000.00"), D("125000.00"), None)
    assert refused.value.field == "amount"
    assert "125000.00 yuan of the claim is still uncontrolled" in refused.value.message
    # A reason does not let funds go beyond the claim: they are divisible.
    with pytest.raises(DomainError):
        check_within_claim(category, D("125000.01"), D("125000.00"), "理由")


@pytest.mark.parametrize("category", sorted(set(C) - DIVISIBLE_CATEGORIES, key=lambda c: c.value))
def test_an_indivisible_asset_goes_beyond_only_with_a_reason(category: AssetCategory) -> None:
    assert check_within_claim(category, D("95000.00"), D("95000.00"), "  ") is None
    assert check_within_claim(category, D("95000.00"), D("95000.00"), "不需要") is None  # not kept
    with pytest.raises(DomainError) as refused:
        check_within_claim(category, D("680000.00"), D("95000.00"), " ")
    assert refused.value.field == "excessReason"
    assert "95000.00 yuan of the claim is still uncontrolled" in refused.value.message
    assert check_within_claim(category, D("680000.00"), D("95000.00"), " 房屋不可分 ") == "房屋不可分"
    # Nothing left of the claim (or less than nothing): every amount is beyond it.
    with pytest.raises(DomainError, match="0 yuan of the claim"):
        check_within_claim(category, D("1.00"), D("-5.00"), None)
    with pytest.raises(DomainError) as refused:
        check_within_claim(category, D("680000.00"), D("95000.00"), "x" * 501)
    assert refused.value.field == "excessReason"


@pytest.mark.parametrize("kind", list(TitleKind))
def test_a_zhi_case_needs_an_effective_title(kind: TitleKind) -> None:
    if kind is TitleKind.PRESERVATION_RULING:
        with pytest.raises(DomainError) as refused:
            check_executable_title(kind.value, None)
        assert (refused.value.field, refused.value.code) == ("caseId", ErrorCode.NOT_ALLOWED)
        assert "record the effective judgment first" in refused.value.message
    else:
        assert check_executable_title(kind.value, None) is kind
        # The effective title recorded on the case wins over its preservation ruling.
        assert check_executable_title(TitleKind.PRESERVATION_RULING.value, kind.value) is kind


def test_a_preservation_case_closes_by_what_was_controlled() -> None:
    assert preservation_closing_method(D("125000.00"), True) is ClosingMethod.PRESERVATION_COMPLETED
    assert preservation_closing_method(D("0.01"), False) is ClosingMethod.PARTLY_PRESERVED
    assert preservation_closing_method(D("0"), False) is ClosingMethod.NOTHING_TO_PRESERVE
    labels = [m.label for m in (ClosingMethod.PRESERVATION_COMPLETED, ClosingMethod.PARTLY_PRESERVED,
                                ClosingMethod.NOTHING_TO_PRESERVE)]
    assert labels == ["保全完毕", "部分保全", "无标的物可实施保全"]
    for method in (ClosingMethod.PRESERVATION_COMPLETED, ClosingMethod.PARTLY_PRESERVED,
                   ClosingMethod.NOTHING_TO_PRESERVE):
        assert method in CLOSING_METHODS[CaseType.ZHI_BAO]


# --- 终本 (法〔2016〕373号 art. 1) -------------------------------------------------------------


def facts(**change) -> ClosingFacts:
    base = dict(stage=CaseStage.ENFORCING, filed_on=date(2024, 2, 8), today=date(2024, 5, 9),
                query_completed=True, investigated=True, applicant_informed=True)
    return ClosingFacts(**(base | change))


TCP = ClosingMethod.TERMINATED_CURRENT_PROCEDURE


def test_terminating_the_current_procedure_when_every_condition_holds() -> None:
    check_closing_conditions(TCP, facts())
    assert [c.code for c in CLOSING_CONDITIONS[TCP]] == [
        "ENFORCING", "MORE_THAN_THREE_MONTHS", "PROPERTY_INVESTIGATED", "APPLICANT_INFORMED"]
    assert all("373号" in c.source for c in CLOSING_CONDITIONS[TCP])
    # The other methods have no conditions beyond the case type.
    for method in set(ClosingMethod) - {TCP}:
        check_closing_conditions(method, facts(stage=CaseStage.FAST_CLOSING, today=date(2024, 2, 8)))


@pytest.mark.parametrize(("change", "says"), [
    ({"stage": CaseStage.FAST_CLOSING}, "not a fast-closing outcome"),
    ({"today": date(2024, 5, 8)}, "possible from 2024-05-09"),
    ({"today": date(2024, 2, 8)}, "more than three months since the filing on 2024-02-08"),
    ({"filed_on": date(2023, 11, 30), "today": date(2024, 2, 29)}, "possible from 2024-03-01"),
    ({"query_completed": False}, "the network query-and-control is not completed"),
    ({"investigated": False}, "no offline investigation (INVESTIGATION) is recorded"),
    ({"applicant_informed": False}, "record APPLICANT_INFORMED"),
])
def test_each_unmet_condition_is_named(change: dict, says: str) -> None:
    with pytest.raises(DomainError) as refused:
        check_closing_conditions(TCP, facts(**change), field="outcome")
    assert (refused.value.field, refused.value.code) == ("outcome", ErrorCode.NOT_ALLOWED)
    assert says in refused.value.message
    assert refused.value.message.startswith("cannot close as TERMINATED_CURRENT_PROCEDURE (终结本次执行程序): ")


@pytest.mark.parametrize(("start", "months", "end"), [
    (date(2024, 2, 8), 3, date(2024, 5, 8)),
    (date(2023, 11, 30), 3, date(2024, 2, 29)),
    (date(2024, 11, 30), 3, date(2025, 2, 28)),
    (date(2024, 10, 31), 3, date(2025, 1, 31)),
    (date(2024, 12, 31), 2, date(2025, 2, 28)),
])
def test_add_months(start: date, months: int, end: date) -> None:
    assert add_months(start, months) == end


# --- resumption grounds (CPL 2023 art. 241; 法发〔2014〕26号) ----------------------------------


@pytest.mark.parametrize(("ground", "closed"), [
    ("SETTLEMENT_NOT_PERFORMED", "TERMINATED"),
    ("SETTLEMENT_BY_FRAUD_OR_DURESS", "TERMINATED"),
    ("PROPERTY_FOUND", "TERMINATED_CURRENT_PROCEDURE"),
    ("CONDITIONS_NOW_MET", "TERMINATED"),
])
def test_each_resumption_ground_resumes_the_cases_it_follows(ground, closed) -> None:
    from exec_center.domain.windows import ResumptionGround, check_resumable

    for case_type in (CaseType.ZHI, CaseType.ZHI_HUI):
        check_resumable(case_type, ClosingMethod(closed), ResumptionGround(ground))
    with pytest.raises(DomainError) as refused:
        check_resumable(CaseType.ZHI_BAO, ClosingMethod(closed), ResumptionGround(ground))
    assert refused.value.field == "caseNumber"


def test_a_ground_that_does_not_fit_names_those_that_do() -> None:
    from exec_center.domain.windows import ResumptionGround, check_resumable

    with pytest.raises(DomainError) as refused:
        check_resumable(CaseType.ZHI, ClosingMethod.TERMINATED, ResumptionGround.PROPERTY_FOUND)
    assert refused.value.field == "ground" and "SETTLEMENT_NOT_PERFORMED" in refused.value.message
    with pytest.raises(DomainError, match="no ground"):
        check_resumable(CaseType.ZHI, ClosingMethod.FULLY_EXECUTED, ResumptionGround.PROPERTY_FOUND)
