import asyncio
import logging
import pickle
import re
import threading
from datetime import UTC, datetime
from decimal import Decimal
from enum import Enum

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exec_center.clock import FrozenClock
from exec_center.integrations.asset_query import (
    ALWAYS_SUCCEEDS_FROM,
    QUERIED_CATEGORIES,
    AssetFindingData,
    AssetQueryError,
    AssetQueryProvider,
    AssetQueryRequest,
    ProviderTimeout,
    ProviderUnavailable,
    SimulatedAssetQueryProvider,
    StaticAssetQueryProvider,
    UnknownReference,
    make_provider,
    simulate_findings,
)

NOW = datetime(2024, 2, 8, 1, 0, tzinfo=UTC)
RID = "445322198001011236"
CASE = "（2024）粤5322执保1号"

# The institutions each category may be answered by (the brief's lists).
BANKS = {
    "中国工商银行郁南支行",
    "中国农业银行郁南支行",
    "中国银行郁南支行",
    "中国建设银行郁南支行",
    "广东郁南农村商业银行",
    "中国邮政储蓄银行郁南县支行",
}
INSTITUTIONS = {
    "BANK_DEPOSIT": BANKS,
    "ONLINE_PAYMENT": {"支付宝（中国）网络技术有限公司", "财付通支付科技有限公司"},
    "REAL_ESTATE": {"郁南县不动产登记中心"},
    "VEHICLE": {"云浮市公安局交通警察支队车辆管理所"},
    "SECURITIES": {"中国证券登记结算有限责任公司"},
    "SHIP": {"云浮海事局"},
    "RURAL_BANK_SHARES": {"广东郁南农村商业银行股份有限公司"},
    "OTHER_RIGHTS": {"郁南县市场监督管理局"},
}
ACCOUNT_CATEGORIES = {"BANK_DEPOSIT", "ONLINE_PAYMENT", "SECURITIES"}
PLATE = re.compile(r"^粤W·([A-HJ-NP-Z0-9]{5}|[DF]\d{5}) \S+$")
YUNAN_TOWNS = ("都城镇", "平台镇", "千官镇", "大方镇", "桂圩镇", "通门镇", "建城镇", "宝珠镇",
               "大全镇", "历洞镇", "南江口镇", "东坝镇", "河口镇", "宋桂镇", "连滩镇")


def case(n: int, year: int = 2024) -> str:
    return f"（{year}）粤5322执保{n}号"


def request(case_number: str = CASE, category: str = "BANK_DEPOSIT", attempt: int = 1,
            id_number: str = RID) -> AssetQueryRequest:
    return AssetQueryRequest(case_number=case_number, category=category, respondent_name="李四",
                             respondent_id_number=id_number, attempt=attempt)


def reliable(clock: FrozenClock, delay: float = 2.0) -> SimulatedAssetQueryProvider:
    return SimulatedAssetQueryProvider(clock, delay_seconds=delay, failure_rate=0, timeout_rate=0)


def whole_case(case_number: str) -> tuple[AssetFindingData, ...]:
    return tuple(f for c in QUERIED_CATEGORIES for f in simulate_findings(case_number, c))


async def query(provider: SimulatedAssetQueryProvider, clock: FrozenClock, case_number: str,
                category: str) -> list[AssetFindingData]:
    request_id = await provider.submit(request(case_number, category))
    clock.advance(seconds=2)
    findings = await provider.fetch(request_id)
    assert findings is not None
    return findings


def check_finding(f: AssetFindingData, category: str) -> None:
    """The realism bounds every simulated finding keeps."""
    assert f.category == category
    assert f.institution in INSTITUTIONS[category]
    if f.value is not None:
        assert f.value > 0
        assert f.value.as_tuple().exponent == -2
    if category in ACCOUNT_CATEGORIES:
        # Accounts only by their last four digits.
        assert all(len(run) <= 4 for run in re.findall(r"\d+", f.description)), f.description
    if category in ("BANK_DEPOSIT", "ONLINE_PAYMENT"):
        assert f.disposable is False  # funds are deducted, not sold
    if category == "REAL_ESTATE":
        assert Decimal(150_000) <= f.value <= Decimal(1_200_000)
        assert f.description.startswith(YUNAN_TOWNS)
    if category == "VEHICLE":
        assert Decimal(30_000) <= f.value <= Decimal(250_000)
        assert PLATE.match(f.description), f.description
    if not f.first_seal:
        # Another court sealed first: named in the encumbrances, and not ours to dispose of.
        assert f.encumbrances and "已被" in f.encumbrances
        assert f.disposable is False
    if f.respondent_holds_mortgage:
        assert category == "REAL_ESTATE"


# --- determinism and realism -----------------------------------------------------------------


async def test_same_case_number_gives_identical_findings_across_instances():
    results = []
    for _ in range(2):
        clock = FrozenClock(NOW)
        provider = reliable(clock)
        results.append([await query(provider, clock, case(7), c) for c in QUERIED_CATEGORIES])
    assert results[0] == results[1]
    assert results[0] == [simulate_findings(case(7), c) for c in QUERIED_CATEGORIES]


def test_different_case_numbers_give_different_findings():
    assert whole_case(case(1)) != whole_case(case(2))
    # Almost every case is its own: only cases with no assets at all can coincide.
    distinct = {whole_case(case(n)) for n in range(1, 101)}
    assert len(distinct) >= 95


def test_seed_changes_the_findings():
    other = [simulate_findings(case(n), "BANK_DEPOSIT", seed="other") for n in range(1, 21)]
    assert other != [simulate_findings(case(n), "BANK_DEPOSIT") for n in range(1, 21)]


def test_findings_keep_realism_bounds():
    for n in range(1, 401):
        for category in QUERIED_CATEGORIES:
            for finding in simulate_findings(case(n), category):
                check_finding(finding, category)


def test_distribution_is_typical_of_a_county_court():
    n_cases = 1000
    share = {
        c: sum(bool(simulate_findings(case(n), c)) for n in range(1, n_cases + 1)) / n_cases
        for c in QUERIED_CATEGORIES
    }
    assert 0.75 <= share["BANK_DEPOSIT"] <= 0.95
    assert 0.32 <= share["ONLINE_PAYMENT"] <= 0.48
    assert 0.22 <= share["REAL_ESTATE"] <= 0.38
    assert 0.27 <= share["VEHICLE"] <= 0.43
    assert share["SECURITIES"] <= 0.1 and share["SHIP"] <= 0.05
    assert 0.09 <= share["RURAL_BANK_SHARES"] <= 0.21
    assert 0.05 <= share["OTHER_RIGHTS"] <= 0.15

    deposits = [f for n in range(1, n_cases + 1) for f in simulate_findings(case(n), "BANK_DEPOSIT")]
    per_case = [len(simulate_findings(case(n), "BANK_DEPOSIT")) for n in range(1, n_cases + 1)]
    assert max(per_case) <= 3
    assert any(f.value < 100 for f in deposits)  # some accounts are practically empty
    estates = [f for n in range(1, n_cases + 1) for f in simulate_findings(case(n), "REAL_ESTATE")]
    assert any(f.encumbrances and "抵押" in f.encumbrances for f in estates)
    assert any(not f.first_seal for f in estates) and any(f.first_seal for f in estates)
    assert any(f.respondent_holds_mortgage for f in estates)
    shares = [f for n in range(1, n_cases + 1) for f in simulate_findings(case(n), "RURAL_BANK_SHARES")]
    assert any(f.first_seal and f.disposable for f in shares)
    assert any(not f.first_seal for f in shares)
    rights = [f for n in range(1, n_cases + 1) for f in simulate_findings(case(n), "OTHER_RIGHTS")]
    assert all(re.fullmatch(r"郁南县\S+有限公司 \d+%股权", f.description) for f in rights)


# --- asynchrony: pending, then ready ---------------------------------------------------------


async def test_fetch_is_pending_until_the_delay_has_passed_on_the_clock(clock):
    provider = reliable(clock, delay=30)
    request_id = await provider.submit(request())
    assert await provider.fetch(request_id) is None
    clock.advance(seconds=29.9)
    assert await provider.fetch(request_id) is None
    # A resubmit does not restart the wait: the delay runs from the first submit.
    assert await provider.submit(request(attempt=2)) == request_id
    clock.advance(seconds=0.1)
    assert await provider.fetch(request_id) == simulate_findings(CASE, "BANK_DEPOSIT")


async def test_zero_delay_answers_at_once(clock):
    provider = reliable(clock, delay=0)
    request_id = await provider.submit(request(category="VEHICLE"))
    assert await provider.fetch(request_id) == simulate_findings(CASE, "VEHICLE")


async def test_nothing_found_is_an_empty_list_not_none(clock):
    provider = reliable(clock, delay=0)
    empty = next(n for n in range(1, 500) if not simulate_findings(case(n), "SHIP"))
    request_id = await provider.submit(request(case(empty), "SHIP"))
    assert await provider.fetch(request_id) == []


# --- idempotency -----------------------------------------------------------------------------


async def test_submit_is_idempotent_per_case_and_category(clock):
    provider = reliable(clock)
    assert await provider.submitted_count(CASE, "BANK_DEPOSIT") == 0
    first = await provider.submit(request())
    assert re.fullmatch(r"SIM-[0-9a-f]{16}", first)
    for attempt in (1, 1, 2, 3):  # redelivered messages and retries
        assert await provider.submit(request(attempt=attempt)) == first
    assert await provider.submitted_count(CASE, "BANK_DEPOSIT") == 1

    other_category = await provider.submit(request(category="REAL_ESTATE"))
    other_case = await provider.submit(request(case(2)))
    assert len({first, other_category, other_case}) == 3
    assert await provider.submitted_count(CASE, "REAL_ESTATE") == 1
    assert await provider.submitted_count(case(2), "BANK_DEPOSIT") == 1


async def test_submit_is_idempotent_by_the_requests_key(clock):
    provider = reliable(clock, delay=0)
    first = await provider.submit(request_with_key("exec-center/asset-query/1"))
    assert await provider.submit(request_with_key("exec-center/asset-query/1", attempt=2)) == first
    other = await provider.submit(request_with_key("exec-center/asset-query/2", ordinal=2))
    assert other != first
    # One query per respondent: the second respondent's is a query of its own, with its own assets.
    assert await provider.submitted_count(CASE, "BANK_DEPOSIT") == 2
    assert await provider.fetch(first) == simulate_findings(CASE, "BANK_DEPOSIT")
    assert await provider.fetch(other) == simulate_findings(CASE, "BANK_DEPOSIT", respondent=2)


def request_with_key(key: str, attempt: int = 1, ordinal: int = 1) -> AssetQueryRequest:
    return AssetQueryRequest(case_number=CASE, category="BANK_DEPOSIT", respondent_name="李四",
                             respondent_id_number=RID, attempt=attempt, respondent_ordinal=ordinal,
                             idempotency_key=key)


def test_each_finding_has_a_reference_of_its_own_for_each_respondent():
    refs = [f.reference for n in range(1, 101) for c in QUERIED_CATEGORIES for r in (1, 2)
            for f in simulate_findings(case(n), c, respondent=r)]
    assert all(ref and re.fullmatch(r"SIM-F-[0-9a-f]{16}", ref) for ref in refs)
    assert len(set(refs)) == len(refs)
    assert [f.reference for f in simulate_findings(case(2), "BANK_DEPOSIT")] == [
        f.reference for f in simulate_findings(case(2), "BANK_DEPOSIT")]
    # Another respondent of the same case has other assets.
    assert whole_case(case(7)) != tuple(f for c in QUERIED_CATEGORIES
                                        for f in simulate_findings(case(7), c, respondent=2))


async def test_request_id_is_the_same_across_instances(clock):
    assert await reliable(clock).submit(request()) == await reliable(clock).submit(request())


def test_concurrent_submits_from_several_threads_start_one_query(clock):
    provider = reliable(clock)
    ids: list[str] = []
    barrier = threading.Barrier(8)

    def submit() -> None:
        barrier.wait()
        ids.append(asyncio.run(provider.submit(request())))

    threads = [threading.Thread(target=submit) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(ids) == 8 and len(set(ids)) == 1
    assert asyncio.run(provider.submitted_count(CASE, "BANK_DEPOSIT")) == 1


async def test_same_case_and_category_for_another_respondent_is_refused(clock):
    provider = reliable(clock)
    await provider.submit(request())
    with pytest.raises(AssetQueryError) as excinfo:
        await provider.submit(request(id_number="91445322MA4ABCDE15"))
    assert excinfo.value.retryable is False
    assert RID not in str(excinfo.value) and "91445322MA4ABCDE15" not in str(excinfo.value)
    assert await provider.submitted_count(CASE, "BANK_DEPOSIT") == 1


async def test_fetch_of_an_unknown_id_is_not_retryable(clock):
    provider = reliable(clock)
    with pytest.raises(AssetQueryError) as excinfo:
        await provider.fetch("SIM-0000000000000000")
    assert type(excinfo.value) is UnknownReference
    assert excinfo.value.retryable is False
    assert "SIM-0000000000000000" in str(excinfo.value)


# --- failure injection -----------------------------------------------------------------------


async def test_failure_rate_one_fails_submits_until_the_guaranteed_attempt(clock):
    provider = SimulatedAssetQueryProvider(clock, failure_rate=1.0, timeout_rate=0)
    for attempt in range(1, ALWAYS_SUCCEEDS_FROM):
        with pytest.raises(ProviderUnavailable) as excinfo:
            await provider.submit(request(attempt=attempt))
        assert excinfo.value.retryable is True
        assert await provider.submitted_count(CASE, "BANK_DEPOSIT") == 0  # a failed submit starts nothing
    request_id = await provider.submit(request(attempt=ALWAYS_SUCCEEDS_FROM))
    assert await provider.submitted_count(CASE, "BANK_DEPOSIT") == 1
    clock.advance(seconds=2)
    assert await provider.fetch(request_id) == simulate_findings(CASE, "BANK_DEPOSIT")


async def test_timeout_rate_one_times_out_fetches_until_the_guaranteed_fetch(clock):
    provider = SimulatedAssetQueryProvider(clock, failure_rate=0, timeout_rate=1.0)
    request_id = await provider.submit(request())
    clock.advance(seconds=2)
    for _ in range(1, ALWAYS_SUCCEEDS_FROM):
        with pytest.raises(ProviderTimeout) as excinfo:
            await provider.fetch(request_id)
        assert excinfo.value.retryable is True
    assert await provider.fetch(request_id) == simulate_findings(CASE, "BANK_DEPOSIT")


async def test_rates_zero_never_fail(clock):
    provider = reliable(clock, delay=0)
    for n in range(1, 101):
        for category in QUERIED_CATEGORIES:
            request_id = await provider.submit(request(case(n), category))
            assert await provider.fetch(request_id) is not None


async def test_failures_are_deterministic_and_follow_the_rate():
    async def outcomes() -> list[bool]:
        provider = SimulatedAssetQueryProvider(FrozenClock(NOW), failure_rate=0.5, timeout_rate=0)
        result = []
        for n in range(1, 201):
            try:
                await provider.submit(request(case(n)))
                result.append(True)
            except ProviderUnavailable:
                result.append(False)
        return result

    first = await outcomes()
    assert first == await outcomes()
    assert 60 <= first.count(False) <= 140


async def test_with_retries_every_query_eventually_succeeds():
    clock = FrozenClock(NOW)
    provider = SimulatedAssetQueryProvider(clock, delay_seconds=5, failure_rate=0.6, timeout_rate=0.6)
    for n in range(1, 41):
        for category in QUERIED_CATEGORIES:
            attempt = 1
            while True:
                try:
                    request_id = await provider.submit(request(case(n), category, attempt=attempt))
                    break
                except ProviderUnavailable:
                    attempt += 1
            assert attempt <= ALWAYS_SUCCEEDS_FROM
            for _ in range(20):
                clock.advance(seconds=1)
                try:
                    findings = await provider.fetch(request_id)
                except ProviderTimeout:
                    continue
                if findings is not None:
                    break
            else:
                pytest.fail(f"{n} {category} never answered")
            assert findings == simulate_findings(case(n), category)


# --- personal data ---------------------------------------------------------------------------


async def test_the_id_number_never_leaves_the_request(clock, caplog):
    caplog.set_level(logging.DEBUG, logger="exec_center")
    seen: list[str] = []
    req = request(category="REAL_ESTATE")
    seen += [repr(req), str(req)]

    provider = SimulatedAssetQueryProvider(clock, failure_rate=1.0, timeout_rate=1.0)
    seen.append(repr(provider))
    for attempt in range(1, ALWAYS_SUCCEEDS_FROM):
        with pytest.raises(ProviderUnavailable) as unavailable:
            await provider.submit(request(category="REAL_ESTATE", attempt=attempt))
        seen += [str(unavailable.value), repr(unavailable.value)]
    request_id = await provider.submit(request(category="REAL_ESTATE", attempt=ALWAYS_SUCCEEDS_FROM))
    seen.append(request_id)
    clock.advance(seconds=2)
    with pytest.raises(ProviderTimeout) as timeout:
        await provider.fetch(request_id)
    seen += [str(timeout.value), repr(timeout.value)]
    with pytest.raises(AssetQueryError) as unknown:
        await provider.fetch("SIM-ffffffffffffffff")
    seen += [str(unknown.value), repr(unknown.value)]

    for n in range(1, 51):
        for category in QUERIED_CATEGORIES:
            seen += [repr(f) for f in simulate_findings(case(n), category)]
    seen += [r.getMessage() for r in caplog.records]

    for text in seen:
        assert RID not in text
        assert "19800101" not in text  # not even the birth date in the middle


# --- the port's data types -------------------------------------------------------------------


class Category(str, Enum):  # the shape of the domain's AssetCategory
    BANK_DEPOSIT = "BANK_DEPOSIT"


def test_request_validation():
    with pytest.raises(ValueError, match="BANK_DEPOSIT"):  # lists the known categories
        request(category="MOVABLES")  # found offline, never queried
    with pytest.raises(ValueError):
        request(attempt=0)
    with pytest.raises(ValueError):
        request(id_number="")
    # A str Enum member is normalised, so hashes do not depend on how it formats.
    assert request(category=Category.BANK_DEPOSIT).category == "BANK_DEPOSIT"
    assert type(request(category=Category.BANK_DEPOSIT).category) is str


def finding(**changes) -> AssetFindingData:
    values = dict(category="VEHICLE", institution="云浮市公安局交通警察支队车辆管理所",
                  description="粤W·3K521 小型轿车", value=Decimal("86000.00"), encumbrances=None,
                  first_seal=True, disposable=True)
    return AssetFindingData(**{**values, **changes})


def test_finding_validation():
    assert finding(value=None).value is None
    assert finding(value=Decimal("12.5")).value == Decimal("12.50")
    for bad in (Decimal("0.001"), Decimal("-1.00"), Decimal("NaN"), 12.5):
        with pytest.raises(ValueError):
            finding(value=bad)
    with pytest.raises(ValueError):
        finding(category="CASH")


@pytest.mark.parametrize("error", [
    ProviderUnavailable("down"), ProviderTimeout("slow"), AssetQueryError("bad", retryable=False),
    AssetQueryError("odd", retryable=True),
])
def test_errors_survive_pickling_with_their_retryable_flag(error):
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert copy.retryable is error.retryable
    assert str(copy) == str(error)


# --- the static provider and the factory -----------------------------------------------------


async def test_static_provider_answers_at_once_with_the_given_findings():
    car = finding()
    provider = StaticAssetQueryProvider({"VEHICLE": [car]})
    assert isinstance(provider, AssetQueryProvider)
    request_id = await provider.submit(request(category="VEHICLE"))
    assert await provider.submit(request(category="VEHICLE", attempt=2)) == request_id
    assert await provider.submitted_count(CASE, "VEHICLE") == 1
    answer = await provider.fetch(request_id)
    assert answer == [car]
    answer.clear()  # the caller's copy; the configured answer stays
    assert await provider.fetch(request_id) == [car]
    assert await provider.fetch(await provider.submit(request(category="SHIP"))) == []
    with pytest.raises(AssetQueryError):
        await provider.fetch("STATIC-unknown")


def test_static_provider_rejects_findings_under_the_wrong_category():
    with pytest.raises(ValueError):
        StaticAssetQueryProvider({"REAL_ESTATE": [finding()]})
    with pytest.raises(ValueError):
        StaticAssetQueryProvider({"MOVABLES": []})


async def test_make_provider(clock):
    provider = make_provider("simulator", clock, delay_seconds=10)
    assert isinstance(provider, SimulatedAssetQueryProvider)
    assert isinstance(provider, AssetQueryProvider)
    request_id = await provider.submit(request(attempt=ALWAYS_SUCCEEDS_FROM))

    async def fetch() -> list[AssetFindingData] | None:
        # The factory's simulator has the default rates: a fetch may time out, retries get through.
        for _ in range(ALWAYS_SUCCEEDS_FROM):
            try:
                return await provider.fetch(request_id)
            except ProviderTimeout:
                continue
        pytest.fail("fetch kept timing out")

    clock.advance(seconds=9)
    assert await fetch() is None
    clock.advance(seconds=1)
    assert await fetch() == simulate_findings(CASE, "BANK_DEPOSIT")
    with pytest.raises(ValueError, match="simulator"):
        make_provider("zongduizong", clock, delay_seconds=1)


def test_simulator_rejects_bad_settings(clock):
    for kwargs in ({"delay_seconds": -1}, {"failure_rate": 1.5}, {"timeout_rate": -0.1}):
        with pytest.raises(ValueError):
            SimulatedAssetQueryProvider(clock, **kwargs)


# --- property-based --------------------------------------------------------------------------

case_numbers = st.builds(case, st.integers(min_value=1, max_value=99_999),
                         st.integers(min_value=2000, max_value=2099))


@settings(max_examples=150, deadline=None)
@given(case_numbers)
def test_any_case_number_gives_stable_realistic_findings(case_number):
    for category in QUERIED_CATEGORIES:
        findings = simulate_findings(case_number, category)
        assert findings == simulate_findings(case_number, category)
        for f in findings:
            check_finding(f, category)
            # Other courts' seals are from earlier cases, never from a later year.
            year = int(case_number[1:5])
            assert all(int(y) <= year for y in re.findall(r"（(\d{4})）", f.encumbrances or ""))

    async def through_the_port() -> list[list[AssetFindingData] | None]:
        clock = FrozenClock(NOW)
        provider = reliable(clock, delay=1)
        ids = [await provider.submit(request(case_number, c)) for c in QUERIED_CATEGORIES]
        clock.advance(seconds=1)
        return [await provider.fetch(i) for i in ids]

    assert asyncio.run(through_the_port()) == [simulate_findings(case_number, c) for c in QUERIED_CATEGORIES]
