"""Foreign keys that a composite index already starts with lose their own index.

These tables take the writes of deadline day (every autosave adds an audit event, every
upload and link a row), and each index is written with every row. Only the index is
dropped: Django's AlterField would also drop and re-add each foreign key constraint,
which re-checks every row of the audit trail under a lock. The index names are the
ones Django gave these columns (the same on PostgreSQL and SQLite)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# (table, column, the hash in Django's name for the column's own index, which is
# <table>_<column>_<hash>): each column leads a composite or unique index of its table.
COVERED = (
    ("evaluations_answer", "evaluation_id", "ebc91e73"),
    ("evaluations_auditevent", "actor_id", "89fdc19f"),
    ("evaluations_auditevent", "evaluation_id", "38737cd3"),
    ("evaluations_auditevent", "institution_id", "2ad33758"),
    ("evaluations_auditevent", "period_id", "350833cd"),
    ("evaluations_evaluation", "institution_id", "48923b63"),
    ("evaluations_evaluation", "period_id", "f63bf5bd"),
    ("evaluations_evidencefile", "evaluation_id", "e14d9265"),
    ("evaluations_evidencelink", "evidence_id", "2698a7c7"),
)


class Migration(migrations.Migration):
    dependencies = [
        ("evaluations", "0025_calibration_answer_note"),
        ("institutions", "0003_invitations"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="answer",
                    name="evaluation",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="answers",
                        to="evaluations.evaluation",
                        verbose_name="evaluation",
                    ),
                ),
                migrations.AlterField(
                    model_name="auditevent",
                    name="actor",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="actor",
                    ),
                ),
                migrations.AlterField(
                    model_name="auditevent",
                    name="evaluation",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="events",
                        to="evaluations.evaluation",
                        verbose_name="evaluation",
                    ),
                ),
                migrations.AlterField(
                    model_name="auditevent",
                    name="institution",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="events",
                        to="institutions.institution",
                        verbose_name="institution",
                    ),
                ),
                migrations.AlterField(
                    model_name="auditevent",
                    name="period",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="events",
                        to="evaluations.evaluationperiod",
                        verbose_name="period",
                    ),
                ),
                migrations.AlterField(
                    model_name="evaluation",
                    name="institution",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="evaluations",
                        to="institutions.institution",
                        verbose_name="institution",
                    ),
                ),
                migrations.AlterField(
                    model_name="evaluation",
                    name="period",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="evaluations",
                        to="evaluations.evaluationperiod",
                        verbose_name="period",
                    ),
                ),
                migrations.AlterField(
                    model_name="evidencefile",
                    name="evaluation",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="evidence",
                        to="evaluations.evaluation",
                        verbose_name="evaluation",
                    ),
                ),
                migrations.AlterField(
                    model_name="evidencelink",
                    name="evidence",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="links",
                        to="evaluations.evidencefile",
                        verbose_name="evidence",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{table}_{column}_{suffix}"',
                    f'CREATE INDEX IF NOT EXISTS "{table}_{column}_{suffix}" '
                    f'ON "{table}" ("{column}")',
                )
                for table, column, suffix in COVERED
            ],
        ),
    ]
