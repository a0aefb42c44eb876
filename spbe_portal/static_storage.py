"""The static files' storage in production: WhiteNoise's compressed, hashed files, with
each file's URL worked out once per process.

Every page links a dozen static files (styles, scripts, icons), and `{% static %}`
asks the storage for each URL on every render: the name is looked up in the manifest,
split, quoted and joined to STATIC_URL again, about a tenth of the indicator page's
template time. The manifest is read when the process starts and does not change while
it runs (a deployment starts new processes), so the answer for a name never changes
either. Names the manifest does not know still raise, each time, as WhiteNoise's own.
"""

from __future__ import annotations

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._urls: dict[str, str] = {}

    def url(self, name, force=False):
        if force:
            return super().url(name, force=True)
        try:
            return self._urls[name]
        except KeyError:
            url = self._urls[name] = super().url(name)
            return url
