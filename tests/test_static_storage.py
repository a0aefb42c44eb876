"""Production's static storage: each file's hashed URL worked out once per process,
the same URL WhiteNoise gives, and a name the manifest does not know still refused."""

import json
from unittest import mock

import pytest
from django.contrib.staticfiles.storage import ManifestFilesMixin

from spbe_portal.static_storage import StaticFilesStorage


@pytest.fixture
def storage(tmp_path, settings):
    settings.STATIC_URL = "/static/"
    manifest = {"paths": {"css/app.css": "css/app.5e1f0c.css"}, "version": "1.1", "hash": "x"}
    (tmp_path / "staticfiles.json").write_text(json.dumps(manifest))
    return StaticFilesStorage(location=str(tmp_path), base_url="/static/")


def test_the_hashed_url_comes_from_the_manifest_once(storage):
    with mock.patch.object(
        ManifestFilesMixin, "url", return_value="/static/css/app.5e1f0c.css"
    ) as asked:
        first = storage.url("css/app.css")
        again = [storage.url("css/app.css") for _ in range(5)]
    assert first == "/static/css/app.5e1f0c.css" and set(again) == {first}
    assert asked.call_count == 1


def test_the_url_is_whitenoises_own(storage):
    assert storage.url("css/app.css") == "/static/css/app.5e1f0c.css"


def test_a_file_missing_from_the_manifest_is_refused_every_time(storage):
    for _ in range(2):
        with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
            storage.url("css/missing.css")
