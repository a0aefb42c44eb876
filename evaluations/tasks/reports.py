"""Celery tasks of the reports area."""
