"""Background jobs on Dramatiq: Redis in production, the StubBroker in-process when embedded.

The broker is chosen from the settings once per process, before any actor is declared
(`exec_center.jobs.actors` calls `setup_broker()` at import)."""
