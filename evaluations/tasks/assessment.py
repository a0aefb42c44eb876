"""Celery tasks of the assessment area."""
