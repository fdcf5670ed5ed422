"""The product's app for uvicorn (`--factory product_app:create`), from the EXEC_CENTER_*
environment, exactly as `exec-center serve` builds it. Kept apart from `common.py` so the API
process imports nothing of the benchmarks."""

from exec_center.app import create_app
from exec_center.config import load_settings


def create():  # type: ignore[no-untyped-def]
    return create_app(load_settings())
