"""Evidence files record their active content; the audit trail becomes append-only.

The audit table refuses UPDATE and DELETE in the database itself (a trigger), so no
code path, admin action or SQL console session can rewrite history. Deleting a period,
an institution or an evaluation that has audit events is refused for the same reason.
"""

from django.db import migrations, models

TABLE = "evaluations_auditevent"
NAME = "evaluations_auditevent_append_only"

POSTGRES_UP = f"""
CREATE OR REPLACE FUNCTION {NAME}() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only: % on {TABLE} refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER {NAME}
    BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION {NAME}();
"""
POSTGRES_DOWN = f"DROP TRIGGER IF EXISTS {NAME} ON {TABLE}; DROP FUNCTION IF EXISTS {NAME}();"
SQLITE_UP = [
    f"CREATE TRIGGER {NAME}_{op.lower()} BEFORE {op} ON {TABLE} "
    f"BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only: {op} on {TABLE} refused'); END;"
    for op in ("UPDATE", "DELETE")
]
SQLITE_DOWN = [f"DROP TRIGGER IF EXISTS {NAME}_{op}" for op in ("update", "delete")]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor, [])
        for statement in [statements] if isinstance(statements, str) else statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("evaluations", "0003_verbose_names"),
    ]

    operations = [
        migrations.AddField(
            model_name="evidencefile",
            name="active_content",
            field=models.JSONField(blank=True, default=list, verbose_name="active content"),
        ),
        migrations.RunPython(
            _run({"postgresql": POSTGRES_UP, "sqlite": SQLITE_UP}),
            _run({"postgresql": POSTGRES_DOWN, "sqlite": SQLITE_DOWN}),
        ),
    ]
