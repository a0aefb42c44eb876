"""Celery tasks of the selfeval area."""
