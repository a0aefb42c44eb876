"""The roster list's filter (django-filter), in the same pattern as evaluations/filters.py:
the view passes the queryset, unknown values are ignored."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from institutions.models import Institution


class InstitutionFilter(django_filters.FilterSet):
    """Search (name, short name, or the start of the code), kind, and a province by its
    code with its kabupaten and kota."""

    q = django_filters.CharFilter(method="filter_search", label=_("Search"))
    kind = django_filters.ChoiceFilter(choices=Institution.Kind.choices, label=_("Kind"))
    province = django_filters.CharFilter(method="filter_province", label=_("Province"))

    class Meta:
        model = Institution
        fields = ["q", "kind", "province"]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value) | Q(short_name__icontains=value) | Q(code__istartswith=value)
        )

    def filter_province(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(province__code=value) | Q(code=value, kind=Institution.Kind.PROVINSI)
        )
