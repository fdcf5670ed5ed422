"""Sign-in throttling: how many wrong passwords an account or a client address may send, and how
long it waits after them.

The rule courts' and identity providers' systems follow (progressive delay, then a lock):

- the first `free_failures` failures cost nothing;
- each further failure doubles the wait before the next attempt, from `first_delay` up to
  `max_delay` seconds;
- at `lock_after` failures the account (or address) is locked for `lock_seconds`;
- failures older than `window_seconds` are forgotten, and so is everything once a lock is served;
- a success resets the account's count.

An attempt is counted as a failure when it is admitted, before the password is checked, and
taken back if it succeeds: parallel requests cannot all slip in under the same count.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum


class ThrottleScope(StrEnum):
    ACCOUNT = "ACCOUNT"  # the user name typed (known or not: both are throttled alike)
    ADDRESS = "ADDRESS"  # the client's network address


@dataclass(frozen=True)
class ThrottlePolicy:
    free_failures: int
    lock_after: int
    lock_seconds: int
    window_seconds: int
    first_delay: float = 1.0
    max_delay: float = 60.0

    def delay_after(self, failures: int) -> float:
        """Seconds to wait after `failures` failures before the next attempt is taken."""
        if failures < self.free_failures:
            return 0.0
        exponent = min(failures - self.free_failures, 32)  # 2**32 s is past any cap
        return min(self.first_delay * 2**exponent, self.max_delay)


@dataclass(frozen=True)
class AttemptRecord:
    failures: int = 0
    last_attempt_at: datetime | None = None
    locked_until: datetime | None = None


def current_failures(policy: ThrottlePolicy, record: AttemptRecord, now: datetime) -> int:
    """The failures that still count at `now`."""
    if record.locked_until is not None and now >= record.locked_until:
        return 0  # the lock was served: a fresh start
    if record.last_attempt_at is None or now - record.last_attempt_at >= timedelta(
        seconds=policy.window_seconds
    ):
        return 0
    return record.failures


def wait_seconds(policy: ThrottlePolicy, record: AttemptRecord, now: datetime) -> int:
    """Whole seconds before another attempt is taken; 0 when one may be made now."""
    if record.locked_until is not None and now < record.locked_until:
        return max(1, math.ceil((record.locked_until - now).total_seconds()))
    failures = current_failures(policy, record, now)
    delay = policy.delay_after(failures)
    if not delay or record.last_attempt_at is None:
        return 0
    ready = record.last_attempt_at + timedelta(seconds=delay)
    return max(1, math.ceil((ready - now).total_seconds())) if now < ready else 0


def admit(policy: ThrottlePolicy, record: AttemptRecord, now: datetime) -> AttemptRecord:
    """The record once an attempt is let through: counted as a failure until it succeeds."""
    return AttemptRecord(failures=current_failures(policy, record, now) + 1, last_attempt_at=now)


def after_failure(policy: ThrottlePolicy, record: AttemptRecord, now: datetime) -> AttemptRecord:
    """The record once the admitted attempt failed: locked when it reached the threshold."""
    if record.failures >= policy.lock_after and record.locked_until is None:
        return replace(record, locked_until=now + timedelta(seconds=policy.lock_seconds))
    return record


def after_success(record: AttemptRecord) -> AttemptRecord:
    """An address's record once an admitted attempt succeeded: that attempt is taken back.
    (An account's record is cleared instead.)"""
    return replace(record, failures=max(0, record.failures - 1))
