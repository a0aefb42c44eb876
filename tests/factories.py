"""One factory per model, with no hidden side effects (STYLE X2).

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


class AuditEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = em.AuditEvent

    at = factory.LazyFunction(timezone.now)
    action = "answer.saved"
    evaluation = factory.SubFactory(EvaluationFactory)
    institution = factory.LazyAttribute(lambda o: o.evaluation.institution)
    period = factory.LazyAttribute(lambda o: o.evaluation.period)
