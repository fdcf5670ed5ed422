import calendar
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exec_center.calendar import CourtCalendar
from exec_center.domain.assets import (
    ALLOWED_MEASURES,
    CIVIL_CODE_PERIOD_RULE,
    MEASURE_PERIOD_RULE,
    QUERIED_CATEGORIES,
    AssetCategory,
    Coverage,
    MeasureKind,
    MeasurePeriodRule,
    MeasureStatus,
    PeriodReading,
    check_claim_amount,
    check_effective_on,
    check_measure,
    check_release,
    check_renewal,
    control_coverage,
    is_real_estate_for_tax_letter,
    measure_expiry,
    measure_period_years,
    needs_pre_disposal,
    renewal_variant,
)
from exec_center.domain.deadlines import DayCount, compute_due
from exec_center.domain.errors import DomainError, ErrorCode

C = AssetCategory
K = MeasureKind
D = Decimal

# category → {measure: (period in years, renewal variant)}; DEDUCT has neither.
EXPECTED = {
    C.BANK_DEPOSIT: {K.FREEZE: (1, "BANK_DEPOSIT"), K.DEDUCT: (None, None)},
    C.ONLINE_PAYMENT: {K.FREEZE: (1, "BANK_DEPOSIT"), K.DEDUCT: (None, None)},
    C.REAL_ESTATE: {K.SEAL: (3, "REAL_ESTATE_OR_RIGHTS")},
    C.VEHICLE: {K.SEAL: (2, "MOVABLES"), K.SEIZE: (2, "MOVABLES")},
    C.SHIP: {K.SEAL: (2, "MOVABLES"), K.SEIZE: (2, "MOVABLES")},
    C.MOVABLES: {K.SEAL: (2, "MOVABLES"), K.SEIZE: (2, "MOVABLES")},
    C.SECURITIES: {K.FREEZE: (3, "REAL_ESTATE_OR_RIGHTS")},
    C.RURAL_BANK_SHARES: {K.FREEZE: (3, "REAL_ESTATE_OR_RIGHTS")},
    C.OTHER_RIGHTS: {K.FREEZE: (3, "REAL_ESTATE_OR_RIGHTS")},
}
ALLOWED_PAIRS = [(c, m) for c, measures in EXPECTED.items() for m in measures]
FORBIDDEN_PAIRS = [(c, m) for c in C for m in K if m not in EXPECTED[c]]


def test_labels():
    assert {c.value: c.label for c in C} == {
        "BANK_DEPOSIT": "银行存款",
        "ONLINE_PAYMENT": "网络支付资金",
        "REAL_ESTATE": "不动产",
        "VEHICLE": "车辆",
        "SECURITIES": "证券",
        "SHIP": "船舶",
        "RURAL_BANK_SHARES": "农商银行股金",
        "MOVABLES": "机器设备等动产",
        "OTHER_RIGHTS": "其他财产权",
    }
    assert {k.value: k.label for k in K} == {
        "FREEZE": "冻结", "SEAL": "查封", "SEIZE": "扣押", "DEDUCT": "扣划",
    }


def test_concentrated_query_covers_all_but_movables():
    assert len(QUERIED_CATEGORIES) == 8
    assert set(C) - QUERIED_CATEGORIES == {C.MOVABLES}


def test_allowed_measures_per_category():
    assert {c: set(ms) for c, ms in ALLOWED_MEASURES.items()} == {c: set(ms) for c, ms in EXPECTED.items()}


@pytest.mark.parametrize(("category", "measure"), ALLOWED_PAIRS)
def test_periods_and_renewal_variants(category, measure):
    years, variant = EXPECTED[category][measure]
    assert measure_period_years(category, measure) == years
    assert renewal_variant(category, measure) == variant


@pytest.mark.parametrize(("category", "measure"), FORBIDDEN_PAIRS)
def test_forbidden_measures_are_refused_everywhere(category, measure):
    for call in (
        lambda: measure_period_years(category, measure),
        lambda: renewal_variant(category, measure),
        lambda: measure_expiry(category, measure, date(2024, 1, 1)),
        lambda: check_measure(category, measure, D("1"), None, D("0")),
    ):
        with pytest.raises(DomainError) as caught:
            call()
        assert caught.value.field == "measure"
        assert caught.value.code is ErrorCode.INVALID
        assert f"{category.value} ({category.label})" in caught.value.message
        for allowed in EXPECTED[category]:
            assert f"{allowed.value} ({allowed.label})" in caught.value.message


def test_forbidden_measure_message():
    with pytest.raises(DomainError) as caught:
        check_measure(C.REAL_ESTATE, K.FREEZE, D("1"), None, D("0"))
    assert caught.value.message == (
        "FREEZE (冻结) cannot be applied to REAL_ESTATE (不动产); allowed measures: SEAL (查封)"
    )


# --- expiry ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("category", "measure", "starts_on", "last_day"), [
    # The day before the anniversary: the start day itself is held.
    (C.BANK_DEPOSIT, K.FREEZE, date(2024, 3, 1), date(2025, 2, 28)),
    (C.ONLINE_PAYMENT, K.FREEZE, date(2024, 1, 15), date(2025, 1, 14)),
    # Ends on a leap day when the anniversary is 1 March of a leap year.
    (C.BANK_DEPOSIT, K.FREEZE, date(2023, 3, 1), date(2024, 2, 29)),
    # From 29 February "the same date" in a common year is 28 February, so the hold ends on
    # 27 February, like a hold from 28 February (the renewal deadline uses the same arithmetic).
    (C.BANK_DEPOSIT, K.FREEZE, date(2024, 2, 29), date(2025, 2, 27)),
    (C.REAL_ESTATE, K.SEAL, date(2024, 2, 29), date(2027, 2, 27)),
    (C.REAL_ESTATE, K.SEAL, date(2024, 3, 1), date(2027, 2, 28)),
    (C.REAL_ESTATE, K.SEAL, date(2024, 2, 28), date(2027, 2, 27)),
    (C.VEHICLE, K.SEIZE, date(2024, 1, 1), date(2025, 12, 31)),
    (C.SHIP, K.SEAL, date(2025, 7, 10), date(2027, 7, 9)),
    (C.MOVABLES, K.SEIZE, date(2026, 3, 1), date(2028, 2, 29)),
    (C.SECURITIES, K.FREEZE, date(2024, 12, 31), date(2027, 12, 30)),
    (C.RURAL_BANK_SHARES, K.FREEZE, date(2025, 1, 1), date(2027, 12, 31)),
    (C.OTHER_RIGHTS, K.FREEZE, date(2024, 6, 30), date(2027, 6, 29)),
])
def test_expiry_examples(category, measure, starts_on, last_day):
    assert measure_expiry(category, measure, starts_on) == last_day


def test_deduct_has_no_expiry():
    assert measure_expiry(C.BANK_DEPOSIT, K.DEDUCT, date(2024, 3, 1)) is None
    assert measure_expiry(C.ONLINE_PAYMENT, K.DEDUCT, date(2024, 3, 1)) is None


HOLDING_PAIRS = [(c, m) for c, m in ALLOWED_PAIRS if m is not K.DEDUCT]
dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31))


@given(pair=st.sampled_from(HOLDING_PAIRS), starts_on=dates)
def test_expiry_is_the_day_before_the_anniversary(pair, starts_on):
    category, measure = pair
    years = measure_period_years(category, measure)
    day_after = measure_expiry(category, measure, starts_on) + timedelta(days=1)
    year = starts_on.year + years
    if (starts_on.month, starts_on.day) == (2, 29) and not calendar.isleap(year):
        assert day_after == date(year, 2, 28)
    else:
        assert day_after == starts_on.replace(year=year)


class NoCalendar:
    """Year-long periods never consult the working-day calendar."""

    def __getattr__(self, name):
        raise AssertionError(f"the calendar was consulted ({name})")


@given(pair=st.sampled_from(HOLDING_PAIRS), starts_on=dates)
def test_expiry_is_the_renewal_deadline(pair, starts_on):
    category, measure = pair
    due = compute_due(DayCount.YEARS, measure_period_years(category, measure), starts_on, NoCalendar())
    assert measure_expiry(category, measure, starts_on) == due


@given(pair=st.sampled_from(HOLDING_PAIRS), first=dates, second=dates)
def test_a_later_start_never_ends_earlier(pair, first, second):
    category, measure = pair
    first, second = sorted((first, second))
    assert measure_expiry(category, measure, first) <= measure_expiry(category, measure, second)


@given(pair=st.sampled_from(HOLDING_PAIRS), starts_on=dates)
def test_hold_lasts_about_the_legal_period(pair, starts_on):
    category, measure = pair
    years = measure_period_years(category, measure)
    held_days = (measure_expiry(category, measure, starts_on) - starts_on).days + 1
    # At least 365 days a year; a period of up to 3 years holds at most one 29 February.
    assert 365 * years <= held_days <= 365 * years + 1


# --- the counting rule: 民法典 arts. 201–204 against the default ------------------------------

COURT_CALENDAR = CourtCalendar()  # the official schedule, 2001–2026
CIVIL_CODE_NO_HOLIDAYS = MeasurePeriodRule(PeriodReading.CIVIL_CODE, past_holidays=False)


def test_the_default_rule_holds_from_the_effective_day_and_does_not_move_past_holidays():
    assert MEASURE_PERIOD_RULE == MeasurePeriodRule(PeriodReading.FROM_EFFECTIVE_DAY, past_holidays=False)
    assert "第二百零一条" in MEASURE_PERIOD_RULE.source and "第四百八十五条" in MEASURE_PERIOD_RULE.source


@pytest.mark.parametrize(("category", "measure", "starts_on", "default", "civil_code"), [
    # 民法典 art. 201: the effective day is not counted; art. 202: the corresponding day.
    (C.BANK_DEPOSIT, K.FREEZE, date(2024, 1, 15), date(2025, 1, 14), date(2025, 1, 15)),
    # Art. 202: no 29 February in 2025, so its month's last day, 28 February.
    (C.BANK_DEPOSIT, K.FREEZE, date(2024, 2, 29), date(2025, 2, 27), date(2025, 2, 28)),
    # A leap day as the default's last day; the Civil Code's is 1 March (a Friday).
    (C.BANK_DEPOSIT, K.FREEZE, date(2023, 3, 1), date(2024, 2, 29), date(2024, 3, 1)),
    # Month ends and year ends.
    (C.REAL_ESTATE, K.SEAL, date(2023, 1, 31), date(2026, 1, 30), date(2026, 2, 2)),  # 1-31 Saturday
    (C.VEHICLE, K.SEIZE, date(2023, 12, 31), date(2025, 12, 30), date(2025, 12, 31)),
    (C.SECURITIES, K.FREEZE, date(2023, 1, 1), date(2025, 12, 31), date(2026, 1, 4)),  # 1-1 to 1-3 holiday
    # Art. 203: a last day on a weekend moves to Monday: 2025-03-01 is a Saturday.
    (C.BANK_DEPOSIT, K.FREEZE, date(2024, 3, 1), date(2025, 2, 28), date(2025, 3, 3)),
    # ... on a public holiday past its end: National Day 2025 runs 1–8 October.
    (C.BANK_DEPOSIT, K.FREEZE, date(2024, 10, 1), date(2025, 9, 30), date(2025, 10, 9)),
    # Spring Festival 2025 runs 28 January – 4 February; the default's last day is a working day.
    (C.BANK_DEPOSIT, K.FREEZE, date(2024, 1, 28), date(2025, 1, 27), date(2025, 2, 5)),
])
def test_expiry_at_the_edges_of_the_calendar(category, measure, starts_on, default, civil_code):
    assert measure_expiry(category, measure, starts_on) == default
    assert measure_expiry(category, measure, starts_on, CIVIL_CODE_PERIOD_RULE, COURT_CALENDAR) == civil_code


def test_the_default_last_day_stays_on_a_weekend_or_holiday():
    # 2025-10-01 (National Day) and 2025-03-01 (Saturday) stay the last day under the default.
    assert measure_expiry(C.BANK_DEPOSIT, K.FREEZE, date(2024, 10, 2)) == date(2025, 10, 1)
    assert measure_expiry(C.BANK_DEPOSIT, K.FREEZE, date(2024, 3, 2)) == date(2025, 3, 1)


def test_moving_past_holidays_needs_the_calendar():
    with pytest.raises(ValueError, match="calendar"):
        measure_expiry(C.BANK_DEPOSIT, K.FREEZE, date(2024, 3, 1), CIVIL_CODE_PERIOD_RULE)


official_dates = st.dates(min_value=date(2001, 1, 1), max_value=date(2023, 12, 31))


@given(pair=st.sampled_from(HOLDING_PAIRS), starts_on=dates)
def test_the_default_ends_a_day_before_the_civil_code_anniversary(pair, starts_on):
    category, measure = pair
    default = measure_expiry(category, measure, starts_on)
    civil = measure_expiry(category, measure, starts_on, CIVIL_CODE_NO_HOLIDAYS)
    assert civil - default == timedelta(days=1)
    # Never beyond the legal period on either reading: less than N years after the start.
    years = measure_period_years(category, measure)
    assert starts_on < default < civil <= date(starts_on.year + years, starts_on.month, 28) + timedelta(days=3)


@given(pair=st.sampled_from(HOLDING_PAIRS), starts_on=official_dates)
def test_the_civil_code_last_day_is_the_first_working_day_from_the_anniversary(pair, starts_on):
    category, measure = pair
    anniversary = measure_expiry(category, measure, starts_on, CIVIL_CODE_NO_HOLIDAYS)
    end = measure_expiry(category, measure, starts_on, CIVIL_CODE_PERIOD_RULE, COURT_CALENDAR)
    assert COURT_CALENDAR.is_working_day(end)
    assert all(not COURT_CALENDAR.is_working_day(anniversary + timedelta(days=d))
               for d in range((end - anniversary).days))
    assert end >= measure_expiry(category, measure, starts_on)


@given(pair=st.sampled_from(HOLDING_PAIRS), first=official_dates, second=official_dates)
def test_the_civil_code_reading_is_monotone_too(pair, first, second):
    category, measure = pair
    first, second = sorted((first, second))
    assert measure_expiry(category, measure, first, CIVIL_CODE_PERIOD_RULE, COURT_CALENDAR) <= measure_expiry(
        category, measure, second, CIVIL_CODE_PERIOD_RULE, COURT_CALENDAR)


# --- effective day, renewal, release ----------------------------------------------------------

TODAY = date(2024, 2, 8)


def test_the_effective_day_is_between_receipt_and_today():
    assert check_effective_on(None, TODAY, date(2024, 2, 1)) == TODAY
    assert check_effective_on(date(2024, 2, 1), TODAY, date(2024, 2, 1)) == date(2024, 2, 1)
    for day in (date(2024, 2, 9), date(2024, 1, 31)):
        with pytest.raises(DomainError) as caught:
            check_effective_on(day, TODAY, date(2024, 2, 1))
        assert caught.value.field == "effectiveOn"


def renewal(**changes):
    fields = dict(category=C.BANK_DEPOSIT, measure=K.FREEZE, status=MeasureStatus.IN_FORCE,
                  starts_on=date(2024, 2, 5), expires_on=date(2025, 2, 4), today=date(2025, 2, 4),
                  effective_on=None, asked_expiry=None)
    return check_renewal(**(fields | changes))


def test_a_renewal_follows_the_old_expiry_without_a_gap():
    assert renewal() == (date(2025, 2, 5), date(2026, 2, 4))
    assert renewal(effective_on=date(2025, 1, 20)) == (date(2025, 1, 20), date(2026, 1, 19))
    assert renewal(asked_expiry=date(2025, 8, 31)) == (date(2025, 2, 5), date(2025, 8, 31))
    # Real estate: three years again from the day after the old expiry, 29 February included.
    assert renewal(category=C.REAL_ESTATE, measure=K.SEAL, starts_on=date(2021, 3, 1),
                   expires_on=date(2024, 2, 28), today=date(2024, 2, 28)) == (date(2024, 2, 29), date(2027, 2, 27))


@pytest.mark.parametrize(("changes", "field", "code"), [
    ({"today": date(2025, 2, 5)}, "measureId", ErrorCode.NOT_ALLOWED),  # lapsed
    ({"status": MeasureStatus.RELEASED}, "measureId", ErrorCode.NOT_ALLOWED_IN_STAGE),
    ({"measure": K.DEDUCT, "expires_on": None}, "measureId", ErrorCode.NOT_ALLOWED),
    ({"effective_on": date(2025, 2, 6)}, "effectiveOn", ErrorCode.OUT_OF_RANGE),  # a gap
    ({"effective_on": date(2024, 2, 5)}, "effectiveOn", ErrorCode.OUT_OF_RANGE),
    ({"asked_expiry": date(2026, 2, 5)}, "expiresOn", ErrorCode.OUT_OF_RANGE),  # beyond one year
    ({"asked_expiry": date(2025, 2, 4)}, "expiresOn", ErrorCode.OUT_OF_RANGE),  # before it starts
])
def test_a_renewal_is_refused(changes, field, code):
    with pytest.raises(DomainError) as caught:
        renewal(**changes)
    assert (caught.value.field, caught.value.code) == (field, code)


@given(pair=st.sampled_from(HOLDING_PAIRS), starts_on=dates, renewals=st.integers(1, 5))
def test_renewals_chain_without_gaps_each_within_the_legal_period(pair, starts_on, renewals):
    category, measure = pair
    years = measure_period_years(category, measure)
    start, end = starts_on, measure_expiry(category, measure, starts_on)
    for _ in range(renewals):
        new_start, new_end = check_renewal(
            category=category, measure=measure, status=MeasureStatus.IN_FORCE, starts_on=start,
            expires_on=end, today=end, effective_on=None, asked_expiry=None)
        assert new_start == end + timedelta(days=1)
        assert 365 * years <= (new_end - new_start).days + 1 <= 365 * years + 1
        start, end = new_start, new_end


def test_a_release_needs_a_reason_and_a_day_the_measure_held():
    base = dict(status=MeasureStatus.IN_FORCE, starts_on=date(2024, 2, 5), expires_on=date(2025, 2, 4),
                today=TODAY, released_on=None, reason=" 债务已清偿 ")
    assert check_release(**base) == (TODAY, "债务已清偿")
    for changes, field in (({"reason": " "}, "reason"), ({"reason": "x" * 501}, "reason"),
                           ({"released_on": date(2024, 2, 9)}, "releasedOn"),
                           ({"released_on": date(2024, 2, 4)}, "releasedOn"),
                           ({"status": MeasureStatus.LAPSED}, "measureId"),
                           ({"today": date(2025, 2, 5)}, "measureId")):
        with pytest.raises(DomainError) as caught:
            check_release(**(base | changes))
        assert caught.value.field == field


# --- amounts and check_measure --------------------------------------------------------------


@pytest.mark.parametrize("amount", [D("0.01"), D("1"), D("1.5"), D("1.50"), D("1.500"),
                                    D("999999999999999.99"), D("1E+3")])
def test_valid_amounts(amount):
    check_claim_amount(amount)
    check_measure(C.BANK_DEPOSIT, K.FREEZE, amount, None, D("0"))


@pytest.mark.parametrize(("amount", "problem"), [
    (D("0"), "0 or less"),
    (D("-1"), "0 or less"),
    (D("0.001"), "more than 2 decimal places"),
    (D("10.005"), "more than 2 decimal places"),
    (D("1000000000000000"), "more than 15 digits before the decimal point"),
    (D("1E+15"), "more than 15 digits before the decimal point"),
    (D("NaN"), "not a number"),
    (D("Infinity"), "not a number"),
])
def test_invalid_amounts(amount, problem):
    allowed = "more than 0 yuan, with at most 2 decimal places and at most 15 digits before the decimal point"
    with pytest.raises(DomainError) as caught:
        check_measure(C.BANK_DEPOSIT, K.FREEZE, amount, None, D("0"))
    assert caught.value.field == "amount"
    assert problem in caught.value.message and allowed in caught.value.message

    with pytest.raises(DomainError) as caught:
        check_claim_amount(amount)
    assert caught.value.field == "claimAmount"
    assert caught.value.message.startswith("the claim amount is not valid")
    assert problem in caught.value.message and allowed in caught.value.message

    with pytest.raises(DomainError) as caught:
        check_claim_amount(amount, field="amount")
    assert caught.value.field == "amount"


def test_amounts_must_be_decimal():
    with pytest.raises(TypeError):
        check_claim_amount(100.0)
    with pytest.raises(TypeError):
        check_measure(C.BANK_DEPOSIT, K.FREEZE, 100, None, D("0"))


def test_measure_is_checked_before_amount():
    with pytest.raises(DomainError) as caught:
        check_measure(C.REAL_ESTATE, K.DEDUCT, D("-1"), D("10"), D("0"))
    assert caught.value.field == "measure"


def test_measure_may_fill_the_asset_exactly():
    check_measure(C.BANK_DEPOSIT, K.FREEZE, D("600.00"), D("1000.00"), D("400.00"))


def test_measure_beyond_the_asset_value_names_what_is_left():
    with pytest.raises(DomainError) as caught:
        check_measure(C.BANK_DEPOSIT, K.FREEZE, D("600.01"), D("1000.00"), D("400.00"))
    assert caught.value.field == "amount"
    assert caught.value.message == (
        "the amount to control (600.01 yuan) is more than the asset holds: it is worth 1000.00 yuan"
        " and 400.00 yuan of it is already controlled, so at most 600.00 yuan may still be controlled"
    )


def test_measure_on_a_fully_controlled_asset():
    with pytest.raises(DomainError, match="nothing is left to control on it") as caught:
        check_measure(C.SECURITIES, K.FREEZE, D("1"), D("500"), D("500"))
    assert caught.value.field == "amount"


def test_measure_on_asset_of_unknown_value_is_not_capped():
    check_measure(C.REAL_ESTATE, K.SEAL, D("5000000"), None, D("3000000"))


def test_measures_accept_stored_identifiers():
    check_measure("VEHICLE", "SEIZE", D("1"), None, D("0"))
    assert measure_period_years("REAL_ESTATE", "SEAL") == 3


# --- coverage -------------------------------------------------------------------------------


def test_coverage_short():
    assert control_coverage(D("10000.00"), [D("3000.00"), D("2500.50")]) == Coverage(
        controlled_total=D("5500.50"), claim_amount=D("10000.00"), fully_controlled=False,
        shortfall=D("4499.50"),
    )


def test_coverage_exact_is_full():
    coverage = control_coverage(D("10000"), [D("4000"), D("6000")])
    assert coverage.fully_controlled and coverage.shortfall == 0


def test_coverage_beyond_the_claim_has_no_negative_shortfall():
    coverage = control_coverage(D("100"), iter([D("80"), D("80")]))
    assert coverage.fully_controlled
    assert coverage.controlled_total == D("160")
    assert coverage.shortfall == 0


def test_coverage_with_nothing_controlled():
    coverage = control_coverage(D("100"), [])
    assert (coverage.controlled_total, coverage.fully_controlled, coverage.shortfall) == (0, False, D("100"))


money = st.decimals(min_value=D("0.01"), max_value=D("1000000"), places=2)


@given(claim=money, amounts=st.lists(money, max_size=10))
def test_coverage_arithmetic(claim, amounts):
    coverage = control_coverage(claim, amounts)
    assert coverage.controlled_total == sum(amounts, D(0))
    assert coverage.shortfall >= 0
    assert coverage.fully_controlled == (coverage.shortfall == 0)
    assert coverage.controlled_total + coverage.shortfall >= claim


# --- pre-disposal and tax letter (Art. 19) --------------------------------------------------


@pytest.mark.parametrize(("category", "facts", "expected"), [
    (C.REAL_ESTATE, {"first_seal": True}, True),
    (C.REAL_ESTATE, {"respondent_holds_mortgage": True}, True),
    (C.REAL_ESTATE, {"first_seal": True, "respondent_holds_mortgage": True}, True),
    (C.REAL_ESTATE, {"measures": [K.SEAL]}, False),  # sealed after another court: not listed
    (C.REAL_ESTATE, {"first_seal": True, "disposable": False}, False),
    (C.RURAL_BANK_SHARES, {"first_seal": True}, True),
    (C.RURAL_BANK_SHARES, {"measures": [K.FREEZE]}, False),
    (C.RURAL_BANK_SHARES, {"first_seal": True, "disposable": False}, False),
    (C.VEHICLE, {"measures": [K.SEAL, K.SEIZE]}, True),
    (C.SHIP, {"measures": iter([K.SEIZE])}, True),
    (C.MOVABLES, {"measures": [K.SEIZE]}, True),
    (C.MOVABLES, {"measures": [K.SEIZE], "disposable": False}, False),
    (C.VEHICLE, {"measures": [K.SEAL], "first_seal": True}, False),  # sealed, not seized
    (C.BANK_DEPOSIT, {"first_seal": True, "measures": [K.FREEZE]}, False),
    (C.SECURITIES, {"first_seal": True, "measures": [K.FREEZE]}, False),
    (C.OTHER_RIGHTS, {"first_seal": True, "measures": [K.FREEZE]}, False),
    (C.ONLINE_PAYMENT, {"first_seal": True, "measures": [K.FREEZE]}, False),
])
def test_needs_pre_disposal(category, facts, expected):
    facts = {"disposable": True, **facts}
    assert needs_pre_disposal(category, **facts) is expected


@pytest.mark.parametrize(("category", "disposable", "first_seal", "mortgage", "expected"), [
    (C.REAL_ESTATE, True, True, False, True),
    (C.REAL_ESTATE, True, False, True, True),
    (C.REAL_ESTATE, True, False, False, False),
    (C.REAL_ESTATE, False, True, True, False),
    (C.RURAL_BANK_SHARES, True, True, False, False),  # listed for pre-disposal, but no tax letter
    (C.VEHICLE, True, True, True, False),
])
def test_tax_letter_only_for_listed_disposable_real_estate(category, disposable, first_seal, mortgage,
                                                           expected):
    assert is_real_estate_for_tax_letter(
        category, disposable=disposable, first_seal=first_seal, respondent_holds_mortgage=mortgage,
    ) is expected
