"""Asset query-and-control provider port (总对总 / 点对点 查控系统) and its simulator.

Work rules Art. 14: with the 执保 number the centre starts the asset query in the execution
system; Art. 15: when results come back it analyses them and takes control measures; Art. 19:
disposable property found goes on the pre-disposal list.

The real systems are asynchronous: a query is submitted, and the feedback (查询反馈) arrives
hours or days later. The port mirrors that with ``submit`` (returns the provider's request id)
and ``fetch`` (``None`` while pending). Categories are passed as their string identifiers
(``"BANK_DEPOSIT"``, …) so this module does not depend on the domain's ``AssetCategory``; a
str-valued Enum member is accepted too and normalised to its value.

Personal data: the respondent's ID number is sent to the provider and nowhere else. It is kept
out of reprs, request ids, exception messages, logs and findings; account numbers appear in
findings only as their last four digits.
"""

from __future__ import annotations

import hashlib
import logging
import random
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from enum import Enum
from typing import Protocol, runtime_checkable

from exec_center.clock import Clock, SystemClock

__all__ = [
    "ALWAYS_SUCCEEDS_FROM",
    "KNOWN_PROVIDERS",
    "QUERIED_CATEGORIES",
    "AssetFindingData",
    "AssetQueryError",
    "AssetQueryProvider",
    "AssetQueryRequest",
    "ProviderTimeout",
    "ProviderUnavailable",
    "SimulatedAssetQueryProvider",
    "StaticAssetQueryProvider",
    "make_provider",
    "simulate_findings",
]

logger = logging.getLogger(__name__)

# The categories the networked system answers for. Machinery and other movables (MOVABLES) are
# found by offline investigation, not by the query system, so they are not queried.
QUERIED_CATEGORIES: tuple[str, ...] = (
    "BANK_DEPOSIT",
    "ONLINE_PAYMENT",
    "REAL_ESTATE",
    "VEHICLE",
    "SECURITIES",
    "SHIP",
    "RURAL_BANK_SHARES",
    "OTHER_RIGHTS",
)

_CENT = Decimal("0.01")


def _category_id(value: object) -> str:
    """The plain string identifier of a queried category; ValueError if it is not one.

    A ``(str, Enum)`` member formats as ``AssetCategory.X`` in f-strings on Python 3.11, which
    would silently change the simulator's hashes, so Enum members are reduced to their value.
    """
    if isinstance(value, Enum):
        value = value.value
    if not isinstance(value, str) or value not in QUERIED_CATEGORIES:
        raise ValueError(f"unknown asset query category {value!r}; known: {', '.join(QUERIED_CATEGORIES)}")
    return str(value)


# --- the port --------------------------------------------------------------------------------


@dataclass(frozen=True)
class AssetQueryRequest:
    """One query: one category of assets of one respondent, for one 执保 case."""

    case_number: str  # e.g. "（2024）粤5322执保1号"
    category: str  # one of QUERIED_CATEGORIES
    respondent_name: str
    # Resident ID or USCC. Personal data: excluded from repr so it cannot leak into logs or
    # tracebacks that print the request.
    respondent_id_number: str = field(repr=False)
    attempt: int = 1  # 1 on the first try, 2 on the first retry, ...

    def __post_init__(self) -> None:
        object.__setattr__(self, "category", _category_id(self.category))
        if not self.case_number:
            raise ValueError("case_number is required")
        if not self.respondent_id_number:
            raise ValueError("respondent_id_number is required")
        if isinstance(self.attempt, bool) or not isinstance(self.attempt, int) or self.attempt < 1:
            raise ValueError(f"attempt must be an integer >= 1, got {self.attempt!r}")


@dataclass(frozen=True)
class AssetFindingData:
    """One asset in the feedback, as the provider reports it (before the centre analyses it)."""

    category: str
    institution: str  # the bank / registry / platform that answered
    description: str  # accounts only by their last four digits
    value: Decimal | None  # balance / estimated value, 2 decimals; None when unknown
    encumbrances: str | None  # mortgages, other courts' seals/freezes
    first_seal: bool  # this court would be the first to seal/freeze it (首封)
    disposable: bool  # 可处置财产 (Art. 19)
    respondent_holds_mortgage: bool = False  # real estate on which the respondent holds a mortgage

    def __post_init__(self) -> None:
        object.__setattr__(self, "category", _category_id(self.category))
        if not self.institution or not self.description:
            raise ValueError("institution and description are required")
        if self.value is not None:
            # Money is exact: adapters quantise the provider's amounts, never pass floats.
            if not isinstance(self.value, Decimal) or not self.value.is_finite() or self.value < 0:
                raise ValueError(f"value must be a finite, non-negative Decimal, got {self.value!r}")
            if self.value != self.value.quantize(_CENT):
                raise ValueError(f"value has more than 2 decimals: {self.value}")


class AssetQueryError(Exception):
    """A query failed. ``retryable`` tells the worker whether trying again can help."""

    default_retryable = False

    def __init__(self, message: str, *, retryable: bool | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = self.default_retryable if retryable is None else retryable

    def __reduce__(self) -> tuple[Callable[..., AssetQueryError], tuple[object, ...]]:
        # Default pickling would drop the keyword-only ``retryable`` (errors cross process
        # boundaries in the job queue's result/traceback handling).
        return (_rebuild_error, (type(self), self.message, self.retryable))


def _rebuild_error(cls: type[AssetQueryError], message: str, retryable: bool) -> AssetQueryError:
    return cls(message, retryable=retryable)


class ProviderUnavailable(AssetQueryError):
    """The system is down or rejects the query for load; try again later."""

    default_retryable = True


class ProviderTimeout(AssetQueryError):
    """No answer in time; try again later."""

    default_retryable = True


@runtime_checkable
class AssetQueryProvider(Protocol):
    async def submit(self, request: AssetQueryRequest) -> str:
        """Send one query; returns the provider's request id. Idempotent per (case_number, category):
        submitting the same query again returns the same id and starts no second query."""
        ...

    async def fetch(self, request_id: str) -> list[AssetFindingData] | None:
        """The findings when the answer has come (possibly an empty list: nothing found), None while
        pending."""
        ...


# --- shared bookkeeping ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Submitted:
    submitted_at: datetime
    request: AssetQueryRequest


class _Registry:
    """Submitted queries by request id, shared by the API's and the workers' event loops."""

    def __init__(self, clock: Clock, prefix: str) -> None:
        self._clock = clock
        self._prefix = prefix
        self._lock = threading.Lock()
        self._queries: dict[str, _Submitted] = {}
        self._fetches: dict[str, int] = {}
        self._started: dict[str, int] = {}  # queries actually started, by request id

    def request_id(self, case_number: str, category: str) -> str:
        # Deterministic, and derived from the case and category only: no personal data.
        digest = hashlib.sha256(f"{case_number}|{category}".encode()).hexdigest()
        return self._prefix + digest[:16]

    def register(self, request: AssetQueryRequest) -> str:
        request_id = self.request_id(request.case_number, request.category)
        with self._lock:
            existing = self._queries.get(request_id)
            if existing is None:
                self._queries[request_id] = _Submitted(self._clock.now(), request)
                self._started[request_id] = self._started.get(request_id, 0) + 1
                logger.debug(
                    "asset query %s started: %s %s", request_id, request.case_number, request.category
                )
            elif existing.request.respondent_id_number != request.respondent_id_number:
                # Same case and category but another respondent: returning the first query's id
                # would hand back someone else's assets. The id number stays out of the message.
                raise AssetQueryError(
                    f"query {request_id} ({request.case_number} {request.category}) was already "
                    "submitted for a different respondent",
                    retryable=False,
                )
        return request_id

    def lookup(self, request_id: str) -> tuple[_Submitted, int]:
        """The query and how many times it has now been fetched (this call included)."""
        with self._lock:
            submitted = self._queries.get(request_id)
            if submitted is None:
                raise AssetQueryError(f"unknown asset query request id {request_id!r}", retryable=False)
            count = self._fetches.get(request_id, 0) + 1
            self._fetches[request_id] = count
        return submitted, count

    def submitted_count(self, case_number: str, category: str) -> int:
        request_id = self.request_id(case_number, _category_id(category))
        with self._lock:
            return self._started.get(request_id, 0)


# --- the simulator ---------------------------------------------------------------------------

# From this attempt (submit) / this fetch of a request id on, the simulator never fails, so
# end-to-end runs with retries always terminate whatever the rates.
ALWAYS_SUCCEEDS_FROM = 4


def _digest(*parts: object) -> bytes:
    # A separator that cannot occur in case numbers or categories keeps the parts unambiguous.
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).digest()


def _unit(*parts: object) -> float:
    """A deterministic number in [0, 1) from the parts."""
    return int.from_bytes(_digest(*parts)[:8], "big") / 2**64


class SimulatedAssetQueryProvider:
    """A stand-in for the query-and-control system: deterministic findings, delay and failures.

    Findings depend only on (seed, case_number, category), so a demo or a test sees the same
    assets for the same case number every time. Time comes from the injected clock; nothing
    sleeps: ``fetch`` answers ``None`` until ``delay_seconds`` have passed since the first
    submit of the query.
    """

    def __init__(
        self,
        clock: Clock,
        delay_seconds: float = 2.0,
        failure_rate: float = 0.1,
        timeout_rate: float = 0.05,
        seed: str = "exec-center",
    ) -> None:
        if delay_seconds < 0:
            raise ValueError("delay_seconds must be >= 0")
        for name, rate in (("failure_rate", failure_rate), ("timeout_rate", timeout_rate)):
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1")
        self._clock = clock
        self._delay = timedelta(seconds=delay_seconds)
        self._failure_rate = failure_rate
        self._timeout_rate = timeout_rate
        self._seed = seed
        self._registry = _Registry(clock, prefix="SIM-")

    def __repr__(self) -> str:
        return (
            f"SimulatedAssetQueryProvider(delay_seconds={self._delay.total_seconds()}, "
            f"failure_rate={self._failure_rate}, timeout_rate={self._timeout_rate})"
        )

    async def submit(self, request: AssetQueryRequest) -> str:
        # A system that is down rejects every submit, so the failure is decided before the
        # registry is consulted; it depends on the attempt, so a retry can get through.
        if (
            request.attempt < ALWAYS_SUCCEEDS_FROM
            and _unit(self._seed, request.case_number, request.category, request.attempt, "submit")
            < self._failure_rate
        ):
            raise ProviderUnavailable(
                f"query system unavailable for {request.case_number} {request.category} "
                f"(attempt {request.attempt})"
            )
        return self._registry.register(request)

    async def fetch(self, request_id: str) -> list[AssetFindingData] | None:
        submitted, fetch_count = self._registry.lookup(request_id)
        if (
            fetch_count < ALWAYS_SUCCEEDS_FROM
            and _unit(self._seed, request_id, fetch_count, "fetch") < self._timeout_rate
        ):
            raise ProviderTimeout(f"no answer in time for {request_id} (fetch {fetch_count})")
        if self._clock.now() - submitted.submitted_at < self._delay:
            return None
        request = submitted.request
        return simulate_findings(request.case_number, request.category, seed=self._seed)

    def submitted_count(self, case_number: str, category: str) -> int:
        """How many submits started a query for (case_number, category): 0 or 1, never more."""
        return self._registry.submitted_count(case_number, category)


# --- simulated findings: a county in 云浮市, Guangdong ------------------------------------------

BANKS: tuple[str, ...] = (
    "中国工商银行郁南支行",
    "中国农业银行郁南支行",
    "中国银行郁南支行",
    "中国建设银行郁南支行",
    "广东郁南农村商业银行",
    "中国邮政储蓄银行郁南县支行",
)
ONLINE_PAYMENT_INSTITUTIONS: tuple[str, ...] = ("支付宝（中国）网络技术有限公司", "财付通支付科技有限公司")
REAL_ESTATE_REGISTRY = "郁南县不动产登记中心"
VEHICLE_REGISTRY = "云浮市公安局交通警察支队车辆管理所"
SECURITIES_REGISTRY = "中国证券登记结算有限责任公司"
SHIP_REGISTRY = "云浮海事局"
RURAL_BANK = "广东郁南农村商业银行股份有限公司"
EQUITY_REGISTRY = "郁南县市场监督管理局"  # equity freezes are registered with market regulation

# The towns of 郁南县.
_TOWNS = (
    "都城镇",
    "平台镇",
    "千官镇",
    "大方镇",
    "桂圩镇",
    "通门镇",
    "建城镇",
    "宝珠镇",
    "大全镇",
    "历洞镇",
    "南江口镇",
    "东坝镇",
    "河口镇",
    "宋桂镇",
    "连滩镇",
)
_STREETS = ("建设路", "人民路", "新兴路", "河堤路", "环城路", "文化路", "府前路", "解放路")
_VILLAGES = ("新村", "东风村", "大塘村", "石岗村", "河村", "罗旁村")
# Other courts of 云浮 whose earlier seals may already sit on an asset (not this court, 粤5322).
_OTHER_COURTS = ("粤5302", "粤5303", "粤5321", "粤5381", "粤53")
_CAR_LENDERS = ("上汽通用汽车金融有限责任公司", "广汽汇理汽车金融有限公司", "中国建设银行郁南支行")
_VEHICLE_TYPES = ("小型轿车", "小型轿车", "小型普通客车", "小型越野客车", "轻型普通货车", "重型半挂牵引车")
# Plate letters exclude I and O (they read as 1 and 0).
_PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
_TRADE_NAMES = ("兴华", "宏达", "永盛", "金源", "南江", "富民", "华通", "恒泰")
_INDUSTRIES = ("农业发展", "建材", "贸易", "物流", "石材", "食品", "砂石")

_CASE_YEAR = re.compile(r"^（(\d{4})）")


def _money(rng: random.Random, low: Decimal | int, high: Decimal | int) -> Decimal:
    """A uniform amount in [low, high] yuan, to the fen."""
    cents = rng.randint(int(Decimal(low) * 100), int(Decimal(high) * 100))
    return (Decimal(cents) / 100).quantize(_CENT)


def _round_value(rng: random.Random, low: int, high: int) -> Decimal:
    """An estimated value in [low, high] yuan rounded to hundreds, as appraisals are."""
    return (Decimal(rng.randint(low // 100, high // 100)) * 100).quantize(_CENT)


def _tail(rng: random.Random) -> str:
    return f"{rng.randrange(10_000):04d}"


def _other_seal(rng: random.Random, case_number: str, measure: str) -> str:
    """An earlier seal/freeze by another court, no later than this case's year."""
    match = _CASE_YEAR.match(case_number)
    year = int(match.group(1)) if match else 2024
    return (
        f"已被（{rng.randint(year - 3, year)}）{rng.choice(_OTHER_COURTS)}执{rng.randint(1, 3000)}号{measure}"
    )


def _bank_deposits(rng: random.Random, case_number: str) -> list[AssetFindingData]:
    if rng.random() >= 0.85:  # most respondents have 1–3 accounts
        return []
    findings = []
    for bank in rng.sample(BANKS, rng.randint(1, 3)):
        kind = rng.choice(("活期存款账户", "活期存款账户", "借记卡账户", "定期存款账户"))
        band = rng.random()
        if band < 0.3:
            balance = _money(rng, Decimal("0.01"), Decimal("99.99"))  # practically empty
        elif band < 0.85:
            balance = _money(rng, 100, 30_000)
        else:
            balance = _money(rng, 30_000, 500_000)
        sealed = rng.random() < 0.1
        findings.append(
            AssetFindingData(
                category="BANK_DEPOSIT",
                institution=bank,
                description=f"{kind}（尾号{_tail(rng)}）",
                value=balance,
                encumbrances=_other_seal(rng, case_number, "冻结") if sealed else None,
                first_seal=not sealed,
                disposable=False,  # funds are deducted (扣划), not sold: not Art. 19 property
            )
        )
    return findings


def _online_payment(rng: random.Random, case_number: str) -> list[AssetFindingData]:
    if rng.random() >= 0.4:
        return []
    products = {
        "支付宝（中国）网络技术有限公司": ("支付宝账户余额", "余额宝"),
        "财付通支付科技有限公司": ("微信零钱", "零钱通"),
    }
    findings = []
    for institution in rng.sample(ONLINE_PAYMENT_INSTITUTIONS, rng.randint(1, 2)):
        findings.append(
            AssetFindingData(
                category="ONLINE_PAYMENT",
                institution=institution,
                description=rng.choice(products[institution]),
                value=_money(rng, Decimal("0.01"), 8_000)
                if rng.random() < 0.9
                else _money(rng, 8_000, 60_000),
                encumbrances=None,
                first_seal=True,
                disposable=False,  # funds, deducted like deposits
            )
        )
    return findings


def _real_estate(rng: random.Random, case_number: str) -> list[AssetFindingData]:
    if rng.random() >= 0.3:
        return []
    findings = []
    for _ in range(1 if rng.random() < 0.85 else 2):
        town = rng.choice(_TOWNS)
        homestead = rng.random() < 0.15
        if homestead:
            description = f"{town}{rng.choice(_VILLAGES)}{rng.randint(1, 120)}号自建房（宅基地）"
        else:
            building = rng.choice(("商住楼", "住宅楼", "商住楼"))
            floor, unit = rng.randint(1, 9), rng.randint(1, 4)
            address = f"{town}{rng.choice(_STREETS)}{rng.randint(1, 200)}号"
            description = (
                address + "首层商铺" if rng.random() < 0.15 else f"{address}{building}{floor}0{unit}房"
            )
        holds_mortgage = not homestead and rng.random() < 0.08
        if holds_mortgage:
            # A third party's property securing a claim of the respondent's (Art. 19).
            description += "（被执行人为抵押权人）"
        parts = []
        if not holds_mortgage and rng.random() < 0.35:
            parts.append(f"已设定抵押（{rng.choice(BANKS)}）")
        sealed = rng.random() < 0.2
        if sealed:
            parts.append(_other_seal(rng, case_number, "查封"))
        findings.append(
            AssetFindingData(
                category="REAL_ESTATE",
                institution=REAL_ESTATE_REGISTRY,
                description=description,
                value=_round_value(rng, 150_000, 1_200_000),
                encumbrances="；".join(parts) or None,
                first_seal=not sealed,
                # Another court's first seal leaves disposal to that court; homesteads can only
                # pass within the village collective, so they are not put up for disposal.
                disposable=not sealed and not homestead,
                respondent_holds_mortgage=holds_mortgage,
            )
        )
    return findings


def _plate(rng: random.Random) -> str:
    if rng.random() < 0.12:  # new-energy plates: D/F + 5 digits
        return f"粤W·{rng.choice('DF')}{rng.randrange(100_000):05d}"
    chars = [rng.choice("0123456789") for _ in range(5)]
    chars[rng.randrange(5)] = rng.choice(_PLATE_LETTERS)  # most plates mix one letter in
    return "粤W·" + "".join(chars)


def _vehicles(rng: random.Random, case_number: str) -> list[AssetFindingData]:
    if rng.random() >= 0.35:
        return []
    findings = []
    for _ in range(1 if rng.random() < 0.9 else 2):
        parts = []
        if rng.random() < 0.2:
            parts.append(f"已设定抵押（{rng.choice(_CAR_LENDERS)}）")
        sealed = rng.random() < 0.15
        if sealed:
            parts.append(_other_seal(rng, case_number, "查封"))
        findings.append(
            AssetFindingData(
                category="VEHICLE",
                institution=VEHICLE_REGISTRY,
                description=f"{_plate(rng)} {rng.choice(_VEHICLE_TYPES)}",
                value=_round_value(rng, 30_000, 250_000),
                encumbrances="；".join(parts) or None,
                first_seal=not sealed,
                disposable=not sealed,  # a seized movable (Art. 19) unless another court sealed first
            )
        )
    return findings


def _securities(rng: random.Random, case_number: str) -> list[AssetFindingData]:
    if rng.random() >= 0.05:
        return []
    sealed = rng.random() < 0.1
    return [
        AssetFindingData(
            category="SECURITIES",
            institution=SECURITIES_REGISTRY,
            description=f"A股证券账户（尾号{_tail(rng)}）持仓股票",
            value=_money(rng, 1_000, 200_000),
            encumbrances=_other_seal(rng, case_number, "冻结") if sealed else None,
            first_seal=not sealed,
            disposable=False,  # sold on the exchange, not through the Art. 19 pre-disposal route
        )
    ]


def _ships(rng: random.Random, case_number: str) -> list[AssetFindingData]:
    if rng.random() >= 0.02:
        return []
    sealed = rng.random() < 0.1
    return [
        AssetFindingData(
            category="SHIP",
            institution=SHIP_REGISTRY,
            description=f"粤云浮货{rng.randint(1000, 9999)} 内河干货船（总吨{rng.randint(80, 1500)}）",
            value=_round_value(rng, 200_000, 1_500_000),
            encumbrances=_other_seal(rng, case_number, "扣押") if sealed else None,
            first_seal=not sealed,
            disposable=not sealed,  # a movable, like vehicles
        )
    ]


def _rural_bank_shares(rng: random.Random, case_number: str) -> list[AssetFindingData]:
    if rng.random() >= 0.15:
        return []
    sealed = rng.random() < 0.4  # shareholders' stakes are often frozen by an earlier case
    shares = rng.randint(1, 50) * 1_000
    price = _money(rng, Decimal("1.00"), Decimal("1.80"))
    return [
        AssetFindingData(
            category="RURAL_BANK_SHARES",
            institution=RURAL_BANK,
            description=f"股金{shares:,}股",
            value=(price * shares).quantize(_CENT),
            encumbrances=_other_seal(rng, case_number, "冻结") if sealed else None,
            first_seal=not sealed,
            disposable=not sealed,  # Art. 19: first-frozen rural-bank shares
        )
    ]


def _other_rights(rng: random.Random, case_number: str) -> list[AssetFindingData]:
    if rng.random() >= 0.1:
        return []
    company = f"郁南县{rng.choice(_TRADE_NAMES)}{rng.choice(_INDUSTRIES)}有限公司"
    percent = rng.choice((5, 10, 20, 30, 40, 51, 60, 100))
    sealed = rng.random() < 0.15
    return [
        AssetFindingData(
            category="OTHER_RIGHTS",
            institution=EQUITY_REGISTRY,
            description=f"{company} {percent}%股权",
            value=None,  # equity has no value until appraised
            encumbrances=_other_seal(rng, case_number, "冻结") if sealed else None,
            first_seal=not sealed,
            disposable=False,  # not on the Art. 19 list; equity needs appraisal first
        )
    ]


_GENERATORS: dict[str, Callable[[random.Random, str], list[AssetFindingData]]] = {
    "BANK_DEPOSIT": _bank_deposits,
    "ONLINE_PAYMENT": _online_payment,
    "REAL_ESTATE": _real_estate,
    "VEHICLE": _vehicles,
    "SECURITIES": _securities,
    "SHIP": _ships,
    "RURAL_BANK_SHARES": _rural_bank_shares,
    "OTHER_RIGHTS": _other_rights,
}


def simulate_findings(
    case_number: str, category: str, *, seed: str = "exec-center"
) -> list[AssetFindingData]:
    """The simulator's findings for (case_number, category): a pure function of its arguments."""
    category = _category_id(category)
    rng = random.Random(int.from_bytes(_digest(seed, case_number, category), "big"))
    return _GENERATORS[category](rng, case_number)


# --- a provider with fixed answers -----------------------------------------------------------


class StaticAssetQueryProvider:
    """Answers at once with the findings given per category (none for a missing category)."""

    def __init__(self, findings: Mapping[str, list[AssetFindingData]]) -> None:
        self._findings: dict[str, tuple[AssetFindingData, ...]] = {}
        for category, items in findings.items():
            key = _category_id(category)
            if any(item.category != key for item in items):
                raise ValueError(f"findings under {key} must all have category {key}")
            self._findings[key] = tuple(items)
        self._registry = _Registry(SystemClock(), prefix="STATIC-")  # time only for bookkeeping

    async def submit(self, request: AssetQueryRequest) -> str:
        return self._registry.register(request)

    async def fetch(self, request_id: str) -> list[AssetFindingData] | None:
        submitted, _ = self._registry.lookup(request_id)
        # A fresh list each time: callers may not alter the configured answers.
        return list(self._findings.get(submitted.request.category, ()))

    def submitted_count(self, case_number: str, category: str) -> int:
        return self._registry.submitted_count(case_number, category)


# --- factory ---------------------------------------------------------------------------------

KNOWN_PROVIDERS: tuple[str, ...] = ("simulator",)  # "simulator" is the configured default


def make_provider(name: str, clock: Clock, delay_seconds: float = 2.0) -> AssetQueryProvider:
    """The provider named in the settings. Only the simulator exists until the court's network
    adapter is written."""
    if name == "simulator":
        return SimulatedAssetQueryProvider(clock, delay_seconds=delay_seconds)
    raise ValueError(f"unknown asset query provider {name!r}; known: {', '.join(KNOWN_PROVIDERS)}")
