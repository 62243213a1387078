"""kill -9 of the API and of workers at random moments during an ingest (embedded and PostgreSQL + Redis).

The big version (1,000 documents) is ``bench/faults.py``; figures in ``docs/reliability.md``.
"""

from __future__ import annotations

import pytest

from tests.reliability.crash import run_ingest_under_faults

pytestmark = pytest.mark.slow


def test_kill9_during_ingest_embedded(make_settings, admin_env, tmp_path):
    settings = make_settings(eager_tasks=False, search_backend="tantivy")
    container, token = admin_env(settings)
    report = run_ingest_under_faults(settings, container, token, tmp_path, documents=60, workers=1, seed=7)
    assert report.api_kills + report.worker_kills == 6, report.as_dict()
    print(report.as_dict())
    assert not report.problems, report.as_dict()


@pytest.mark.postgres
@pytest.mark.redis
def test_kill9_during_ingest_postgres_redis_two_workers(make_settings, admin_env, pg_url, redis_url, tmp_path):
    from tests.conftest import reset_pg

    reset_pg(pg_url)
    settings = make_settings(eager_tasks=False, search_backend="tantivy", database_url=pg_url, broker_url=redis_url)
    container, token = admin_env(settings)
    report = run_ingest_under_faults(settings, container, token, tmp_path, documents=60, workers=2, seed=11)
    assert report.api_kills + report.worker_kills == 6, report.as_dict()
    print(report.as_dict())
    assert not report.problems, report.as_dict()
