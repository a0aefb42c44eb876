"""Counting limits in the cache (Redis in production): so many hits per key per window.

Fixed windows: the count of a key lives in a cache entry named after the window it
falls in, so the time to wait is the rest of that window. A cache failure lets the
request through (and logs it): a limit degrades, the portal stays up.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from dataclasses import dataclass

from django.core.cache import cache

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limit:
    name: str
    max_hits: int
    window_seconds: int

    def _key(self, value: str, now: float) -> tuple[str, int]:
        window = int(now // self.window_seconds)
        digest = hashlib.sha256(value.lower().encode()).hexdigest()[:32]
        wait = math.ceil((window + 1) * self.window_seconds - now)
        return f"throttle:{self.name}:{window}:{digest}", wait

    def wait_seconds(self, value: str) -> int:
        """Seconds until `value` may try again (0: it may now)."""
        key, wait = self._key(value, time.time())
        try:
            count = cache.get(key, 0)
        except Exception:
            log.warning("throttle %s: cache unavailable, not limiting", self.name, exc_info=True)
            return 0
        return wait if count >= self.max_hits else 0

    def hit(self, value: str) -> int:
        """Count one hit for `value`; the seconds to wait if this hit went over the limit."""
        key, wait = self._key(value, time.time())
        try:
            cache.add(key, 0, timeout=self.window_seconds + 1)
            count = cache.incr(key)
        except ValueError:  # the entry expired between add and incr
            cache.set(key, 1, timeout=self.window_seconds + 1)
            count = 1
        except Exception:
            log.warning("throttle %s: cache unavailable, not limiting", self.name, exc_info=True)
            return 0
        return wait if count > self.max_hits else 0
