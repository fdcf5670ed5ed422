import itertools

import pytest

from exec_center.domain.case_numbers import CaseType
from exec_center.domain.deadlines import DeadlineKind
from exec_center.domain.errors import DomainError, ErrorCode
from exec_center.domain.lifecycle import (
    AdjudicationKind,
    CaseStage,
    CaseStep,
    ClosingMethod,
    IllegalStep,
    MediationOutcome,
    adjudication_case_type,
    allowed_steps,
    check_closing_method,
    conversion_path,
    next_stage,
)

S = CaseStage
T = CaseStep

# The table as the work rules read, written out independently of the module.
EXPECTED = {
    (S.RECEIVED, T.DISPATCH_QUERY): S.QUERYING,
    (S.RECEIVED, T.CLOSE): S.CLOSED,
    (S.QUERYING, T.RECORD_FINDINGS): S.ANALYSING,
    (S.ANALYSING, T.RECORD_FINDINGS): S.ANALYSING,
    (S.ANALYSING, T.DECIDE_CONTROL): S.ANALYSING,
    (S.ANALYSING, T.COMPLETE_QUERY_CONTROL): S.ANALYSING,
    (S.ANALYSING, T.TRANSFER): S.TRANSFERRED,
    (S.ANALYSING, T.CLOSE): S.CLOSED,
    (S.TRANSFERRED, T.RECORD_INVESTIGATION): S.TRANSFERRED,
    (S.TRANSFERRED, T.SEND_TAX_LETTER): S.TRANSFERRED,
    (S.TRANSFERRED, T.DECIDE_CONTROL): S.TRANSFERRED,
    (S.TRANSFERRED, T.START_MEDIATION): S.MEDIATING,
    (S.TRANSFERRED, T.CONVERT): S.CONVERTED,
    (S.TRANSFERRED, T.CLOSE): S.CLOSED,
    (S.MEDIATING, T.RECORD_INVESTIGATION): S.MEDIATING,
    (S.MEDIATING, T.SEND_TAX_LETTER): S.MEDIATING,
    (S.MEDIATING, T.DECIDE_CONTROL): S.MEDIATING,
    (S.MEDIATING, T.RECORD_MEDIATION_OUTCOME): S.MEDIATING,
    (S.MEDIATING, T.CONVERT): S.CONVERTED,
    (S.MEDIATING, T.CLOSE): S.CLOSED,
    (S.CONVERTED, T.ARCHIVE): S.ARCHIVED,
    (S.FAST_CLOSING, T.DECIDE_CONTROL): S.FAST_CLOSING,
    (S.FAST_CLOSING, T.START_ENFORCEMENT): S.ENFORCING,
    (S.FAST_CLOSING, T.CLOSE): S.CLOSED,
    (S.ENFORCING, T.DECIDE_CONTROL): S.ENFORCING,
    (S.ENFORCING, T.RECORD_INVESTIGATION): S.ENFORCING,  # 终本's investigation and applicant told
    (S.ENFORCING, T.CLOSE): S.CLOSED,
    (S.CLOSED, T.ARCHIVE): S.ARCHIVED,
    **{(stage, T.FILE_ADJUDICATION_APPLICATION): stage for stage in S if stage is not S.ARCHIVED},
}
ILLEGAL = [pair for pair in itertools.product(S, T) if pair not in EXPECTED]


def test_stage_labels():
    assert {s.value: s.label for s in S} == {
        "RECEIVED": "已收案",
        "QUERYING": "查控中",
        "ANALYSING": "分析查控结果",
        "TRANSFERRED": "已移交实施团队",
        "MEDIATING": "执行调解中",
        "CONVERTED": "已转执行立案",
        "FAST_CLOSING": "快立快结",
        "ENFORCING": "强制执行中",
        "CLOSED": "已结案",
        "ARCHIVED": "已归档",
    }


def test_every_step_has_a_chinese_label():
    for step in T:
        assert step.value == step.name
        assert step.label and all(not ch.isascii() for ch in step.label)


@pytest.mark.parametrize(("stage", "step"), list(EXPECTED))
def test_allowed_steps_move_the_case(stage, step):
    assert next_stage(stage, step) is EXPECTED[(stage, step)]
    assert step in allowed_steps(stage)


@pytest.mark.parametrize(("stage", "step"), ILLEGAL)
def test_illegal_steps_are_refused_naming_what_is_allowed(stage, step):
    with pytest.raises(IllegalStep) as caught:
        next_stage(stage, step)
    error = caught.value
    assert isinstance(error, DomainError)
    assert error.code is ErrorCode.NOT_ALLOWED_IN_STAGE
    assert error.field is None
    assert f"it is in stage {stage.value} ({stage.label})" in error.message
    assert f"案件当前阶段为“{stage.label}”" in error.zh and f"不能办理“{step.label}”" in error.zh
    for allowed in allowed_steps(stage):
        assert f"({allowed.value})" in error.message
        assert f"“{allowed.label}”" in error.zh


def test_allowed_steps_are_exactly_the_table():
    for stage in S:
        assert allowed_steps(stage) == [step for step in T if (stage, step) in EXPECTED]


def test_message_example():
    with pytest.raises(IllegalStep) as caught:
        next_stage(S.RECEIVED, T.CONVERT)
    assert caught.value.message.startswith(
        "cannot convert the case: it is in stage RECEIVED (已收案);"
        " allowed now: dispatch the asset query (DISPATCH_QUERY);"
    )
    # It also says where the step would be allowed.
    assert "CONVERT is allowed in: TRANSFERRED (已移交实施团队), MEDIATING (执行调解中)" in (
        caught.value.message
    )


def test_archived_is_terminal():
    assert allowed_steps(S.ARCHIVED) == []
    for step in T:
        with pytest.raises(IllegalStep, match="allowed now: nothing, the case is archived"):
            next_stage(S.ARCHIVED, step)


def test_every_stage_but_archived_can_reach_archived():
    reachable = {S.ARCHIVED}
    changed = True
    while changed:
        changed = False
        for (stage, _step), target in EXPECTED.items():
            if target in reachable and stage not in reachable:
                reachable.add(stage)
                changed = True
    assert reachable == set(S)


def test_every_step_is_allowed_somewhere():
    assert {step for _stage, step in EXPECTED} == set(T)


def test_accepts_stored_identifiers():
    assert next_stage("RECEIVED", "DISPATCH_QUERY") is S.QUERYING
    assert allowed_steps("CONVERTED") == [T.ARCHIVE, T.FILE_ADJUDICATION_APPLICATION]


def test_preservation_case_walk_to_conversion_and_archive():
    stage = S.RECEIVED
    for step in (T.DISPATCH_QUERY, T.RECORD_FINDINGS, T.RECORD_FINDINGS, T.DECIDE_CONTROL,
                 T.COMPLETE_QUERY_CONTROL, T.TRANSFER, T.RECORD_INVESTIGATION, T.SEND_TAX_LETTER,
                 T.START_MEDIATION, T.RECORD_MEDIATION_OUTCOME, T.CONVERT, T.ARCHIVE):
        stage = next_stage(stage, step)
    assert stage is S.ARCHIVED


def test_completing_query_control_does_not_transfer_by_itself():
    assert next_stage(S.ANALYSING, T.COMPLETE_QUERY_CONTROL) is S.ANALYSING
    assert next_stage(S.ANALYSING, T.TRANSFER) is S.TRANSFERRED


def test_preservation_case_with_nothing_to_preserve_closes_without_conversion():
    assert next_stage(S.ANALYSING, T.CLOSE) is S.CLOSED
    assert next_stage(S.CLOSED, T.ARCHIVE) is S.ARCHIVED


def test_execution_case_fast_close_can_fall_back_to_enforcement():
    assert next_stage(S.FAST_CLOSING, T.START_ENFORCEMENT) is S.ENFORCING
    assert next_stage(S.ENFORCING, T.CLOSE) is S.CLOSED
    with pytest.raises(IllegalStep):
        next_stage(S.ENFORCING, T.START_ENFORCEMENT)


def test_cannot_convert_before_transfer_nor_twice():
    for stage in (S.RECEIVED, S.QUERYING, S.ANALYSING, S.CONVERTED, S.CLOSED):
        with pytest.raises(IllegalStep):
            next_stage(stage, T.CONVERT)


# --- conversion paths (Art. 20) -------------------------------------------------------------


@pytest.mark.parametrize("fully_controlled", [True, False])
@pytest.mark.parametrize("outcome", [MediationOutcome.SETTLED, MediationOutcome.PERFORMED])
def test_settled_or_performed_fast_closes_in_three_working_days(outcome, fully_controlled):
    assert conversion_path(outcome, fully_controlled) == (S.FAST_CLOSING, DeadlineKind.FAST_CLOSE_SETTLED)


@pytest.mark.parametrize("outcome", [None, MediationOutcome.FAILED])
def test_fully_controlled_fast_closes_in_fifteen_working_days(outcome):
    assert conversion_path(outcome, True) == (S.FAST_CLOSING, DeadlineKind.FAST_CLOSE_FULLY_CONTROLLED)


@pytest.mark.parametrize("outcome", [None, MediationOutcome.FAILED])
def test_short_control_and_no_settlement_goes_to_compulsory_execution(outcome):
    assert conversion_path(outcome, False) == (S.ENFORCING, None)


def test_mediation_outcome_labels():
    assert {o.value: o.label for o in MediationOutcome} == {
        "SETTLED": "达成和解", "PERFORMED": "已履行", "FAILED": "调解不成",
    }


# --- closing methods -------------------------------------------------------------------------

M = ClosingMethod
PRESERVATION = {M.PRESERVATION_COMPLETED, M.PARTLY_PRESERVED, M.NOTHING_TO_PRESERVE, M.CANCELLED}
IMPLEMENTATION = {M.FULLY_EXECUTED, M.TERMINATED_CURRENT_PROCEDURE, M.TERMINATED, M.CANCELLED,
                  M.NOT_ENFORCED, M.REJECTED}
REVIEW = {M.REJECTED, M.CANCELLED, M.UPHELD, M.PARTLY_UPHELD, M.WITHDRAWN}
EXPECTED_METHODS = {
    CaseType.ZHI_BAO: PRESERVATION,
    CaseType.ZHI: IMPLEMENTATION,
    CaseType.ZHI_HUI: IMPLEMENTATION,
    CaseType.ZHI_YI: REVIEW,
    CaseType.ZHI_FU: REVIEW,
    CaseType.ZHI_JIAN: REVIEW,
    CaseType.ZHI_XIE: set(),
    CaseType.ZHI_TA: set(),
}


def test_closing_method_labels_follow_glossary():
    assert {m.value: m.label for m in M} == {
        "FULLY_EXECUTED": "执行完毕",
        "TERMINATED_CURRENT_PROCEDURE": "终结本次执行程序",
        "TERMINATED": "终结执行",
        "CANCELLED": "销案",
        "NOT_ENFORCED": "不予执行",
        "REJECTED": "驳回申请",
        "PRESERVATION_COMPLETED": "保全完毕",
        "PARTLY_PRESERVED": "部分保全",
        "NOTHING_TO_PRESERVE": "无标的物可实施保全",
        "UPHELD": "撤销或改正执行行为、不予执行、变更追加当事人（异议或申请成立）",
        "PARTLY_UPHELD": "部分撤销或改正执行行为、部分变更追加当事人（异议或申请部分成立）",
        "WITHDRAWN": "准予撤回异议或申请",
    }


@pytest.mark.parametrize(("case_type", "method"), list(itertools.product(CaseType, M)))
def test_closing_method_per_case_type(case_type, method):
    if method in EXPECTED_METHODS[case_type]:
        check_closing_method(case_type, method)
        return
    with pytest.raises(DomainError) as caught:
        check_closing_method(case_type, method)
    error = caught.value
    assert error.field == "method"
    assert error.code is ErrorCode.INVALID
    assert case_type.code in error.message
    for allowed in EXPECTED_METHODS[case_type]:
        assert f"{allowed.value} ({allowed.label})" in error.message


def test_closing_message_for_preservation_case():
    with pytest.raises(DomainError) as caught:
        check_closing_method(CaseType.ZHI_BAO, M.FULLY_EXECUTED)
    assert caught.value.message == (
        "a 执保 case (执行保全案件) cannot be closed as FULLY_EXECUTED (执行完毕); allowed:"
        " CANCELLED (销案), PRESERVATION_COMPLETED (保全完毕), PARTLY_PRESERVED (部分保全),"
        " NOTHING_TO_PRESERVE (无标的物可实施保全)"
    )


def test_type_without_methods_says_so():
    with pytest.raises(DomainError, match="has no closing method defined"):
        check_closing_method(CaseType.ZHI_TA, M.CANCELLED)


# --- adjudication applications (Art. 9) -----------------------------------------------------


def test_adjudication_kinds_and_their_case_types():
    assert {k.value: k.label for k in AdjudicationKind} == {
        "ADD_RESPONDENT": "追加被执行人申请",
        "OBJECTION": "执行异议申请",
        "PRESERVATION_RECONSIDERATION": "执前执保复议申请",
    }
    assert adjudication_case_type(AdjudicationKind.ADD_RESPONDENT) is CaseType.ZHI_YI
    assert adjudication_case_type(AdjudicationKind.OBJECTION) is CaseType.ZHI_YI
    # Decided within the preservation case unless the court's setting gives a type; never 执复.
    assert adjudication_case_type(AdjudicationKind.PRESERVATION_RECONSIDERATION) is None
    assert adjudication_case_type("PRESERVATION_RECONSIDERATION", CaseType.ZHI_YI) is CaseType.ZHI_YI
    with pytest.raises(ValueError, match="higher court"):
        adjudication_case_type(AdjudicationKind.PRESERVATION_RECONSIDERATION, CaseType.ZHI_FU)
    assert adjudication_case_type("OBJECTION") is CaseType.ZHI_YI
