"""Files go through Django's storage API only, so the media can live on object storage.

The whole suite stores its files in Django's InMemoryStorage (tests/conftest.py); the
tests here prove that a complete upload and download works there with nothing written
under MEDIA_ROOT, that no code does path arithmetic under MEDIA_ROOT, and that the
storage is chosen by configuration.
"""

import re
from pathlib import Path

from django.conf import settings
from django.core.files.storage import InMemoryStorage, default_storage
from django.urls import reverse

from evaluations.services import evidence as evidence_svc
from tests.conftest import logged_in
from tests.evaluations.selfeval_helpers import make_pdf, small_framework, upload
from tests.test_settings import run_python

BASE = Path(settings.BASE_DIR)
# What would tie the code to a local disk: the media root itself, a stored file's local
# path, or os.path/pathlib arithmetic on a storage name.
DISK_ONLY = re.compile(r"MEDIA_ROOT|\.file\.path\b|storage\.path\(|default_storage\.location")


def test_an_evidence_file_round_trips_through_the_in_memory_storage(
    client, evaluation, operator, settings
):
    small_framework(evaluation.period)
    data = make_pdf()
    evidence = evidence_svc.upload_evidence(
        evaluation=evaluation, by=operator, uploaded_file=upload(data, "Perwal 12.pdf")
    )
    assert isinstance(evidence.file.storage, InMemoryStorage)
    assert default_storage.exists(evidence.file.name)
    logged_in(client, operator)
    response = client.get(reverse("evaluations:evidence-download", args=[evidence.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == data
    assert not Path(settings.MEDIA_ROOT).exists()  # nothing reached the disk


def test_no_code_works_on_media_paths():
    offenders = []
    for folder in ("evaluations", "institutions", "spbe_portal"):
        for path in (BASE / folder).rglob("*.py"):
            if path.name == "settings.py" or "migrations" in path.parts:
                continue
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                if DISK_ONLY.search(line):
                    offenders.append(f"{path.relative_to(BASE)}:{number}: {line.strip()}")
    assert offenders == []


def test_the_media_storage_is_chosen_by_configuration():
    result = run_python(
        "from django.conf import settings; import spbe_portal.settings as s;"
        "print(s.STORAGES['default'])",
        MEDIA_STORAGE_BACKEND="storages.backends.s3.S3Storage",
        MEDIA_STORAGE_OPTIONS='{"bucket_name": "spbe-media", "endpoint_url": "https://s3.example"}',
    )
    assert result.returncode == 0, result.stderr
    assert "'BACKEND': 'storages.backends.s3.S3Storage'" in result.stdout
    assert "'bucket_name': 'spbe-media'" in result.stdout


def test_bad_storage_options_stop_the_settings_with_a_clear_message():
    result = run_python(MEDIA_STORAGE_OPTIONS="{bucket")
    assert result.returncode != 0
    assert "MEDIA_STORAGE_OPTIONS is not valid JSON" in result.stderr
