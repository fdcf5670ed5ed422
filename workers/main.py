"""`dramatiq workers.main`: the broker (EXEC_CENTER_BROKER_URL: Redis or RabbitMQ) and the actors.

SIGTERM: messages in flight get EXEC_CENTER_WORKER_SHUTDOWN_SECONDS to finish, then go back to
the queue, and the process exits (`exec-center worker` also passes that as Dramatiq's
`--worker-shutdown-timeout`)."""

from exec_center.jobs.worker_main import *  # noqa: F403
from exec_center.jobs.worker_main import broker  # noqa: F401
