"""Asset query-and-control provider port (总对总 / 点对点 查控系统) and its simulator.

Work rules Art. 14: with the 执保 number the centre starts the asset query in the execution
system; Art. 15: when results come back it analyses them and takes control measures; Art. 19:
disposable property found goes on the pre-disposal list.

The real systems are asynchronous: a query is submitted, and the feedback (查询反馈) arrives
hours or days later. The port mirrors that with ``submit`` (returns the provider's request id)
and ``fetch`` (``None`` while pending). A submit is idempotent by the request's idempotency key,
as a real provider's is: the same key returns the same request id and starts nothing new.
Categories are passed as their string identifiers (``"BANK_DEPOSIT"``, …) so this module does
not depend on the domain's ``AssetCategory``; a str-valued Enum member is accepted too and
normalised to its value.

Personal data: the respondent's ID number is sent to the provider and nowhere else. It is kept
out of reprs, request ids, exception messages, logs and findings; account numbers appear in
findings only as their last four digits.
"""

from __future__ import annotations

import copy
import hashlib
import logging
import random
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from exec_center.clock import Clock, SystemClock

if TYPE_CHECKING:
    from exec_center.context import AppContext

__all__ = [
    "ALWAYS_SUCCEEDS_FROM",
    "KNOWN_PROVIDERS",
    "QUERIED_CATEGORIES",
    "AssetFindingData",
    "AssetQueryError",
    "AssetQueryProvider",
    "AssetQueryRequest",
    "BatchAssetQueryProvider",
    "ProviderTimeout",
    "ProviderUnavailable",
    "SimulatedAssetQueryProvider",
    "StaticAssetQueryProvider",
    "UnknownReference",
    "fetch_all",
    "make_provider",
    "simulate_findings",
    "submit_all",
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
    respondent_ordinal: int = 1  # which respondent of the case: 1 for the first, 2, ...
    # The same key, the same query: a retry or a redelivered message starts nothing new. The
    # caller names the query (no personal data); by default (case number, category, respondent).
    idempotency_key: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "category", _category_id(self.category))
        if not self.case_number:
            raise ValueError("case_number is required")
        if not self.respondent_id_number:
            raise ValueError("respondent_id_number is required")
        for name in ("attempt", "respondent_ordinal"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
        if not self.idempotency_key:
            object.__setattr__(
                self, "idempotency_key", f"{self.case_number}|{self.category}|{self.respondent_ordinal}"
            )
        if len(self.idempotency_key) > 200:
            raise ValueError("idempotency_key is at most 200 characters")


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
    # The provider's id of this item in its answer (no personal data); None when it gives none.
    reference: str | None = None

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
        if self.reference is not None and not 0 < len(self.reference) <= 100:
            raise ValueError("reference is 1 to 100 characters")


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


class UnknownReference(AssetQueryError):
    """The provider does not know the request id it was asked about (it has lost the query):
    fetching again cannot help; the query has to be submitted again."""


@runtime_checkable
class AssetQueryProvider(Protocol):
    """The port. A provider that keeps state in the database (the simulator) also has
    ``bind(ctx) -> AssetQueryProvider``: the same provider, working through that context's
    database; callers get the bound one from ``services.asset_queries.provider_for(ctx)``."""

    async def submit(self, request: AssetQueryRequest) -> str:
        """Send one query; returns the provider's request id. Idempotent by the request's
        idempotency key: submitting it again returns the same id and starts no second query."""
        ...

    async def fetch(self, request_id: str) -> list[AssetFindingData] | None:
        """The findings when the answer has come (possibly an empty list: nothing found), None while
        pending. ``UnknownReference`` for a request id the provider does not know."""
        ...


# What a batch call answers for one item: the request id (submit), the findings or None (fetch),
# or the error that item met - one item failing leaves the others' answers intact.
Submitted = str | AssetQueryError
Fetched = list[AssetFindingData] | None | AssetQueryError


@runtime_checkable
class BatchAssetQueryProvider(AssetQueryProvider, Protocol):
    """A provider that also takes many queries per call (as the networked 总对总 system takes a
    batch of requests): ``submit_many`` answers per request, in order; ``fetch_many`` per request
    id. The same idempotency rules as one at a time. Callers use `submit_all` / `fetch_all`,
    which fall back to one call per item for a provider without them."""

    async def submit_many(self, requests: Sequence[AssetQueryRequest]) -> list[Submitted]: ...

    async def fetch_many(self, request_ids: Sequence[str]) -> dict[str, Fetched]: ...


async def submit_all(provider: AssetQueryProvider, requests: Sequence[AssetQueryRequest]) -> list[Submitted]:
    """Submit `requests` in one call where the provider takes batches; per request, its id or
    the `AssetQueryError` it met (any other exception propagates: nothing is known then)."""
    if not requests:
        return []
    many = getattr(provider, "submit_many", None)
    if callable(many):
        return list(await many(requests))
    answers: list[Submitted] = []
    for request in requests:
        try:
            answers.append(await provider.submit(request))
        except AssetQueryError as error:
            answers.append(error)
    return answers


async def fetch_all(provider: AssetQueryProvider, request_ids: Sequence[str]) -> dict[str, Fetched]:
    """Fetch the answers to `request_ids` in one call where the provider takes batches; per
    request id, the findings, None (not ready) or the `AssetQueryError` that fetch met."""
    if not request_ids:
        return {}
    many = getattr(provider, "fetch_many", None)
    if callable(many):
        return dict(await many(request_ids))
    answers: dict[str, Fetched] = {}
    for request_id in request_ids:
        try:
            answers[request_id] = await provider.fetch(request_id)
        except AssetQueryError as error:
            answers[request_id] = error
    return answers


# --- where a provider keeps the queries it was sent ------------------------------------------


@dataclass(frozen=True)
class SubmittedQuery:
    """What a provider keeps of a query: enough to answer it the same way every time."""

    reference: str
    idempotency_key: str
    case_number: str
    category: str
    respondent_ordinal: int
    # Tells a repeat of the request from another request under the same key, without keeping
    # the respondent's ID number.
    request_digest: str
    submitted_at: datetime
    ready_at: datetime  # the answer is given from then on


class _Store(Protocol):
    async def register(self, query: SubmittedQuery) -> SubmittedQuery:
        """Keep `query` unless its key is known; returns what is kept under the key."""
        ...

    async def fetched(self, reference: str) -> tuple[SubmittedQuery, int] | None:
        """The query and how many times it has now been fetched (this call included)."""
        ...

    async def register_many(self, queries: Sequence[SubmittedQuery]) -> list[SubmittedQuery]:
        """`register` for each, at once (one transaction in the database); in order."""
        ...

    async def fetched_many(self, references: Sequence[str]) -> dict[str, tuple[SubmittedQuery, int]]:
        """`fetched` for each, at once; the references the store does not know are left out."""
        ...

    async def started(self, case_number: str, category: str) -> int:
        """How many queries were started for (case_number, category): one per respondent."""
        ...


class _MemoryStore:
    """In this process's memory: for an unbound provider (unit tests, a single process)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()  # shared by the API's and the workers' event loops
        self._queries: dict[str, SubmittedQuery] = {}  # by idempotency key
        self._references: dict[str, str] = {}  # reference -> idempotency key
        self._fetches: dict[str, int] = {}

    async def register(self, query: SubmittedQuery) -> SubmittedQuery:
        with self._lock:
            kept = self._queries.setdefault(query.idempotency_key, query)
            self._references[kept.reference] = kept.idempotency_key
        return kept

    async def fetched(self, reference: str) -> tuple[SubmittedQuery, int] | None:
        with self._lock:
            key = self._references.get(reference)
            if key is None:
                return None
            count = self._fetches[reference] = self._fetches.get(reference, 0) + 1
            return self._queries[key], count

    async def register_many(self, queries: Sequence[SubmittedQuery]) -> list[SubmittedQuery]:
        return [await self.register(query) for query in queries]

    async def fetched_many(self, references: Sequence[str]) -> dict[str, tuple[SubmittedQuery, int]]:
        found = {reference: await self.fetched(reference) for reference in dict.fromkeys(references)}
        return {reference: pair for reference, pair in found.items() if pair is not None}

    async def started(self, case_number: str, category: str) -> int:
        category = _category_id(category)
        with self._lock:
            queries = list(self._queries.values())
        return sum(q.case_number == case_number and q.category == category for q in queries)


class _DatabaseStore:
    """In the database (table ``simulated_asset_requests``), where every worker process sees it.

    Each call is one short write transaction of its own, taken through the context's writer (on
    SQLite it queues at the process's writer gate like a unit of work), so it must be called
    outside any open unit of work - as the asset-query service calls a provider: between them.
    """

    def __init__(self, ctx: AppContext) -> None:
        self._ctx = ctx

    async def register(self, query: SubmittedQuery) -> SubmittedQuery:
        return (await self.register_many([query]))[0]

    async def fetched(self, reference: str) -> tuple[SubmittedQuery, int] | None:
        return (await self.fetched_many([reference])).get(reference)

    async def register_many(self, queries: Sequence[SubmittedQuery]) -> list[SubmittedQuery]:
        import sqlalchemy as sa
        from sqlalchemy.dialects import postgresql, sqlite

        from exec_center.db.models import SimulatedAssetRequest as Row

        if not queries:
            return []
        columns = Row.__table__.columns
        async with self._ctx.writer() as session:
            insert = postgresql.insert if session.bind.dialect.name == "postgresql" else sqlite.insert
            # What was new comes back from the insert; what was known already is read after.
            kept = {
                row.idempotency_key: _submitted(row)
                for row in (
                    await session.execute(
                        insert(Row.__table__).on_conflict_do_nothing().returning(*columns),
                        [{**_fields(query), "fetches": 0} for query in queries],
                    )
                ).all()
            }
            known = {q.idempotency_key for q in queries} - kept.keys()
            if known:
                rows = await session.execute(sa.select(*columns).where(Row.idempotency_key.in_(known)))
                kept.update((row.idempotency_key, _submitted(row)) for row in rows.all())
            await session.commit()
        return [kept[query.idempotency_key] for query in queries]

    async def fetched_many(self, references: Sequence[str]) -> dict[str, tuple[SubmittedQuery, int]]:
        import sqlalchemy as sa

        from exec_center.db.models import SimulatedAssetRequest as Row

        if not references:
            return {}
        async with self._ctx.writer() as session:
            rows = (
                await session.execute(
                    sa.update(Row.__table__)
                    .where(Row.reference.in_(set(references)))
                    .values(fetches=Row.fetches + 1)
                    .returning(*Row.__table__.columns)
                )
            ).all()
            await session.commit()
        return {row.reference: (_submitted(row), row.fetches) for row in rows}

    async def started(self, case_number: str, category: str) -> int:
        import sqlalchemy as sa

        from exec_center.db.models import SimulatedAssetRequest as Row

        async with self._ctx.sessionmaker() as session:
            count = await session.scalar(
                sa.select(sa.func.count())
                .select_from(Row)
                .where(Row.case_number == case_number, Row.category == _category_id(category))
            )
        return int(count or 0)


def _fields(query: SubmittedQuery) -> dict[str, object]:
    return {name: getattr(query, name) for name in SubmittedQuery.__dataclass_fields__}


def _submitted(row: object) -> SubmittedQuery:
    return SubmittedQuery(
        **{name: getattr(row, name) for name in SubmittedQuery.__dataclass_fields__}  # type: ignore[arg-type]
    )


def _reference(prefix: str, idempotency_key: str) -> str:
    # Deterministic, and derived from the key only: no personal data.
    return prefix + hashlib.sha256(idempotency_key.encode()).hexdigest()[:16]


def _request_digest(reference: str, request: AssetQueryRequest) -> str:
    """What identifies the request under its key (the attempt aside); salted with the reference."""
    return hashlib.sha256(
        "\x1f".join(
            (
                reference,
                request.case_number,
                request.category,
                str(request.respondent_ordinal),
                request.respondent_name,
                request.respondent_id_number,
            )
        ).encode()
    ).hexdigest()


class _Provider:
    """Bookkeeping shared by the simulator and the static provider: idempotent submits by key,
    lookups by reference, in memory until bound to a context's database."""

    _prefix = ""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._store: _Store = _MemoryStore()

    def bind(self, ctx: AppContext) -> _Provider:
        """This provider keeping its queries in `ctx`'s database (shared by every process)."""
        bound = copy.copy(self)
        bound._store = _DatabaseStore(ctx)
        return bound

    async def _register(self, request: AssetQueryRequest, delay: timedelta) -> str:
        outcome = (await self._register_many([request], delay))[0]
        if isinstance(outcome, AssetQueryError):
            raise outcome
        return outcome

    async def _register_many(
        self, requests: Sequence[AssetQueryRequest], delay: timedelta
    ) -> list[Submitted]:
        """Keep every request in one call to the store; per request its reference, or the error
        for a key already used by another request."""
        now = self._clock.now()
        queries = []
        for request in requests:
            reference = _reference(self._prefix, request.idempotency_key)
            queries.append(
                SubmittedQuery(
                    reference=reference,
                    idempotency_key=request.idempotency_key,
                    case_number=request.case_number,
                    category=request.category,
                    respondent_ordinal=request.respondent_ordinal,
                    request_digest=_request_digest(reference, request),
                    submitted_at=now,
                    ready_at=now + delay,
                )
            )
        kept = await self._store.register_many(queries)
        outcomes: list[Submitted] = []
        for request, query, stored in zip(requests, queries, kept, strict=True):
            if stored.request_digest != query.request_digest:
                # The same key for another query (another respondent): returning the first
                # query's id would hand back someone else's assets. The id number stays out of
                # the message.
                outcomes.append(
                    AssetQueryError(
                        f"query {query.reference} ({request.case_number} {request.category}) was already "
                        "submitted for a different respondent",
                        retryable=False,
                    )
                )
                continue
            logger.debug(
                "asset query %s submitted: %s %s", query.reference, request.case_number, request.category
            )
            outcomes.append(query.reference)
        return outcomes

    async def _lookup(self, request_id: str) -> tuple[SubmittedQuery, int]:
        found = await self._store.fetched(request_id)
        if found is None:
            raise UnknownReference(f"unknown asset query request id {request_id!r}")
        return found

    async def _lookup_many(
        self, request_ids: Sequence[str]
    ) -> dict[str, tuple[SubmittedQuery, int] | UnknownReference]:
        found = await self._store.fetched_many(request_ids)
        return {
            request_id: found.get(request_id)
            or UnknownReference(f"unknown asset query request id {request_id!r}")
            for request_id in request_ids
        }

    async def submitted_count(self, case_number: str, category: str) -> int:
        """How many queries were started for (case_number, category): one per respondent at most,
        however often they were submitted."""
        return await self._store.started(case_number, category)


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


class SimulatedAssetQueryProvider(_Provider):
    """A stand-in for the query-and-control system: deterministic findings, delay and failures.

    Findings depend only on (seed, case_number, category, respondent ordinal), so a demo or a
    test sees the same assets for the same case number every time. Time comes from the injected
    clock; nothing sleeps: ``fetch`` answers ``None`` until ``delay_seconds`` have passed since
    the first submit of the query.

    Unbound, it keeps the queries it was sent in this process's memory; ``bind(ctx)`` (which the
    asset-query service always does) keeps them in the database, as a real provider keeps them
    on its side, so that every worker process can fetch what another one submitted.
    """

    _prefix = "SIM-"

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
        super().__init__(clock)
        self._delay = timedelta(seconds=delay_seconds)
        self._failure_rate = failure_rate
        self._timeout_rate = timeout_rate
        self._seed = seed

    def __repr__(self) -> str:
        return (
            f"SimulatedAssetQueryProvider(delay_seconds={self._delay.total_seconds()}, "
            f"failure_rate={self._failure_rate}, timeout_rate={self._timeout_rate})"
        )

    async def submit(self, request: AssetQueryRequest) -> str:
        # A system that is down rejects every submit, so the failure is decided before the
        # queries kept are consulted; it depends on the attempt, so a retry can get through.
        if (
            request.attempt < ALWAYS_SUCCEEDS_FROM
            and _unit(self._seed, request.case_number, request.category, request.attempt, "submit")
            < self._failure_rate
        ):
            raise self._refusal(request)
        return await self._register(request, self._delay)

    async def submit_many(self, requests: Sequence[AssetQueryRequest]) -> list[Submitted]:
        """Each request refused or kept as `submit` would; those kept in one call to the store."""
        refused = {
            index: self._refusal(request)
            for index, request in enumerate(requests)
            if request.attempt < ALWAYS_SUCCEEDS_FROM
            and _unit(self._seed, request.case_number, request.category, request.attempt, "submit")
            < self._failure_rate
        }
        kept = iter(
            await self._register_many([r for i, r in enumerate(requests) if i not in refused], self._delay)
            if len(refused) < len(requests)
            else []
        )
        return [refused[i] if i in refused else next(kept) for i in range(len(requests))]

    @staticmethod
    def _refusal(request: AssetQueryRequest) -> ProviderUnavailable:
        return ProviderUnavailable(
            f"query system unavailable for {request.case_number} {request.category} "
            f"(attempt {request.attempt})"
        )

    async def fetch(self, request_id: str) -> list[AssetFindingData] | None:
        answer = self._answer(request_id, await self._lookup(request_id))
        if isinstance(answer, AssetQueryError):
            raise answer
        return answer

    async def fetch_many(self, request_ids: Sequence[str]) -> dict[str, Fetched]:
        """Each answer as `fetch` gives it, the requests looked up in one call to the store."""
        found = await self._lookup_many(request_ids)
        return {
            request_id: pair if isinstance(pair, AssetQueryError) else self._answer(request_id, pair)
            for request_id, pair in found.items()
        }

    def _answer(self, request_id: str, found: tuple[SubmittedQuery, int]) -> Fetched:
        submitted, fetch_count = found
        if (
            fetch_count < ALWAYS_SUCCEEDS_FROM
            and _unit(self._seed, request_id, fetch_count, "fetch") < self._timeout_rate
        ):
            return ProviderTimeout(f"no answer in time for {request_id} (fetch {fetch_count})")
        if self._clock.now() < submitted.ready_at:
            return None
        return simulate_findings(
            submitted.case_number,
            submitted.category,
            seed=self._seed,
            respondent=submitted.respondent_ordinal,
        )


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
    case_number: str, category: str, *, seed: str = "exec-center", respondent: int = 1
) -> list[AssetFindingData]:
    """The simulator's findings for (case_number, category) of the case's `respondent`-th
    respondent: a pure function of its arguments. Each finding carries a reference of its own."""
    category = _category_id(category)
    parts: tuple[object, ...] = (seed, case_number, category) + ((respondent,) if respondent != 1 else ())
    rng = random.Random(int.from_bytes(_digest(*parts), "big"))
    return [
        replace(finding, reference=f"SIM-F-{_digest(*parts, index).hex()[:16]}")
        for index, finding in enumerate(_GENERATORS[category](rng, case_number))
    ]


# --- a provider with fixed answers -----------------------------------------------------------


class StaticAssetQueryProvider(_Provider):
    """Answers at once with the findings given per category (none for a missing category)."""

    _prefix = "STATIC-"

    def __init__(self, findings: Mapping[str, list[AssetFindingData]]) -> None:
        super().__init__(SystemClock())  # time only for bookkeeping
        self._findings: dict[str, tuple[AssetFindingData, ...]] = {}
        for category, items in findings.items():
            key = _category_id(category)
            if any(item.category != key for item in items):
                raise ValueError(f"findings under {key} must all have category {key}")
            self._findings[key] = tuple(items)

    async def submit(self, request: AssetQueryRequest) -> str:
        return await self._register(request, timedelta(0))

    async def submit_many(self, requests: Sequence[AssetQueryRequest]) -> list[Submitted]:
        return await self._register_many(requests, timedelta(0))

    async def fetch(self, request_id: str) -> list[AssetFindingData] | None:
        submitted, _ = await self._lookup(request_id)
        # A fresh list each time: callers may not alter the configured answers.
        return list(self._findings.get(submitted.category, ()))

    async def fetch_many(self, request_ids: Sequence[str]) -> dict[str, Fetched]:
        found = await self._lookup_many(request_ids)
        return {
            request_id: (
                pair if isinstance(pair, AssetQueryError) else list(self._findings.get(pair[0].category, ()))
            )
            for request_id, pair in found.items()
        }


# --- factory ---------------------------------------------------------------------------------

KNOWN_PROVIDERS: tuple[str, ...] = ("simulator",)  # "simulator" is the configured default


def make_provider(name: str, clock: Clock, delay_seconds: float = 2.0) -> AssetQueryProvider:
    """The provider named in the settings. Only the simulator exists until the court's network
    adapter is written."""
    if name == "simulator":
        return SimulatedAssetQueryProvider(clock, delay_seconds=delay_seconds)
    raise ValueError(f"unknown asset query provider {name!r}; known: {', '.join(KNOWN_PROVIDERS)}")
