"""Stand in for PostgreSQL's autovacuum when the machine's server runs without it.

A production PostgreSQL keeps its planner statistics fresh with autovacuum (on by
default, and in the compose file's image). A development machine may have it turned
off: then the statistics of a database loaded during the benchmark stay those of its
empty tables, and the planner scans the whole answers table for a query that an index
answers (measured: 25 ms instead of 0.06 ms for one indicator page's evidence links
at 50,000 answers). The benchmark would then measure the machine's configuration, not
the portal.

When `SHOW autovacuum` is off, `Maintenance` does what autovacuum's defaults would do
for the benchmark's database: every `autovacuum_naptime`, VACUUM ANALYZE the tables
with more dead rows than 50 + 20 % of their rows, ANALYZE those with more changed rows
than 50 + 10 %. It never changes the server's configuration (the machine's PostgreSQL
is shared).
"""

from __future__ import annotations

import threading

import psycopg2

# PostgreSQL's defaults (autovacuum_{vacuum,analyze}_{threshold,scale_factor}).
VACUUM_BASE, VACUUM_SCALE = 50, 0.2
ANALYZE_BASE, ANALYZE_SCALE = 50, 0.1

DUE = """
SELECT s.relname,
       n_dead_tup > %s + %s * GREATEST(c.reltuples, 0) AS vacuum,
       n_mod_since_analyze > %s + %s * GREATEST(c.reltuples, 0) AS analyze
FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
"""


class Maintenance:
    """A thread that vacuums and analyzes like autovacuum, only while autovacuum is off."""

    def __init__(self, dsn: dict):
        self.dsn = dsn
        self.stopped = threading.Event()
        self.thread: threading.Thread | None = None
        self.passes = 0
        self.vacuums = 0
        self.analyzes = 0
        self.errors: list[str] = []
        self.active = False
        self.naptime = 60.0

    def start(self) -> None:
        conn = psycopg2.connect(**self.dsn)
        with conn.cursor() as cur:
            cur.execute("SHOW autovacuum")
            self.active = cur.fetchone()[0] == "off"
            cur.execute("SELECT setting::float FROM pg_settings WHERE name = 'autovacuum_naptime'")
            self.naptime = cur.fetchone()[0]
        conn.close()
        if self.active:
            self.thread = threading.Thread(target=self._loop, name="maintenance", daemon=True)
            self.thread.start()

    def stop(self) -> None:
        self.stopped.set()
        if self.thread is not None:
            self.thread.join(timeout=120)

    def run_once(self) -> None:
        conn = psycopg2.connect(**self.dsn)
        conn.autocommit = True  # VACUUM cannot run in a transaction
        try:
            with conn.cursor() as cur:
                cur.execute(DUE, [VACUUM_BASE, VACUUM_SCALE, ANALYZE_BASE, ANALYZE_SCALE])
                for table, vacuum, analyze in cur.fetchall():
                    if vacuum:
                        cur.execute(f'VACUUM (ANALYZE) "{table}"')
                        self.vacuums += 1
                    elif analyze:
                        cur.execute(f'ANALYZE "{table}"')
                        self.analyzes += 1
        finally:
            conn.close()
        self.passes += 1

    def _loop(self) -> None:
        # The first pass at once: the seeded data is as fresh as a bulk load.
        while not self.stopped.is_set():
            try:
                self.run_once()
            except psycopg2.Error as exc:  # a busy database: try again on the next pass
                self.errors.append(str(exc).strip())
            self.stopped.wait(self.naptime)

    def describe(self) -> str:
        if not self.active:
            return "PostgreSQL's autovacuum on"
        return (
            "PostgreSQL's autovacuum is off on this machine: the bench did what its "
            f"defaults would ({self.passes} passes, every {self.naptime:.0f} s: "
            f"{self.vacuums} VACUUM ANALYZE, {self.analyzes} ANALYZE"
            + (f"; {len(self.errors)} failed: {self.errors[-1]}" if self.errors else "")
            + ")"
        )
