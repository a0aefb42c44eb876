"""People: importing staff and assessors from a file, invitations, deactivation.

An import file (CSV or XLSX) has the columns name, email, role, code and optionally
phone; `code` is the institution's code for operators and supervisors and the
university's code for assessors and coordinators. `plan_people` checks every row and
compares it with the database; `apply_people` writes a valid plan in one transaction,
after checking it again under the lock. Each new person gets an invitation: a link that
sets the password once, within INVITATION_VALID_FOR. Accounts are deactivated, never
deleted, so that the audit trail keeps its actors. Every write is audited.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings as django_settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from evaluations.models import AuditEvent
from evaluations.notifications import queue_email
from evaluations.permissions import (
    can_manage_period,
    can_manage_person,
    invitable_roles,
    is_admin,
    is_coordinator,
    is_supervisor,
)
from institutions.models import INSTITUTION_ROLES, Institution, Invitation, Role, University, User
from institutions.services import (
    BAD_CHARACTER,
    EXTRA_CELLS,
    FORBIDDEN_CHARACTERS,
    HEADER_UNKNOWN,
    read_table,
)

INVITATION_VALID_FOR = dt.timedelta(days=7)
IMPORT_ACTIONS = {
    "create": AuditEvent.Action.USER_CREATED,
    "update": AuditEvent.Action.USER_UPDATED,
    "reactivate": AuditEvent.Action.USER_REACTIVATED,
}

COLUMNS = ("name", "email", "role", "code", "phone")
REQUIRED_COLUMNS = ("name", "email", "role", "code")
# Role names accepted in a file, English and Indonesian.
ROLE_NAMES = {
    "operator": Role.OPERATOR,
    "supervisor": Role.SUPERVISOR,
    "penanggung jawab": Role.SUPERVISOR,
    "penanggung_jawab": Role.SUPERVISOR,
    "assessor": Role.ASSESSOR,
    "asesor": Role.ASSESSOR,
    "coordinator": Role.COORDINATOR,
    "koordinator": Role.COORDINATOR,
}

ROW_ERROR = _("Row %(row)s: %(message)s")
FILE_EMPTY = _("The file is empty: it has no header row.")
FILE_NO_ROWS = _("The file has a header but no rows.")
HEADER_MISSING = _("The header lacks the column(s) %(columns)s. Expected columns: %(expected)s.")
NAME_REQUIRED = _("a name is required.")
NAME_TOO_LONG = _("the name has more than 150 characters.")
PHONE_TOO_LONG = _("the phone number has more than 30 characters.")
EMAIL_INVALID = _("“%(value)s” is not an email address.")
EMAIL_REPEATED = _("the address %(email)s already appears in row %(first)s.")
ROLE_UNKNOWN = _("unknown role “%(value)s”; use operator, supervisor, assessor or coordinator.")
INSTITUTION_UNKNOWN = _("no active institution has the code “%(code)s”.")
UNIVERSITY_UNKNOWN = _("no active university has the code “%(code)s”.")
IS_ADMIN = _("%(email)s belongs to a ministry admin, who cannot be changed by an import.")
PLAN_INVALID = _("The file has errors; nothing was written.")
CHANGED_MEANWHILE = _("An account of the file was created meanwhile; run the dry run again.")
ROLE_NOT_ALLOWED = _("You cannot invite a person with this role.")
EMAIL_TAKEN = _("An account with this address already exists.")
NOT_YOURS = _("You cannot change this account.")
ALREADY_SET = _(
    "This person has already set a password; they can use “Forgot password?” on the sign-in page."
)
INACTIVE = _("This account is deactivated.")
ALREADY_INACTIVE = _("This account is already deactivated.")
REASON_REQUIRED = _("Give the reason.")
LINK_INVALID = _("This invitation link is not valid. Ask for a new invitation.")
LINK_USED = _("This invitation link was already used. Sign in, or use “Forgot password?”.")
LINK_EXPIRED = _("This invitation link has expired. Ask for a new invitation.")
LINK_OTHER_USER = _(
    "This invitation is for another account. Sign out first, then open the link again."
)


@dataclass
class PersonChange:
    """What one valid row does: create, update, reactivate or nothing."""

    row: int
    email: str
    name: str
    role: str
    code: str
    phone: str
    action: str  # "create", "update", "reactivate", "unchanged"
    changes: dict = field(default_factory=dict)  # field -> [old, new]
    user_id: int | None = None


@dataclass
class PeoplePlan:
    errors: list[str] = field(default_factory=list)
    changes: list[PersonChange] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return not self.errors and bool(self.changes)

    @property
    def totals(self) -> Counter:
        return Counter(c.action for c in self.changes)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _row_error(row: int, message, **params) -> str:
    return str(ROW_ERROR % {"row": row, "message": message % params if params else message})


def _is_blank(row: list) -> bool:
    return not any(str(c).strip() for c in row)


def _header(first_row: list) -> list[str]:
    """The column names in lower case; empty cells after the last name do not count."""
    header = [str(c).strip().lower() for c in first_row]
    while header and not header[-1]:
        header.pop()
    return header


def _header_error(header: list[str]) -> str | None:
    """A required column missing, or a column the import does not know (it would be
    dropped without a word); the missing ones are reported first."""
    expected = ", ".join(COLUMNS)
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        return str(HEADER_MISSING % {"columns": ", ".join(missing), "expected": expected})
    unknown = [c or "(empty)" for c in header if c not in COLUMNS]
    if unknown:
        return str(HEADER_UNKNOWN % {"columns": ", ".join(unknown), "expected": expected})
    return None


def _cell(row: list, col: dict[str, int], name: str) -> str:
    """The row's value in a column; a short row or a column not in the file reads empty."""
    i = col.get(name)
    return str(row[i]).strip() if i is not None and i < len(row) else ""


def _beyond(row: list, width: int) -> list[tuple[int, str]]:
    """Values beyond the header's columns, (position, value): an error each."""
    return [
        (position, str(v).strip())
        for position, v in enumerate(row[width:], start=width + 1)
        if str(v).strip()
    ]


def _entry(row: list, col: dict[str, int], width: int) -> dict:
    return {
        "name": _cell(row, col, "name"),
        "email": _cell(row, col, "email").lower(),
        "role": _cell(row, col, "role").lower(),
        "code": _cell(row, col, "code"),
        "phone": _cell(row, col, "phone"),
        "beyond": _beyond(row, width),
    }


def _read_entries(rows: list[list]) -> tuple[list[tuple[int, dict]], str | None]:
    """The file's rows as (row number, cells by column), or the error that stops the file."""
    if not rows or _is_blank(rows[0]):
        return [], str(FILE_EMPTY)
    header = _header(rows[0])
    error = _header_error(header)
    if error:
        return [], error
    col = {name: header.index(name) for name in COLUMNS if name in header}
    entries = [
        (number, _entry(row, col, len(header)))
        for number, row in enumerate(rows[1:], start=2)
        if not _is_blank(row)  # blank lines between blocks are harmless
    ]
    if not entries:
        return [], str(FILE_NO_ROWS)
    return entries, None


@dataclass
class _Known:
    """What the database holds for the codes and addresses of a file (three queries)."""

    institutions: dict[str, Institution]
    universities: dict[str, University]
    users: dict[str, User]

    @classmethod
    def load(cls, entries: list[tuple[int, dict]], *, lock: bool) -> _Known:
        codes = {e["code"] for _n, e in entries}
        institutions = {i.code: i for i in Institution.objects.active().filter(code__in=codes)}
        universities = {
            u.code: u for u in University.objects.filter(is_active=True, code__in=codes)
        }
        emails = [e["email"] for _n, e in entries]
        users_qs = User.objects.filter(Q(email__in=emails) | Q(username__in=emails)).order_by("pk")
        if lock:
            users_qs = users_qs.select_for_update()
        # An account is found by its address or by a username that is an address; the
        # oldest account wins when two match.
        users: dict[str, User] = {}
        for user in users_qs:
            users.setdefault((user.email or user.username).lower(), user)
            users.setdefault(user.username.lower(), user)
        return cls(institutions, universities, users)


def _text_errors(number: int, e: dict) -> list[str]:
    errors = []
    for column in COLUMNS:
        # NUL would pass the check and fail the write; controls and bidi marks would
        # make a name read differently on screen than in the file.
        bad = FORBIDDEN_CHARACTERS.search(e[column])
        if bad:
            message = BAD_CHARACTER % {
                "char": f"U+{ord(bad.group()):04X}",
                "position": bad.start() + 1,
            }
            errors.append(_row_error(number, f"{column}: {message}"))
    for position, value in e["beyond"]:
        shown = FORBIDDEN_CHARACTERS.sub("?", value)[:40]
        errors.append(_row_error(number, EXTRA_CELLS % {"position": position, "value": shown}))
    if not e["name"]:
        errors.append(_row_error(number, NAME_REQUIRED))
    elif len(e["name"]) > 150:
        errors.append(_row_error(number, NAME_TOO_LONG))
    if len(e["phone"]) > 30:
        errors.append(_row_error(number, PHONE_TOO_LONG))
    return errors


def _email_errors(number: int, email: str, first_row: dict[str, int]) -> list[str]:
    """A malformed address, or one an earlier row already has (first_row records it)."""
    try:
        validate_email(email)
    except ValidationError:
        return [_row_error(number, EMAIL_INVALID, value=email)]
    if email in first_row:
        return [_row_error(number, EMAIL_REPEATED, email=email, first=first_row[email])]
    first_row[email] = number
    return []


def _organisation(number: int, e: dict, known: _Known):
    """(role, institution, university, errors): a role's organisation is found by code."""
    role = ROLE_NAMES.get(e["role"])
    if role is None:
        return None, None, None, [_row_error(number, ROLE_UNKNOWN, value=e["role"])]
    if role in INSTITUTION_ROLES:
        institution = known.institutions.get(e["code"])
        if institution is None:
            return role, None, None, [_row_error(number, INSTITUTION_UNKNOWN, code=e["code"])]
        return role, institution, None, []
    university = known.universities.get(e["code"])
    if university is None:
        return role, None, None, [_row_error(number, UNIVERSITY_UNKNOWN, code=e["code"])]
    return role, None, university, []


def _differences(user: User, e: dict, role: str, institution, university) -> dict:
    """field -> [old, new] for what the row changes on an existing account."""
    new = {
        "name": e["name"],
        "role": str(role),
        "institution": institution.code if institution else None,
        "university": university.code if university else None,
        "phone": e["phone"],
    }
    old = {
        "name": user.get_full_name(),
        "role": user.role,
        "institution": user.institution.code if user.institution_id else None,
        "university": user.university.code if user.university_id else None,
        "phone": user.phone,
    }
    return {k: [old[k], new[k]] for k in new if old[k] != new[k]}


def _person_change(number: int, e: dict, role: str, institution, university, user) -> PersonChange:
    change = PersonChange(
        row=number,
        email=e["email"],
        name=e["name"],
        role=role,
        code=e["code"],
        phone=e["phone"],
        action="create",
    )
    if user is None:
        return change
    change.user_id = user.pk
    change.changes = _differences(user, e, role, institution, university)
    if not user.is_active:
        change.action = "reactivate"
    else:
        change.action = "update" if change.changes else "unchanged"
    return change


def plan_people(*, rows: list[list], lock: bool = False) -> PeoplePlan:
    """Check a table (header first) and compare each row with the database.

    With `lock`, the existing accounts are locked (select_for_update): apply_people
    plans again under the lock so that what it writes is what it checked.
    """
    plan = PeoplePlan()
    entries, file_error = _read_entries(rows)
    if file_error:
        plan.errors.append(file_error)
        return plan
    known = _Known.load(entries, lock=lock)
    first_row: dict[str, int] = {}
    for number, e in entries:
        errors = _text_errors(number, e) + _email_errors(number, e["email"], first_row)
        role, institution, university, organisation_errors = _organisation(number, e, known)
        errors += organisation_errors
        user = known.users.get(e["email"])
        if user is not None and is_admin(user):
            errors.append(_row_error(number, IS_ADMIN, email=e["email"]))
        if errors:
            plan.errors.extend(errors)
            continue
        plan.changes.append(_person_change(number, e, role, institution, university, user))
    return plan


def parse_people(*, name: str, data: bytes) -> PeoplePlan:
    """The dry run of an import file: every change and every row-numbered error."""
    try:
        rows = read_table(name=name, data=data)
    except ValidationError as exc:
        return PeoplePlan(errors=list(exc.messages))
    return plan_people(rows=rows)


def _invitation_link(token: str) -> str:
    return django_settings.SITE_URL.rstrip("/") + reverse("invitation-accept", args=[token])


def _issue_invitation(*, user: User, by, now: dt.datetime) -> tuple[Invitation, str]:
    """Close the person's open invitations and make a new one. Returns it and its token."""
    Invitation.objects.filter(user=user, used_at__isnull=True, closed_at__isnull=True).update(
        closed_at=now
    )
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        user=user,
        token_hash=_token_hash(token),
        created_at=now,
        expires_at=now + INVITATION_VALID_FOR,
        created_by=by if getattr(by, "is_authenticated", False) else None,
    )
    return invitation, token


def _send_invitation(*, user: User, token: str, expires_at: dt.datetime) -> None:
    organisation = user.institution or user.university
    queue_email(
        name="invitation",
        to=[user.email],
        context={
            "name": user.get_full_name() or user.username,
            "username": user.username,
            "role": user.get_role_display(),
            "organisation": str(organisation or ""),
            "link": _invitation_link(token),
            "expires_at": expires_at,
        },
    )


def _event(*, action: str, by, user: User, now, changes=None, note: str = "") -> AuditEvent:
    """An audit event about a person (unsaved). The person is named in `changes`."""
    return AuditEvent(
        at=now,
        actor=by if getattr(by, "is_authenticated", False) else None,
        action=action,
        institution_id=user.institution_id,
        changes={"user": [None, user.username], **(changes or {})},
        note=note,
    )


@transaction.atomic
def apply_people(*, by, rows: list[list]) -> PeoplePlan:
    """Write an import: create, update or reactivate each person, invite the new ones.

    Plans again under the lock and writes nothing unless the whole file is valid.
    """
    if not can_manage_period(by):
        raise PermissionDenied
    plan = plan_people(rows=rows, lock=True)
    if not plan.is_valid:
        raise ValidationError([PLAN_INVALID, *plan.errors])
    now = timezone.now()
    institutions = dict(Institution.objects.values_list("code", "pk"))
    universities = dict(University.objects.values_list("code", "pk"))
    users = User.objects.in_bulk([c.user_id for c in plan.changes if c.user_id])
    events, invite = [], []
    for change in plan.changes:
        if change.action == "unchanged":
            continue
        user = users.get(change.user_id) or User(username=change.email, date_joined=now)
        user.email = change.email
        user.first_name, user.last_name = change.name, ""
        user.role = change.role
        user.phone = change.phone
        if change.role in INSTITUTION_ROLES:
            user.institution_id, user.university_id = institutions[change.code], None
        else:
            user.institution_id, user.university_id = None, universities[change.code]
        user.is_active = True
        if user.pk is None:
            user.set_unusable_password()
            invite.append(user)
        try:
            user.save()
        except IntegrityError as exc:  # the same address created by someone else meanwhile
            raise ValidationError([PLAN_INVALID, CHANGED_MEANWHILE]) from exc
        events.append(
            _event(
                action=IMPORT_ACTIONS[change.action],
                by=by,
                user=user,
                now=now,
                changes=change.changes,
                note=f"row {change.row}",
            )
        )
    for user in invite:
        invitation, token = _issue_invitation(user=user, by=by, now=now)
        _send_invitation(user=user, token=token, expires_at=invitation.expires_at)
        events.append(_event(action=AuditEvent.Action.USER_INVITED, by=by, user=user, now=now))
    AuditEvent.objects.bulk_create(events, batch_size=500)
    return plan


def _guard_role(by, *, role: str, institution, university) -> None:
    if role not in invitable_roles(by):
        raise PermissionDenied
    if is_supervisor(by) and institution.pk != by.institution_id:
        raise PermissionDenied
    if is_coordinator(by) and university.pk != by.university_id:
        raise PermissionDenied


@transaction.atomic
def invite_person(
    *,
    by,
    name: str,
    email: str,
    role: str,
    institution: Institution | None = None,
    university: University | None = None,
    phone: str = "",
) -> User:
    """Create one account with an unusable password and send its invitation."""
    _guard_role(by, role=role, institution=institution, university=university)
    email = email.strip().lower()
    if User.objects.select_for_update().filter(Q(email__iexact=email) | Q(username=email)).exists():
        raise ValidationError({"email": [EMAIL_TAKEN]})
    now = timezone.now()
    user = User(
        username=email,
        email=email,
        first_name=name.strip(),
        role=role,
        institution=institution if role in INSTITUTION_ROLES else None,
        university=university if role not in INSTITUTION_ROLES else None,
        phone=phone.strip(),
        date_joined=now,
    )
    user.set_unusable_password()
    user.full_clean(exclude=["password"])
    try:
        user.save()
    except IntegrityError as exc:  # invited by someone else at the same moment
        raise ValidationError({"email": [EMAIL_TAKEN]}) from exc
    invitation, token = _issue_invitation(user=user, by=by, now=now)
    _send_invitation(user=user, token=token, expires_at=invitation.expires_at)
    AuditEvent.objects.bulk_create(
        [
            _event(action=AuditEvent.Action.USER_CREATED, by=by, user=user, now=now),
            _event(action=AuditEvent.Action.USER_INVITED, by=by, user=user, now=now),
        ]
    )
    return user


def _locked_person(*, by, user: User) -> User:
    user = User.objects.select_for_update().get(pk=user.pk)
    if not can_manage_person(by, user):
        raise PermissionDenied
    return user


@transaction.atomic
def resend_invitation(*, by, user: User) -> Invitation:
    """A new link for a person who has not set a password yet; the earlier ones close."""
    user = _locked_person(by=by, user=user)
    if not user.is_active:
        raise ValidationError(INACTIVE)
    if user.has_usable_password():
        raise ValidationError(ALREADY_SET)
    now = timezone.now()
    invitation, token = _issue_invitation(user=user, by=by, now=now)
    _send_invitation(user=user, token=token, expires_at=invitation.expires_at)
    _event(action=AuditEvent.Action.USER_INVITATION_RESENT, by=by, user=user, now=now).save()
    return invitation


@transaction.atomic
def deactivate_person(*, by, user: User, reason: str) -> User:
    """Switch an account off (never delete it) and close its open invitations."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [REASON_REQUIRED]})
    user = _locked_person(by=by, user=user)
    if not user.is_active:
        raise ValidationError(ALREADY_INACTIVE)
    now = timezone.now()
    user.is_active = False
    user.save(update_fields=["is_active"])
    Invitation.objects.filter(user=user, used_at__isnull=True, closed_at__isnull=True).update(
        closed_at=now
    )
    _event(action=AuditEvent.Action.USER_DEACTIVATED, by=by, user=user, now=now, note=reason).save()
    return user


def check_invitation(*, token: str, viewer, now: dt.datetime | None = None) -> Invitation:
    """The invitation a link stands for, or ValidationError saying why it cannot be used."""
    now = now or timezone.now()
    invitation = (
        Invitation.objects.select_related("user").filter(token_hash=_token_hash(token)).first()
    )
    if invitation is None or invitation.closed_at is not None or not invitation.user.is_active:
        raise ValidationError(LINK_INVALID, code="invalid")
    if invitation.used_at is not None:
        raise ValidationError(LINK_USED, code="used")
    if now >= invitation.expires_at:
        raise ValidationError(LINK_EXPIRED, code="expired")
    if getattr(viewer, "is_authenticated", False) and viewer.pk != invitation.user_id:
        raise ValidationError(LINK_OTHER_USER, code="other_user")
    return invitation


@transaction.atomic
def accept_invitation(*, token: str, password: str, viewer) -> User:
    """Set the password through a valid link, once. The password is validated by the form."""
    # Lock the row first so that two submissions of one link cannot both pass the check.
    Invitation.objects.select_for_update().filter(token_hash=_token_hash(token)).first()
    invitation = check_invitation(token=token, viewer=viewer)
    now = timezone.now()
    user = invitation.user
    user.set_password(password)
    user.save(update_fields=["password"])
    Invitation.objects.filter(pk=invitation.pk).update(used_at=now)
    _event(action=AuditEvent.Action.USER_INVITATION_ACCEPTED, by=user, user=user, now=now).save()
    return user
