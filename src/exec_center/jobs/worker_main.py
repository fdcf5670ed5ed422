"""What a worker process loads: the broker and every actor (`dramatiq exec_center.jobs.worker_main`).

`exec-center worker` runs it with `--worker-shutdown-timeout` from EXEC_CENTER_WORKER_SHUTDOWN_SECONDS;
run by `dramatiq` directly, the same bound holds (the WorkerShutdown middleware enforces it)."""

from __future__ import annotations

import logging

from .actors import *  # noqa: F403  (declares the actors on the broker)
from .broker import setup_broker
from .runtime import enable_hard_exit, quiet_job_logs

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
quiet_job_logs()
broker = setup_broker()
enable_hard_exit(broker)
