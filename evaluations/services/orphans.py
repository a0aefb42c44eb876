"""Stored files that no row points to: found and deleted by a daily sweep.

A file is written to storage before the row that names it is committed (an upload is
checked and stored inside the transaction that records it). When that transaction rolls
back after the file was stored, or the process dies between the two, the bytes stay
behind with no row. Nothing leaks (the names are random and files are served only
through permission-checked views), but it is waste, and storage has no transaction to
roll back with the database. Rather than special-case each caller, this sweep is the
one mechanism that removes such files, whatever left them.

A file younger than ORPHAN_GRACE is never touched: its row may belong to a transaction
that is still open (a 20 MB upload on a slow link), so "not referenced yet" is not
"orphaned".
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging

from django.core.files.storage import default_storage
from django.utils import timezone

from evaluations.models import EvidenceFile, Report

log = logging.getLogger(__name__)

ORPHAN_GRACE = dt.timedelta(days=1)

# The models whose `file` names what is stored under their STORAGE_FOLDER (the one home
# of each folder, which their upload_to also uses).
SWEPT = (EvidenceFile, Report)


@dataclasses.dataclass
class SweepResult:
    checked: int = 0
    deleted: int = 0
    deleted_bytes: int = 0
    kept_young: int = 0


def _walk(storage, folder: str):
    """Every file name under `folder`, through the storage API only (object storage too)."""
    try:
        dirs, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in files:
        yield f"{folder}/{name}"
    for sub in dirs:
        yield from _walk(storage, f"{folder}/{sub}")


def sweep_orphan_files(*, now=None, dry_run: bool = False, storage=None) -> SweepResult:
    """Delete stored evidence and report files that no row names and that are older than
    ORPHAN_GRACE. Idempotent; safe to run while the portal serves (see the module doc)."""
    storage = storage or default_storage
    now = now or timezone.now()
    result = SweepResult()
    for model in SWEPT:
        # One query per folder, not per file: the names in use, as the rows store them.
        referenced = set(model.objects.exclude(file="").values_list("file", flat=True).iterator())
        for name in _walk(storage, model.STORAGE_FOLDER):
            result.checked += 1
            if name in referenced:
                continue
            if now - storage.get_modified_time(name) < ORPHAN_GRACE:
                result.kept_young += 1
                continue
            size = storage.size(name)
            if not dry_run:
                storage.delete(name)
            result.deleted += 1
            result.deleted_bytes += size
            log.info("orphan file %s (%d bytes) %s", name, size, "found" if dry_run else "deleted")
    return result
