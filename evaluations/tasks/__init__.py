"""Celery tasks, thin and named: each loads its rows and calls a service. One module per
area, imported here so that `autodiscover_tasks()` registers them all."""

from . import assessment, mail, meetings, monitoring, ops, reports  # noqa: F401
