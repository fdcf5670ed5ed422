"""`python -m workers.scheduler`: fires the periodic actors (deadline sweep, outbox relay, ...).
One replica; SIGTERM or Ctrl-C stops it at once."""

import logging

from exec_center.jobs.scheduler_main import run

if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    run()
