"""Django admin for institutions, universities and users (ministry admins: is_staff).

The roster is reference data with no workflow, so it is edited here directly;
bulk changes go through `manage.py import_institutions`. The user form
shows role, institution and university together; the database constraint that ties
them is checked by the form before saving, so a mismatch is a form error.
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import Institution, University, User


@admin.register(University)
class UniversityAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "short_name", "member_count", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name", "short_name"]
    prepopulated_fields = {"code": ["short_name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_count=Count("members"))

    @admin.display(description=_("members"), ordering="member_count")
    def member_count(self, obj) -> int:
        return obj.member_count


class RegionInline(admin.TabularInline):
    """A province's kabupaten and kota, read-only (edit each one on its own page)."""

    model = Institution
    fk_name = "province"
    fields = ["code", "name", "kind", "is_active"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    verbose_name = _("regency or city")
    verbose_name_plural = _("regencies and cities")

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "short_name", "kind", "province", "is_active"]
    list_display_links = ["code", "name"]
    list_filter = ["kind", "is_active", "province"]
    list_select_related = ["province"]
    search_fields = ["code", "name", "short_name"]
    autocomplete_fields = ["province"]
    readonly_fields = ["created_at", "updated_at"]
    fields = [
        "code",
        "name",
        "short_name",
        "kind",
        "province",
        "is_active",
        "created_at",
        "updated_at",
    ]
    list_per_page = 50
    actions = ["mark_active", "mark_inactive"]

    def get_inlines(self, request, obj):
        if obj is not None and obj.kind == Institution.Kind.PROVINSI:
            return [RegionInline]
        return []

    @admin.action(description=_("Mark the selected institutions active"))
    def mark_active(self, request, queryset):
        count = queryset.update(is_active=True)
        self.message_user(request, _("%(n)d institution(s) marked active.") % {"n": count})

    @admin.action(description=_("Mark the selected institutions inactive"))
    def mark_inactive(self, request, queryset):
        count = queryset.update(is_active=False)
        self.message_user(request, _("%(n)d institution(s) marked inactive.") % {"n": count})


class PortalUserCreationForm(AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ["username", "role", "institution", "university"]


class PortalUserChangeForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = PortalUserChangeForm
    add_form = PortalUserCreationForm
    list_display = [
        "username",
        "get_full_name",
        "email",
        "role",
        "institution",
        "university",
        "is_active",
    ]
    list_filter = [
        "role",
        "is_active",
        "is_staff",
        ("institution__kind", admin.ChoicesFieldListFilter),
        ("institution__province", admin.RelatedOnlyFieldListFilter),
        "university",
    ]
    list_select_related = ["institution", "university"]
    search_fields = [
        "username",
        "first_name",
        "last_name",
        "email",
        "institution__name",
        "institution__code",
        "university__name",
    ]
    autocomplete_fields = ["institution", "university"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Personal info"), {"fields": ["first_name", "last_name", "email", "phone"]}),
        (
            _("Role and membership"),
            {
                "fields": ["role", "institution", "university"],
                "description": _(
                    "Operators and supervisors belong to an institution; assessors and "
                    "coordinators to a university; ministry admins to neither."
                ),
            },
        ),
        (
            _("Permissions"),
            {
                "fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"],
                "classes": ["collapse"],
            },
        ),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
        (_("Two-factor sign-in"), {"fields": ["two_factor"]}),
    ]
    readonly_fields = ["two_factor"]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": [
                    "username",
                    "usable_password",
                    "password1",
                    "password2",
                    "role",
                    "institution",
                    "university",
                ],
            },
        ),
    ]

    @admin.display(description=_("second factor"))
    def two_factor(self, obj) -> str:
        # The reset is its own audited page, never an edit of the device rows here.
        url = reverse("two-factor-reset", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Enrolment and reset"))

    @admin.display(description=_("name"), ordering="first_name")
    def get_full_name(self, obj) -> str:
        return obj.get_full_name()
