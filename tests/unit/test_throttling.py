"""The sign-in throttling rule (domain/throttling.py): invariants over any sequence of attempts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from exec_center.domain.throttling import (
    AttemptRecord,
    ThrottlePolicy,
    admit,
    after_failure,
    after_success,
    current_failures,
    wait_seconds,
)

START = datetime(2026, 12, 1, 9, tzinfo=UTC)

policies = st.builds(
    ThrottlePolicy,
    free_failures=st.integers(0, 10),
    lock_after=st.integers(1, 60),
    lock_seconds=st.integers(60, 3600),
    window_seconds=st.integers(60, 3600),
    first_delay=st.sampled_from([0.5, 1.0, 2.0]),
    max_delay=st.sampled_from([30.0, 60.0, 300.0]),
)


@given(policies, st.integers(0, 200))
def test_the_delay_never_shrinks_as_failures_grow_and_stays_under_its_cap(policy, failures) -> None:
    assert 0 <= policy.delay_after(failures) <= policy.max_delay
    assert policy.delay_after(failures) <= policy.delay_after(failures + 1)
    if failures < policy.free_failures:
        assert policy.delay_after(failures) == 0


@given(policies, st.lists(st.tuples(st.integers(0, 4000), st.booleans()), max_size=80))
def test_any_sequence_of_attempts(policy, steps) -> None:
    """An attacker who always waits exactly as told: never more failures in a row than the lock
    threshold before a lock, every lock lasts the lock time, and waiting as told always admits."""
    record, now, in_a_row = AttemptRecord(), START, 0
    for pause, succeeds in steps:
        now += timedelta(seconds=pause)
        wait = wait_seconds(policy, record, now)
        assert wait >= 0
        if wait:
            if record.locked_until is not None and now < record.locked_until:
                assert wait <= policy.lock_seconds
            now += timedelta(seconds=wait)
            assert wait_seconds(policy, record, now) == 0
        if current_failures(policy, record, now) == 0:
            in_a_row = 0
        record = admit(policy, record, now)
        if succeeds:
            record, in_a_row = AttemptRecord(), 0  # an account starts afresh
            continue
        in_a_row += 1
        assert in_a_row <= policy.lock_after
        record = after_failure(policy, record, now)
        locked = record.locked_until is not None
        assert locked == (record.failures >= policy.lock_after)
        if locked:
            assert record.locked_until == now + timedelta(seconds=policy.lock_seconds)
            assert wait_seconds(policy, record, now) == policy.lock_seconds


def test_a_served_lock_and_an_old_failure_no_longer_count() -> None:
    policy = ThrottlePolicy(free_failures=3, lock_after=5, lock_seconds=900, window_seconds=900)
    locked = AttemptRecord(failures=5, last_attempt_at=START, locked_until=START + timedelta(seconds=900))
    assert current_failures(policy, locked, START + timedelta(seconds=899)) == 5
    assert current_failures(policy, locked, START + timedelta(seconds=900)) == 0
    old = AttemptRecord(failures=4, last_attempt_at=START)
    assert wait_seconds(policy, old, START + timedelta(seconds=1)) == 1
    assert wait_seconds(policy, old, START + timedelta(seconds=900)) == 0
    assert admit(policy, old, START + timedelta(seconds=900)).failures == 1


def test_a_success_gives_the_address_its_attempt_back() -> None:
    assert after_success(AttemptRecord(failures=7, last_attempt_at=START)).failures == 6
    assert after_success(AttemptRecord()).failures == 0
