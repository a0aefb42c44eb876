"""Create the PostgreSQL database of DATABASE_URL when it does not exist yet.

Run by `make test` before the checks that connect to it (the missing-migrations check
would otherwise warn that the database does not exist). Stops with the fix when the
server refuses the role. Usage: python scripts/ensure_database.py
"""

import os
import sys

import environ
import psycopg2
from psycopg2 import sql


def main() -> int:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return 0
    config = environ.Env.db_url_config(url)
    name = config["NAME"]
    params = {
        "dbname": "postgres",
        "user": config.get("USER") or "postgres",
        "password": config.get("PASSWORD") or None,
        "host": config.get("HOST") or "127.0.0.1",
        "port": config.get("PORT") or 5432,
    }
    try:
        connection = psycopg2.connect(**params, connect_timeout=5)
    except psycopg2.OperationalError as exc:
        sys.stderr.write(
            f"PostgreSQL at {params['host']}:{params['port']} refuses the role "
            f"{params['user']!r}: {str(exc).strip()}\n"
            "Give the tests a role: either put a password in DATABASE_URL, or allow the\n"
            "local role without one (as root, then reload PostgreSQL):\n"
            "  echo 'host all postgres 127.0.0.1/32 trust' >> /etc/postgresql/*/main/pg_hba.conf\n"
        )
        return 1
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            sys.stdout.write(f"Created the database {name!r}.\n")
    connection.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
