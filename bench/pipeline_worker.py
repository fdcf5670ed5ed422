"""What the pipeline benchmark's worker process loads: the product's worker module (the broker
with its middleware and every actor, as `exec-center worker` runs it) plus one no-op actor, whose
drain rate is the floor the pipeline is measured against.

    dramatiq pipeline_worker --processes 1 --threads 4     (PYTHONPATH=src:bench)
"""

import dramatiq

from exec_center.jobs.worker_main import *  # noqa: F403
from exec_center.jobs.worker_main import broker  # noqa: F401


@dramatiq.actor(queue_name="default", max_retries=0, time_limit=60_000)
async def bench_noop(n: int) -> None:
    """Does nothing: what a message costs to fetch, run on the workers' event loop and ack."""
    return None
