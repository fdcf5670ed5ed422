"""The provider port's batch calls (issue 14, item 4): `submit_all` / `fetch_all` answer per item
exactly as one call per item would - the same request ids, refusals, timeouts and findings - and
one item's failure leaves the others' answers; providers without batch methods still work."""

from datetime import UTC, datetime

import pytest

from exec_center.clock import FrozenClock
from exec_center.integrations.asset_query import (
    QUERIED_CATEGORIES,
    AssetQueryError,
    AssetQueryRequest,
    BatchAssetQueryProvider,
    ProviderTimeout,
    ProviderUnavailable,
    SimulatedAssetQueryProvider,
    UnknownReference,
    fetch_all,
    simulate_findings,
    submit_all,
)

NOW = datetime(2024, 2, 8, 1, 0, tzinfo=UTC)
RID = "445322198001011236"


def requests(cases: int = 6, attempt: int = 1) -> list[AssetQueryRequest]:
    return [
        AssetQueryRequest(f"（2024）粤5322执保{n}号", category, "李某", RID, attempt=attempt)
        for n in range(1, cases + 1)
        for category in QUERIED_CATEGORIES
    ]


def simulator(**rates: float) -> SimulatedAssetQueryProvider:
    return SimulatedAssetQueryProvider(FrozenClock(NOW), delay_seconds=0, **rates)


class OneAtATime:
    """A provider with no batch methods: the port's helpers call it once per item."""

    def __init__(self, inner) -> None:
        self.inner = inner

    async def submit(self, request):
        return await self.inner.submit(request)

    async def fetch(self, request_id):
        return await self.inner.fetch(request_id)


def same(a, b) -> bool:
    if isinstance(a, AssetQueryError) or isinstance(b, AssetQueryError):
        return type(a) is type(b) and str(a) == str(b)
    return a == b


async def one_by_one(provider, items, call):
    answers = []
    for item in items:
        try:
            answers.append(await call(provider, item))
        except AssetQueryError as error:
            answers.append(error)
    return answers


async def test_a_batch_is_answered_as_one_call_per_item_would_be() -> None:
    batched, single = simulator(failure_rate=0.3, timeout_rate=0.3), simulator(failure_rate=0.3, timeout_rate=0.3)
    assert isinstance(batched, BatchAssetQueryProvider)
    sent = await submit_all(batched, requests())
    expected = await one_by_one(single, requests(), lambda p, r: p.submit(r))
    assert all(same(a, b) for a, b in zip(sent, expected, strict=True))
    refused = [s for s in sent if isinstance(s, AssetQueryError)]
    assert refused and all(isinstance(s, ProviderUnavailable) and s.retryable for s in refused)

    references = [s for s in sent if isinstance(s, str)]
    fetched = await fetch_all(batched, references)
    one_each = dict(zip(references, await one_by_one(single, references, lambda p, r: p.fetch(r)), strict=True))
    assert fetched.keys() == one_each.keys()
    assert all(same(fetched[r], one_each[r]) for r in references)
    assert any(isinstance(answer, ProviderTimeout) for answer in fetched.values())
    assert any(isinstance(answer, list) and answer for answer in fetched.values())


async def test_a_batch_submitted_again_starts_nothing_new() -> None:
    provider = simulator(failure_rate=0, timeout_rate=0)
    first = await submit_all(provider, requests(cases=2))
    again = await submit_all(provider, requests(cases=2, attempt=2))
    assert first == again and all(isinstance(r, str) for r in first)
    for category in QUERIED_CATEGORIES:
        assert await provider.submitted_count("（2024）粤5322执保1号", category) == 1


async def test_one_unknown_reference_leaves_the_others_answered() -> None:
    provider = simulator(failure_rate=0, timeout_rate=0)
    references = await submit_all(provider, requests(cases=1))
    fetched = await fetch_all(provider, [*references, "SIM-lost"])
    assert isinstance(fetched.pop("SIM-lost"), UnknownReference)
    assert [fetched[r] for r in references] == [
        simulate_findings("（2024）粤5322执保1号", category) for category in QUERIED_CATEGORIES
    ]


@pytest.mark.parametrize("batch", [True, False], ids=["batch", "one-at-a-time"])
async def test_the_helpers_work_with_any_provider(batch: bool) -> None:
    provider = simulator(failure_rate=0, timeout_rate=0)
    port = provider if batch else OneAtATime(provider)
    references = await submit_all(port, requests(cases=1))
    assert all(isinstance(r, str) for r in references)
    fetched = await fetch_all(port, references)
    assert all(isinstance(answer, list) for answer in fetched.values())
    assert await submit_all(port, []) == [] and await fetch_all(port, []) == {}
