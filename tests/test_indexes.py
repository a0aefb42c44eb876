"""The tables that take deadline day's writes carry no index another one makes
redundant: every index is written with every row (each autosave adds an audit event)."""

import pytest
from django.db import connection

from evaluations.models import Answer, AuditEvent, Evaluation, EvidenceFile, EvidenceLink

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="reads PostgreSQL's catalog"),
]

WRITTEN_ON_DEADLINE_DAY = (Answer, AuditEvent, Evaluation, EvidenceFile, EvidenceLink)


def _indexes(table: str) -> list[tuple[str, bool, list[int]]]:
    """(name, unique, column numbers) of the table's indexes that cover every row."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname, i.indisunique, i.indkey::int2[]
            FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
            WHERE i.indrelid = %s::regclass AND i.indpred IS NULL
            """,
            [table],
        )
        return [(name, unique, list(columns)) for name, unique, columns in cursor.fetchall()]


@pytest.mark.parametrize("model", WRITTEN_ON_DEADLINE_DAY, ids=lambda m: m.__name__)
def test_no_single_column_index_that_a_composite_one_starts_with(model):
    indexes = _indexes(model._meta.db_table)
    redundant = [
        (name, other)
        for name, unique, columns in indexes
        if len(columns) == 1 and not unique
        for other, _u, wider in indexes
        if other != name and len(wider) > 1 and wider[0] == columns[0]
    ]
    assert redundant == []
    # The composite indexes that made them redundant are there.
    assert any(len(columns) > 1 for _n, _u, columns in indexes)
