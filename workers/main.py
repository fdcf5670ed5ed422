"""`dramatiq workers.main`: the broker (Redis when EXEC_CENTER_REDIS_URL is set) and the actors."""

from exec_center.jobs.worker_main import *  # noqa: F403
from exec_center.jobs.worker_main import broker  # noqa: F401
