"""People: the list (ministry admin: everyone; supervisor: the own institution's staff;
coordinator: the own university's members), inviting, the import with its dry run,
resending an invitation, deactivating, and the public invitation link."""

from __future__ import annotations

import hashlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from evaluations import filters
from evaluations.forms.people import DeactivateForm, InviteForm, PeopleImportForm
from evaluations.permissions import invitable_roles, is_admin, require_admin
from evaluations.selectors.people import people_list, people_visible_to
from evaluations.services import people as services
from institutions.models import Role
from institutions.services import read_table

PAGE_SIZE = 50
SESSION_KEY = "people_import"


def _require_people_manager(user) -> None:
    if not invitable_roles(user):
        raise PermissionDenied


@login_required
def person_list(request):
    _require_people_manager(request.user)
    filterset = filters.PeopleFilter(request.GET or None, queryset=people_list(request.user))
    chosen = filters.values(filterset)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "evaluations/people/person_list.html",
        {
            "page": page,
            "q": chosen.q,
            "role": chosen.role,
            "roles": Role.choices,
            "manageable": set(invitable_roles(request.user)),
            "deactivate_form": DeactivateForm(),
        },
    )


def _invite_form(request, data=None):
    return InviteForm(
        data,
        roles=invitable_roles(request.user),
        ask_code=is_admin(request.user),
    )


@login_required
def person_invite(request):
    _require_people_manager(request.user)
    form = _invite_form(request, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = request.user
        try:
            person = services.invite_person(
                by=user,
                name=data["name"],
                email=data["email"],
                role=data["role"],
                institution=data["institution"] or user.institution,
                university=data["university"] or user.university,
                phone=data["phone"],
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(
                request, _("%(email)s was invited by email.") % {"email": person.email}
            )
            return redirect("evaluations:person-list")
    return render(request, "evaluations/people/person_invite.html", {"form": form})


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@login_required
def person_import(request):
    """Upload: a dry run listing every change and error. Confirm: the same file (kept in
    the session between the two steps) is checked again and written."""
    require_admin(request.user)
    plan = None
    form = PeopleImportForm()
    if request.method == "POST" and request.POST.get("action") == "apply":
        stash = request.session.get(SESSION_KEY) or {}
        if not stash or stash.get("digest") != request.POST.get("digest"):
            messages.error(request, _("Upload the file again: the dry run was not found."))
            return redirect("evaluations:person-import")
        data = bytes.fromhex(stash["data"])
        try:
            applied = services.apply_people(
                by=request.user, rows=read_table(name=stash["name"], data=data)
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages[:20]))
            return redirect("evaluations:person-import")
        del request.session[SESSION_KEY]
        totals = applied.totals
        messages.success(
            request,
            _(
                "Import done: %(create)s created and invited, %(update)s updated, "
                "%(reactivate)s reactivated, %(unchanged)s unchanged."
            )
            % {k: totals.get(k, 0) for k in ("create", "update", "reactivate", "unchanged")},
        )
        return redirect("evaluations:person-list")
    if request.method == "POST":
        form = PeopleImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            data = upload.read()
            plan = services.parse_people(name=upload.name, data=data)
            if plan.is_valid:
                request.session[SESSION_KEY] = {
                    "name": upload.name,
                    "data": data.hex(),
                    "digest": _digest(data),
                }
            return render(
                request,
                "evaluations/people/person_import.html",
                {"form": form, "plan": plan, "digest": _digest(data)},
            )
    return render(request, "evaluations/people/person_import.html", {"form": form, "plan": plan})


def _person_for(request, pk):
    """An account on the user's people page: 403 without a people page, 404 outside it."""
    _require_people_manager(request.user)
    return get_object_or_404(people_visible_to(request.user), pk=pk)


@login_required
@require_POST
def person_resend(request, pk):
    person = _person_for(request, pk)
    try:
        services.resend_invitation(by=request.user, user=person)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("A new invitation was sent to %(email)s.") % {"email": person.email}
        )
    return redirect("evaluations:person-list")


@login_required
@require_POST
def person_deactivate(request, pk):
    person = _person_for(request, pk)
    form = DeactivateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason for the deactivation."))
        return redirect("evaluations:person-list")
    try:
        services.deactivate_person(by=request.user, user=person, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(person)s was deactivated.") % {"person": person})
    return redirect("evaluations:person-list")


def invitation_accept(request, token):
    """The link in the invitation email: choose a password, once, then sign in."""
    try:
        invitation = services.check_invitation(token=token, viewer=request.user)
    except ValidationError as exc:
        return render(
            request,
            "evaluations/people/invitation.html",
            {"problem": exc.messages[0]},
            status=410 if exc.code in ("used", "expired") else 404,
        )
    form = SetPasswordForm(invitation.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.accept_invitation(
                token=token, password=form.cleaned_data["new_password1"], viewer=request.user
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("login")
        messages.success(request, _("Your password is set. Sign in with it now."))
        return redirect("login")
    return render(
        request,
        "evaluations/people/invitation.html",
        {"form": form, "person": invitation.user},
    )
