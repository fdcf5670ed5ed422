"""What a worker process loads: the broker and every actor (`dramatiq exec_center.jobs.worker_main`)."""

from __future__ import annotations

import logging

from .actors import *  # noqa: F403  (declares the actors on the broker)
from .broker import setup_broker

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
broker = setup_broker()
