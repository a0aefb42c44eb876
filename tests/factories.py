"""One factory per model, with no hidden side effects.

Framework factories build a small framework; tests that need the real
35-indicator framework load it with `load_framework` (fixture `framework_2018`).
"""

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from evaluations import models as em
from institutions.models import Institution, Role, University, User

WIB = dt.timezone(dt.timedelta(hours=7))


class UniversityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = University
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"univ{n}")
    name = factory.Sequence(lambda n: f"Universitas Contoh {n}")
    short_name = factory.Sequence(lambda n: f"UC{n}")


class ProvinceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Institution

    code = factory.Sequence(lambda n: f"9{n:03d}")
    name = factory.Sequence(lambda n: f"Provinsi Contoh {n}")
    short_name = factory.LazyAttribute(lambda o: o.name)
    kind = Institution.Kind.PROVINSI


class InstitutionFactory(factory.django.DjangoModelFactory):
    """A kota by default (with its province)."""

    class Meta:
        model = Institution

    code = factory.Sequence(lambda n: f"8{n:04d}")
    name = factory.Sequence(lambda n: f"Kota Contoh {n}")
    short_name = factory.LazyAttribute(lambda o: o.name)
    kind = Institution.Kind.KOTA
    province = factory.SubFactory(ProvinceFactory)


class MinistryFactory(InstitutionFactory):
    code = factory.Sequence(lambda n: f"K{n:03d}")
    name = factory.Sequence(lambda n: f"Kementerian Contoh {n}")
    kind = Institution.Kind.KEMENTERIAN
    province = None


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.go.id")
    role = Role.OPERATOR
    institution = factory.Maybe(
        factory.LazyAttribute(lambda o: o.role in (Role.OPERATOR, Role.SUPERVISOR)),
        yes_declaration=factory.SubFactory(InstitutionFactory),
        no_declaration=None,
    )
    university = factory.Maybe(
        factory.LazyAttribute(lambda o: o.role in (Role.ASSESSOR, Role.COORDINATOR)),
        yes_declaration=factory.SubFactory(UniversityFactory),
        no_declaration=None,
    )
    password = factory.PostGenerationMethodCall("set_password", "pass-12345")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class FrameworkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = em.Framework
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"fw-{n}")
    name = factory.Sequence(lambda n: f"Framework {n}")
    regulation = "PermenPANRB (test)"
    year = 2018


class DomainFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = em.Domain

    framework = factory.SubFactory(FrameworkFactory)
    code = factory.Sequence(lambda n: f"D{n}")
    name = factory.Sequence(lambda n: f"Domain {n}")
    order = factory.Sequence(int)


class AspectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = em.Aspect

    domain = factory.SubFactory(DomainFactory)
    code = factory.Sequence(lambda n: f"A{n}")
    name = factory.Sequence(lambda n: f"Aspect {n}")
    order = factory.Sequence(int)


class IndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = em.Indicator

    aspect = factory.SubFactory(AspectFactory)
    framework = factory.LazyAttribute(lambda o: o.aspect.domain.framework)
    number = factory.Sequence(lambda n: n + 1)
    name = factory.Sequence(lambda n: f"Indicator {n}")
    weight = Decimal("1")
    ladder = em.Indicator.Ladder.POLICY
    level_descriptions = factory.LazyFunction(lambda: {str(i): f"Level {i}" for i in range(6)})


class PredicateBandFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = em.PredicateBand

    framework = factory.SubFactory(FrameworkFactory)
    name = "Baik"
    lower_bound = Decimal("2.60")


class EvaluationPeriodFactory(factory.django.DjangoModelFactory):
    """An open period: opened 30 days ago, deadline in 30 days."""

    class Meta:
        model = em.EvaluationPeriod

    year = 2019
    name = factory.Sequence(lambda n: f"Evaluasi SPBE {n}")
    framework = factory.SubFactory(FrameworkFactory)
    opens_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=30))
    deadline = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=30))
    grace_minutes = 0


class ExtensionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = em.Extension

    period = factory.SubFactory(EvaluationPeriodFactory)
    institution = factory.SubFactory(InstitutionFactory)
    new_deadline = factory.LazyAttribute(lambda o: o.period.deadline + dt.timedelta(days=7))
    reason = "Gangguan jaringan"
    granted_by = factory.SubFactory(UserFactory, role=Role.ADMIN)


class EvaluationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = em.Evaluation

    institution = factory.SubFactory(InstitutionFactory)
    period = factory.SubFactory(EvaluationPeriodFactory)


class AssessorAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = em.AssessorAssignment

    evaluation = factory.SubFactory(EvaluationFactory)
    assessor = factory.SubFactory(UserFactory, role=Role.ASSESSOR)


class AnswerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = em.Answer

    evaluation = factory.SubFactory(EvaluationFactory)
    indicator = factory.SubFactory(IndicatorFactory)
    phase = em.Phase.SELF
    level = 3
    note = "Sudah ditetapkan dan diterapkan di seluruh unit."


class EvidenceFileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = em.EvidenceFile

    evaluation = factory.SubFactory(EvaluationFactory)
    file = factory.django.FileField(filename="bukti.pdf", data=b"%PDF-1.4\n%%EOF\n")
    original_name = "bukti.pdf"
    size = 15
    sha256 = factory.Sequence(lambda n: f"{n:064x}")
    page_count = 1


class EvidenceLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = em.EvidenceLink

    evidence = factory.SubFactory(EvidenceFileFactory)
    answer = factory.SubFactory(AnswerFactory)


class ReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = em.Report

    kind = em.Report.Kind.INSTITUTION
    evaluation = factory.SubFactory(EvaluationFactory)
    period = factory.LazyAttribute(lambda o: o.evaluation.period if o.evaluation else None)


class IssuedDocumentFactory(factory.django.DjangoModelFactory):
    """A numbered document whose file is stored (it answers on the verification page
    once its results are released)."""

    class Meta:
        model = em.IssuedDocument

    report = factory.SubFactory(ReportFactory)
    kind = factory.LazyAttribute(lambda o: o.report.kind)
    evaluation = factory.LazyAttribute(lambda o: o.report.evaluation)
    period = factory.LazyAttribute(lambda o: o.report.period)
    year = 2026
    sequence = factory.Sequence(lambda n: n + 1)
    number = factory.LazyAttribute(lambda o: f"SPBE-LE-{o.year}-{o.sequence:05d}")
    institution_name = factory.LazyAttribute(
        lambda o: o.evaluation.institution.name if o.evaluation else ""
    )
    place = "Jakarta"
    issued_at = factory.LazyFunction(timezone.now)
    sha256 = "cd" * 32


class AuditEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = em.AuditEvent

    at = factory.LazyFunction(timezone.now)
    action = "answer.saved"
    evaluation = factory.SubFactory(EvaluationFactory)
    institution = factory.LazyAttribute(lambda o: o.evaluation.institution)
    period = factory.LazyAttribute(lambda o: o.evaluation.period)


class AspectNoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = em.AspectNote

    evaluation = factory.SubFactory(EvaluationFactory)
    aspect = factory.SubFactory(AspectFactory)
    phase = em.Phase.DOCUMENT
    strengths = "Kebijakan internal sudah ditetapkan."
    weaknesses = "Belum ada evaluasi berkala."


def answer_all_indicators(
    evaluation, *, self_level=3, final_level=None, released=True, notes=True, by=None
):
    """Fill `evaluation` with a self-phase answer for every indicator of its framework
    (and a document-phase answer plus aspect notes when `final_level` is given), then
    mark the evaluation submitted and, when `released`, released with its index.

    A plain data builder for report tests and the reports benchmark: it writes the rows
    directly, not through the workflow services. Levels may be an int or a callable
    (indicator -> int). Returns the evaluation.
    """
    from evaluations.scoring import compute_index, spec_for

    def level_of(value, ind):
        return value(ind) if callable(value) else value

    indicators = list(
        em.Indicator.objects.filter(framework_id=evaluation.period.framework_id).select_related(
            "aspect"
        )
    )
    rows, self_levels, final_levels = [], {}, {}
    for ind in indicators:
        for entry in range(1, ind.max_entries + 1):
            service = f"Layanan {entry}" if ind.max_entries > 1 else ""
            lvl = level_of(self_level, ind)
            rows.append(
                em.Answer(
                    evaluation=evaluation,
                    indicator=ind,
                    entry=entry,
                    phase=em.Phase.SELF,
                    level=lvl,
                    service_name=service,
                    note="Sudah ditetapkan.",
                )
            )
            self_levels.setdefault(ind.pk, []).append(lvl)
            if final_level is not None:
                flvl = level_of(final_level, ind)
                rows.append(
                    em.Answer(
                        evaluation=evaluation,
                        indicator=ind,
                        entry=entry,
                        phase=em.Phase.DOCUMENT,
                        level=flvl,
                        service_name=service,
                        note=f"Bukti mendukung tingkat {flvl}.",
                        recommendation="Lakukan evaluasi berkala.",
                    )
                )
                final_levels.setdefault(ind.pk, []).append(flvl)
    em.Answer.objects.bulk_create(rows)
    if final_level is not None and notes:
        em.AspectNote.objects.bulk_create(
            em.AspectNote(
                evaluation=evaluation,
                aspect=aspect,
                strengths=f"Kekuatan aspek {aspect.code}.",
                weaknesses=f"Kelemahan aspek {aspect.code}.",
            )
            for aspect in {ind.aspect for ind in indicators}
        )
    spec = spec_for(evaluation.period.framework)
    self_result = compute_index(spec, self_levels)
    submitter = by or UserFactory(role=Role.OPERATOR, institution=evaluation.institution)
    now = timezone.now()
    evaluation.submitted_at = evaluation.submitted_at or now
    evaluation.submitted_by = evaluation.submitted_by or submitter
    evaluation.submission_count = evaluation.submission_count or 1
    evaluation.submission_hash = evaluation.submission_hash or "ab" * 32
    evaluation.self_index = self_result.index
    evaluation.self_predicate = self_result.predicate
    evaluation.answered_count = len(indicators)
    evaluation.status = em.Evaluation.Status.SUBMITTED
    if final_level is not None:
        final_result = compute_index(spec, final_levels)
        evaluation.final_index = final_result.index
        evaluation.final_predicate = final_result.predicate
        evaluation.status = em.Evaluation.Status.APPROVED
        if released:
            evaluation.status = em.Evaluation.Status.RELEASED
            evaluation.released_at = now
    evaluation.save()
    return evaluation
