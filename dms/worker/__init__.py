"""Celery worker: app, tasks, dispatchers, recovery sweep, embedded broker transport."""
