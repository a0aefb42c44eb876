"""Evidence files record their active content; the audit trail becomes append-only.

On PostgreSQL (production, CI) the audit table refuses UPDATE and DELETE in the
database itself (a trigger), so no code path, admin action or SQL console session can
rewrite history; deleting a period, an institution or an evaluation that has audit
events is refused for the same reason. TRUNCATE (a test database's flush) still works.
A laptop's SQLite database gets no trigger: its flush deletes row by row.
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
def _run(sql_by_vendor):
    def run(apps, schema_editor):
        sql = sql_by_vendor.get(schema_editor.connection.vendor)
        if sql:
            schema_editor.execute(sql, params=None)  # no placeholders: % is PL/pgSQL's

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("evaluations", "0006_auditevent_period_and_people_actions"),
    ]

    operations = [
        migrations.AddField(
            model_name="evidencefile",
            name="active_content",
            field=models.JSONField(blank=True, default=list, verbose_name="active content"),
        ),
        migrations.RunPython(
            _run({"postgresql": POSTGRES_UP}),
            _run({"postgresql": POSTGRES_DOWN}),
        ),
    ]
