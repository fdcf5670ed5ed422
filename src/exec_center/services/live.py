"""Live updates: which work items changed, told to the screens that listen.

A unit of work notes the ids of the work items it inserted, updated or deleted and, once its
transaction has committed, publishes them here (never before, and nothing for a rollback). The
hub hands each publication to every listener of this process; the API's `worklistChanged`
subscription turns the ids into what changed for its viewer, reading the database.

- Embedded (no broker, or a broker that is not Redis): `Hub`, an in-process fan-out. The
  embedded workers' threads publish into it too. Noting costs nothing while nobody listens.
- Production (the broker is Redis): `RedisHub` publishes to a Redis pub/sub channel and hears
  it, so every API replica hears every replica's and every worker process's changes. A process
  without a hub of its own (a worker) publishes through `_BackgroundPublisher`.

Messages carry work item ids only, never personal data. They are wake-up calls, not the truth:
a lost one is made up for when Redis comes back (each listener is told to look again).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import queue
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ..config import Settings

log = logging.getLogger(__name__)

CHANNEL = "exec-center:worklist-changed"
# A listener that falls this far behind gets its pending events merged into one.
MAX_PENDING = 64
# How long a lost Redis connection waits before it is tried again.
RECONNECT_SECONDS = 1.0


@dataclass(eq=False)
class Changed:
    """Work items that changed in one committed transaction (or, `resync`, possibly any)."""

    ids: frozenset[int]
    resync: bool = False
    # What listeners of this process share about the event (the rows read once for all).
    shared: dict[str, Any] = field(default_factory=dict)


class Listener:
    """One subscription's queue of events, in the order they were published."""

    def __init__(self) -> None:
        self._pending: deque[Changed] = deque()
        self._ready = asyncio.Event()
        self.caught_up = False  # has read what it needs to tell changes from news (see Hub.ready)

    def put(self, event: Changed) -> None:
        if len(self._pending) >= MAX_PENDING:  # a slow screen: one event for all it missed
            merged = Changed(frozenset().union(*(e.ids for e in self._pending), event.ids))
            merged.resync = event.resync or any(e.resync for e in self._pending)
            self._pending.clear()
            event = merged
        self._pending.append(event)
        self._ready.set()

    def __len__(self) -> int:
        return len(self._pending)

    async def get(self) -> Changed:
        while not self._pending:
            self._ready.clear()
            await self._ready.wait()
        return self._pending.popleft()


class Hub:
    """In-process fan-out. `publish` may be called from any thread (the embedded workers run
    on threads of their own); listeners live on the loop the hub was started on."""

    def __init__(self) -> None:
        self._listeners: set[Listener] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._count = threading.Condition()

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()

    async def stop(self) -> None:
        self._loop = None

    @property
    def listening(self) -> bool:
        """Whether a commit should note its work items for this hub."""
        return bool(self._listeners)

    def publish(self, ids: Iterable[int]) -> None:
        ids = frozenset(ids)
        if ids and self._listeners:
            self._on_loop(self.fan_out, Changed(ids))

    def resync(self) -> None:
        """Every listener looks again at all it may see (a change may have gone unnoted)."""
        self._on_loop(self.fan_out, Changed(frozenset(), resync=True))

    def fan_out(self, event: Changed) -> None:
        for listener in list(self._listeners):
            listener.put(event)

    @contextlib.contextmanager
    def listen(self) -> Iterator[Listener]:
        listener = Listener()
        with self._count:
            self._listeners.add(listener)
            self._count.notify_all()
        try:
            yield listener
        finally:
            with self._count:
                self._listeners.discard(listener)
                self._count.notify_all()

    def ready(self, listener: Listener) -> None:
        """The listener has read its starting point: from now on what it hears is news."""
        with self._count:
            listener.caught_up = True
            self._count.notify_all()

    def wait_for_listeners(self, count: int, timeout: float) -> bool:
        """Block until `count` listeners are ready (for tests: no sleeping)."""
        with self._count:
            return self._count.wait_for(
                lambda: sum(listener.caught_up for listener in self._listeners) >= count, timeout=timeout
            )

    def _on_loop(self, callback: Any, *args: Any) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            callback(*args)
        else:
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile: nobody listens
                loop.call_soon_threadsafe(callback, *args)


def channel_for(url: str) -> str:
    """The channel of one database of one Redis: pub/sub channels are server-wide, and two
    installations (or test runs) on one Redis keep to their database numbers."""
    from redis.connection import parse_url

    return f"{CHANNEL}:{parse_url(url).get('db', 0) or 0}"


def encode(ids: Iterable[int]) -> str:
    return json.dumps({"ids": sorted(ids)})


def decode(data: bytes | str) -> frozenset[int]:
    """The ids of a message; anything else on the channel is ignored."""
    try:
        ids = json.loads(data)["ids"]
    except (ValueError, KeyError, TypeError):
        return frozenset()
    if not isinstance(ids, list):
        return frozenset()
    return frozenset(i for i in ids if isinstance(i, int) and not isinstance(i, bool) and i > 0)


class RedisHub(Hub):
    """Fan-out across processes through Redis pub/sub: what any process publishes reaches the
    listeners of every process with a hub (this one too, through Redis, in order)."""

    def __init__(self, url: str, *, name: str = "exec-center-live") -> None:
        super().__init__()
        self.url = url
        self.name = name  # the connections' CLIENT SETNAME, for an operator's CLIENT LIST
        self.channel = channel_for(url)
        self._client: Any = None
        self._pubsub: Any = None
        self._outgoing: asyncio.Queue[str] | None = None
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        from redis import asyncio as aioredis

        await super().start()
        self._client = aioredis.Redis.from_url(self.url, client_name=self.name)
        self._outgoing = asyncio.Queue()
        try:
            await self._subscribe()
        except Exception as error:  # the API serves without; screens hear again once Redis is back
            log.warning("live updates: Redis unreachable (%s); will keep trying", type(error).__name__)
        self._tasks = [asyncio.create_task(self._read()), asyncio.create_task(self._send())]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks = []
        await self._unsubscribe()
        if self._client is not None:
            with contextlib.suppress(Exception):
                await self._client.aclose()
        await super().stop()

    @property
    def listening(self) -> bool:
        return True  # another replica may be listening; a PUBLISH nobody hears costs Redis nothing

    def publish(self, ids: Iterable[int]) -> None:
        ids = frozenset(ids)
        if ids and self._outgoing is not None:
            self._on_loop(self._outgoing.put_nowait, encode(ids))

    async def _subscribe(self) -> None:
        """Subscribe and wait for Redis to confirm: what is published after this is heard."""
        pubsub = self._client.pubsub()
        try:
            await pubsub.subscribe(self.channel)
            while True:
                message = await pubsub.get_message(timeout=5.0)
                if message is None:
                    raise ConnectionError("Redis did not confirm the subscription")
                if message["type"] == "subscribe":
                    break
        except BaseException:
            with contextlib.suppress(Exception):
                await pubsub.aclose()
            raise
        self._pubsub = pubsub

    async def _unsubscribe(self) -> None:
        pubsub, self._pubsub = self._pubsub, None
        if pubsub is not None:
            with contextlib.suppress(Exception):
                await pubsub.aclose()

    async def _read(self) -> None:
        while True:
            if self._pubsub is None:
                while True:
                    try:
                        await self._subscribe()
                        break
                    except asyncio.CancelledError:
                        raise
                    except Exception:
                        await asyncio.sleep(RECONNECT_SECONDS)
                log.info("live updates: subscribed to Redis again")
                # Whatever was published meanwhile is lost: every listener looks again.
                self.fan_out(Changed(frozenset(), resync=True))
            try:
                async for message in self._pubsub.listen():
                    if message["type"] == "message":
                        ids = decode(message["data"])
                        if ids:
                            self.fan_out(Changed(ids))
                raise ConnectionError("the subscription ended")
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.warning(
                    "live updates: lost the Redis subscription (%s); reconnecting", type(error).__name__
                )
                await self._unsubscribe()
                await asyncio.sleep(RECONNECT_SECONDS)

    async def _send(self) -> None:
        assert self._outgoing is not None
        while True:
            payload = await self._outgoing.get()
            try:
                await self._client.publish(self.channel, payload)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # the change is committed; screens catch up on reconnect
                log.warning("live updates: could not publish to Redis (%s)", type(error).__name__)


class _BackgroundPublisher:
    """Publishing for a process without a hub (a worker): a thread of its own, so a commit
    never waits for Redis."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.channel = channel_for(url)
        self._queue: queue.SimpleQueue[str] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="live-updates-publisher", daemon=True)
        self._thread.start()

    def publish(self, ids: Iterable[int]) -> None:
        ids = frozenset(ids)
        if ids:
            self._queue.put(encode(ids))

    def _run(self) -> None:
        import redis

        client = redis.Redis.from_url(self.url)
        while True:
            payload = self._queue.get()
            try:
                client.publish(self.channel, payload)
            except Exception as error:
                log.warning("live updates: could not publish to Redis (%s)", type(error).__name__)


# --- the process's hub ------------------------------------------------------------------------

_hub: Hub | None = None
_publishers: dict[str, _BackgroundPublisher] = {}
_publishers_lock = threading.Lock()


def redis_url(settings: Settings) -> str | None:
    """The Redis the hub uses: the broker's, when the broker is Redis."""
    return settings.broker_url if settings.broker_kind == "redis" else None


def hub_for(settings: Settings) -> Hub:
    url = redis_url(settings)
    return RedisHub(url) if url else Hub()


async def start(settings_or_hub: Settings | Hub) -> Hub:
    """Start this process's hub (the API's lifespan): the one its subscriptions listen to."""
    global _hub
    hub = settings_or_hub if isinstance(settings_or_hub, Hub) else hub_for(settings_or_hub)
    await hub.start()
    _hub = hub
    return hub


async def stop() -> None:
    global _hub
    hub, _hub = _hub, None
    if hub is not None:
        await hub.stop()


def current() -> Hub | None:
    return _hub


def wanted(settings: Settings) -> bool:
    """Should a unit of work note the work items it changes? Only when someone may hear them."""
    if _hub is not None:
        return _hub.listening
    return redis_url(settings) is not None


def resync() -> None:
    """A transaction that began while nobody listened committed after someone began to: its
    changes were not noted, so this process's listeners look again."""
    if _hub is not None:
        _hub.resync()


def publish(settings: Settings, ids: Iterable[int]) -> None:
    """After commit: tell the listeners (of this process, or through Redis of all) which work
    items changed. Never raises: the change is committed whatever happens to the news of it."""
    ids = frozenset(ids)
    if not ids:
        return
    try:
        if _hub is not None:
            _hub.publish(ids)
            return
        url = redis_url(settings)
        if url is not None:
            with _publishers_lock:
                publisher = _publishers.get(url) or _publishers.setdefault(url, _BackgroundPublisher(url))
            publisher.publish(ids)
    except Exception:
        log.exception("live updates: could not publish %d work item ids", len(ids))
