"""Process entry points: `dramatiq workers.main` and `python -m workers.scheduler`."""
