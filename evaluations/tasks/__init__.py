"""Celery tasks, thin and named (STYLE C2): one module per area, imported here so
that `autodiscover_tasks()` registers them all."""

from . import assessment, mail, monitoring, ops, reports, selfeval  # noqa: F401
