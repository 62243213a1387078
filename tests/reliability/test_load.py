"""Load in CI (short): 20 concurrent clients mixing search, reads, downloads, lists and uploads against a
live API + real workers, embedded and PostgreSQL + Redis (2 workers): zero 5xx, zero transport errors,
zero error responses. The 5-minute runs with p95 figures are ``bench/load.py`` (docs/reliability.md)."""

from __future__ import annotations

import pytest

from tests.reliability.loadgen import run_load

pytestmark = pytest.mark.slow

SECONDS = 12


def _check(report):
    print(report)
    assert report["requests"] >= 100, report
    assert report["status_5xx"] == 0 and report["transport_errors"] == 0, report
    assert report["error_rate"] == 0, report["errors_sample"]
    for op in ("search", "read", "download", "list", "upload"):
        assert report["latency_ms"][op]["n"] > 0, op


def test_load_embedded(make_settings, admin_env, tmp_path):
    settings = make_settings(eager_tasks=False, search_backend="tantivy")
    _, token = admin_env(settings)
    _check(run_load(settings, token, tmp_path, workers=1, clients=20, seconds=SECONDS, seed_docs=20))


@pytest.mark.postgres
@pytest.mark.redis
def test_load_postgres_redis_two_workers(make_settings, admin_env, pg_url, redis_url, tmp_path):
    from tests.conftest import reset_pg

    reset_pg(pg_url)
    settings = make_settings(eager_tasks=False, search_backend="tantivy", database_url=pg_url, broker_url=redis_url)
    _, token = admin_env(settings)
    _check(run_load(settings, token, tmp_path, workers=2, clients=20, seconds=SECONDS, seed_docs=20))
