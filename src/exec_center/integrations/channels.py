"""Reply-channel port: how a reply to an online message leaves the court (Arts. 12–13), and
its simulator.

The 12368 platform and the Smart Execution app each take a reply to a message they gave us,
keyed by the message's external id, and answer with a receipt id. Either may be down; a
`ChannelUnavailable` says whether trying again later can help (`retryable`).

Delivery is at-least-once on our side (a worker may die after the channel accepted the reply
and before we recorded it), so an adapter must be idempotent per (channel, external id): the
real platforms treat a second reply to the same message id as the same reply, and the
simulator returns the first receipt again.

Personal data: the reply's content goes to the channel and nowhere else; it is kept out of
reprs, receipts, exception messages and logs.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from typing import Protocol, runtime_checkable

__all__ = [
    "ALWAYS_SUCCEEDS_FROM",
    "KNOWN_CHANNELS",
    "ONLINE_CHANNEL_IDS",
    "ChannelUnavailable",
    "ReplyChannel",
    "SimulatedReplyChannel",
    "channel_for",
    "make_channel",
    "set_channel",
]

log = logging.getLogger(__name__)

# The channels that take replies (the `Channel` values of domain.organisation, as strings so
# this module does not depend on the domain).
ONLINE_CHANNEL_IDS: tuple[str, ...] = ("ONLINE_12368", "SMART_EXECUTION_APP")
# From this attempt on the default simulator always delivers, so a retried job ends.
ALWAYS_SUCCEEDS_FROM = 4


class ChannelUnavailable(Exception):
    """The channel did not take the reply. `retryable`: trying again later can help."""

    def __init__(self, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable

    def __reduce__(self) -> tuple[object, ...]:  # picklable with its keyword argument
        return (_rebuild, (str(self), self.retryable))


def _rebuild(message: str, retryable: bool) -> ChannelUnavailable:
    return ChannelUnavailable(message, retryable=retryable)


@runtime_checkable
class ReplyChannel(Protocol):
    async def deliver(self, channel: str, external_id: str, content: str) -> str:
        """Send `content` as the reply to message `external_id` on `channel`; return the channel's
        receipt id. Raises `ChannelUnavailable`. Idempotent per (channel, external_id)."""
        ...


def _unit(*parts: object) -> float:
    """A deterministic number in [0, 1) from the parts."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


class SimulatedReplyChannel:
    """A channel that fails the first `fail_first` deliveries of each message, then delivers.

    Without `fail_first`, an attempt fails when a hash of (seed, channel, external id, attempt)
    falls below `failure_rate` — deterministic, and never from attempt ALWAYS_SUCCEEDS_FROM on.
    Thread-safe: one instance serves every worker thread of the process.
    """

    def __init__(
        self, fail_first: int | None = None, *, failure_rate: float = 0.1, seed: str = "exec-center"
    ) -> None:
        if fail_first is not None and fail_first < 0:
            raise ValueError("fail_first must be 0 or more")
        if not 0 <= failure_rate <= 1:
            raise ValueError("failure_rate must be between 0 and 1")
        self._fail_first = fail_first
        self._failure_rate = failure_rate
        self._seed = seed
        self._lock = threading.Lock()
        self._attempts: dict[tuple[str, str], int] = {}
        self._receipts: dict[tuple[str, str], str] = {}
        self._sent: dict[tuple[str, str], int] = {}

    def __repr__(self) -> str:
        if self._fail_first is not None:
            return f"SimulatedReplyChannel(fail_first={self._fail_first})"
        return f"SimulatedReplyChannel(failure_rate={self._failure_rate})"

    async def deliver(self, channel: str, external_id: str, content: str) -> str:
        if channel not in ONLINE_CHANNEL_IDS:
            raise ChannelUnavailable(
                f"{channel} takes no replies; channels: {', '.join(ONLINE_CHANNEL_IDS)}", retryable=False
            )
        key = (channel, external_id)
        with self._lock:
            receipt = self._receipts.get(key)
            if receipt is not None:  # the same reply again: the same receipt, nothing sent twice
                return receipt
            attempt = self._attempts[key] = self._attempts.get(key, 0) + 1
            if self._fails(channel, external_id, attempt):
                raise ChannelUnavailable(f"{channel} unavailable (attempt {attempt} for {external_id})")
            digest = hashlib.sha256(f"{self._seed}\x1f{channel}\x1f{external_id}".encode()).hexdigest()
            receipt = self._receipts[key] = f"SIM-{channel}-{digest[:16]}"
            self._sent[key] = self._sent.get(key, 0) + 1
            return receipt

    def _fails(self, channel: str, external_id: str, attempt: int) -> bool:
        if self._fail_first is not None:
            return attempt <= self._fail_first
        return (
            attempt < ALWAYS_SUCCEEDS_FROM
            and _unit(self._seed, channel, external_id, attempt) < self._failure_rate
        )

    def attempts(self, channel: str, external_id: str) -> int:
        """How many deliveries of the message reached the channel (failed ones included)."""
        with self._lock:
            return self._attempts.get((channel, external_id), 0)

    def delivered_count(self, channel: str, external_id: str) -> int:
        """How many replies to the message the channel published: 0 or 1, never more."""
        with self._lock:
            return self._sent.get((channel, external_id), 0)


KNOWN_CHANNELS: tuple[str, ...] = ("simulator",)


def make_channel(name: str = "simulator") -> ReplyChannel:
    """The channel adapter named in the settings; only the simulator exists until the court's
    gateway adapter is written."""
    if name == "simulator":
        return SimulatedReplyChannel()
    raise ValueError(f"unknown reply channel {name!r}; known: {', '.join(KNOWN_CHANNELS)}")


_channel: ReplyChannel | None = None
_channel_lock = threading.Lock()


def channel_for(ctx: object | None = None) -> ReplyChannel:
    """The process's reply channel (the simulator by default); one instance for every loop."""
    global _channel
    with _channel_lock:
        if _channel is None:
            _channel = make_channel("simulator")
        return _channel


def set_channel(channel: ReplyChannel | None) -> None:
    """Install a channel (tests: a simulator that fails on purpose); None restores the default."""
    global _channel
    with _channel_lock:
        _channel = channel
