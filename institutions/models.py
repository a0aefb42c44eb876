"""Who takes part: institutions, the assessor universities, and the portal's users.

This app never imports from `evaluations`.
"""

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from spbe_portal.prepared import PreparedQuery


class University(models.Model):
    """One of the universities whose assessors carry out the document evaluation."""

    code = models.SlugField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200, unique=True)
    short_name = models.CharField(_("short name"), max_length=30)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("university")
        verbose_name_plural = _("universities")

    def __str__(self) -> str:
        return self.name


class InstitutionQuerySet(models.QuerySet):
    def active(self) -> "InstitutionQuerySet":
        return self.filter(is_active=True)

    def local_governments(self) -> "InstitutionQuerySet":
        return self.filter(kind__in=Institution.LOCAL_KINDS)

    def central(self) -> "InstitutionQuerySet":
        return self.filter(kind__in=Institution.CENTRAL_KINDS)


class Institution(models.Model):
    """A government institution that evaluates itself (instansi pusat or pemerintah daerah).

    Invariant (database-enforced): a kabupaten or kota has a province, and nothing
    else has one.
    """

    class Kind(models.TextChoices):
        KEMENTERIAN = "kementerian", _("Ministry")
        LEMBAGA = "lembaga", _("Agency")
        PROVINSI = "provinsi", _("Province")
        KABUPATEN = "kabupaten", _("Regency")
        KOTA = "kota", _("City")

    CENTRAL_KINDS = (Kind.KEMENTERIAN, Kind.LEMBAGA)
    LOCAL_KINDS = (Kind.PROVINSI, Kind.KABUPATEN, Kind.KOTA)

    code = models.CharField(
        _("code"),
        max_length=20,
        unique=True,
        help_text=_("Kemendagri code for local governments, the portal's own code for others."),
    )
    name = models.CharField(_("official name"), max_length=255)
    short_name = models.CharField(_("short name"), max_length=100, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    province = models.ForeignKey(
        "self",
        verbose_name=_("province"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="regions",
        limit_choices_to={"kind": Kind.PROVINSI},
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    objects = InstitutionQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind__in=["kabupaten", "kota"], province__isnull=False)
                    | (~Q(kind__in=["kabupaten", "kota"]) & Q(province__isnull=True))
                ),
                name="institutions_institution_province_iff_regency_or_city",
            ),
        ]
        indexes = [
            models.Index(fields=["kind", "name"]),  # filter by kind + sort by name in lists
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        return self.short_name or self.name


class Role(models.TextChoices):
    OPERATOR = "operator", _("Institution operator")
    SUPERVISOR = "supervisor", _("Institution supervisor")
    ASSESSOR = "assessor", _("Assessor")
    COORDINATOR = "coordinator", _("University coordinator")
    ADMIN = "admin", _("Ministry admin")


INSTITUTION_ROLES = (Role.OPERATOR, Role.SUPERVISOR)
UNIVERSITY_ROLES = (Role.ASSESSOR, Role.COORDINATOR)


class PortalUserManager(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        # A superuser is a ministry admin; the role constraint requires a role.
        extra_fields.setdefault("role", Role.ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)

    def get(self, *args, **kwargs):
        """As Manager.get(). `get(pk=<int>)` alone, which every request of a signed-in
        user makes (Django's ModelBackend.get_user), runs a query compiled once per
        process (spbe_portal.prepared) instead of compiling it each time."""
        if not args and kwargs.keys() == {"pk"} and isinstance(kwargs["pk"], int) and not self._db:
            user = _USER_BY_PK.first(pk=kwargs["pk"])
            if user is None:
                raise self.model.DoesNotExist(
                    f"{self.model.__name__} matching query does not exist."
                )
            return user
        return super().get(*args, **kwargs)


class User(AbstractUser):
    """A person who signs in. The role fixes what the user belongs to.

    Invariant (database-enforced): institution staff (operator, supervisor) belong to
    exactly one institution and no university; assessors and coordinators to exactly
    one university and no institution; ministry admins to neither.
    """

    Role = Role

    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    institution = models.ForeignKey(
        Institution,
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
    )
    university = models.ForeignKey(
        University,
        verbose_name=_("university"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)

    objects = PortalUserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(
                        role__in=["operator", "supervisor"],
                        institution__isnull=False,
                        university__isnull=True,
                    )
                    | Q(
                        role__in=["assessor", "coordinator"],
                        institution__isnull=True,
                        university__isnull=False,
                    )
                    | Q(role="admin", institution__isnull=True, university__isnull=True)
                ),
                name="institutions_user_membership_matches_role",
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    # For templates ({% if user.is_coordinator %}): each property asks the one role
    # predicate of institutions/permissions.py, so the rule is not written twice.
    @property
    def is_institution_staff(self) -> bool:
        return _roles().is_institution_staff(self)

    @property
    def is_supervisor(self) -> bool:
        return _roles().is_supervisor(self)

    @property
    def is_assessor(self) -> bool:
        return _roles().is_assessor(self)

    @property
    def is_coordinator(self) -> bool:
        return _roles().is_coordinator(self)

    @property
    def is_ministry_admin(self) -> bool:
        return _roles().is_admin(self)


class Invitation(models.Model):
    """A single-use link by which a new person sets a password.

    Only the SHA-256 of the token is stored: the link in the email is the only copy.
    A link is good once, until `expires_at`, and only while it is the person's latest
    (a resend or a deactivation closes the earlier ones).
    """

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("user")
    )
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"))
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.user} {self.created_at:%Y-%m-%d}"


def _roles():
    # Imported late: institutions.permissions imports this module.
    from institutions import permissions

    return permissions


_USER_BY_PK = PreparedQuery(lambda pk: User.objects.filter(pk=pk), "pk")
