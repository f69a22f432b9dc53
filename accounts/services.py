from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from .models import AuditEntry, OrganizerProfile
from .roles import ADMINS, ORGANIZERS, Role

User = get_user_model()

ROLE_CHANGED = "role.changed"


def display_name(user: AbstractBaseUser | None) -> str:
    """How the audit log and messages name a person who acted: full name, else username;
    nobody (a task, a command) is "Rounds"."""
    if user is None or not user.is_authenticated:
        return "Rounds"
    return user.get_full_name() or user.get_username()


def record_audit(
    *,
    actor: AbstractBaseUser | None,
    action: str,
    target: str,
    message: str,
    details: dict | None = None,
) -> AuditEntry:
    """Append one entry to the audit log, in the caller's transaction (so a change that rolls
    back leaves no entry behind). ``message`` says what happened in a sentence an organizer
    reads ("Ann Lee published version 3 of North, spring."); ``details`` keeps ids for
    support."""
    if actor is not None and not actor.is_authenticated:
        actor = None
    return AuditEntry.objects.create(
        actor=actor,
        action=action,
        target=target[:200],
        message=message,
        details=details or {},
    )


def _change_words(changes: dict) -> list[str]:
    words = []
    if "to" in changes:
        words.append(
            f"role {Role(changes['from']).label.lower()} → {Role(changes['to']).label.lower()}"
        )
    if "active" in changes:
        words.append("reactivated" if changes["active"] else "deactivated")
    return words


def role_of(user) -> Role:
    """The user's role as the account pages show it: superusers are admins."""
    if user.is_superuser:
        return Role.ADMIN
    names = {group.name for group in user.groups.all()}
    if ADMINS in names:
        return Role.ADMIN
    if ORGANIZERS in names:
        return Role.ORGANIZER
    return Role.NONE


def _apply_role(user, role: Role) -> None:
    groups = {group.name: group for group in Group.objects.filter(name__in=[ADMINS, ORGANIZERS])}
    user.groups.remove(*groups.values())
    if role == Role.ADMIN:
        user.groups.add(groups[ADMINS])
    elif role == Role.ORGANIZER:
        user.groups.add(groups[ORGANIZERS])
    # Admins keep the catalogue in the Django admin; organizers work in the app only.
    user.is_staff = role == Role.ADMIN or user.is_superuser
    user.save(update_fields=["is_staff"])


@transaction.atomic
def create_account(
    *,
    username: str,
    first_name: str,
    last_name: str,
    email: str,
    role: Role,
    password: str | None,
    by: AbstractBaseUser,
) -> AbstractBaseUser:
    """Create an organizer or admin account, in one transaction, and audit
    the role it starts with. Without a password the account gets an unusable one, to be set
    through a set-password link (`send_set_password_link`)."""
    user = User(username=username, first_name=first_name, last_name=last_name, email=email)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    OrganizerProfile.objects.create(user=user)
    _apply_role(user, role)
    record_audit(
        actor=by,
        action=ROLE_CHANGED,
        target=f"account {user.username}",
        message=f"{display_name(by)} created the account {user.username} as {role.label.lower()}.",
        details={"from": None, "to": role.value, "created": True},
    )
    return user


@transaction.atomic
def update_account(
    *,
    user: AbstractBaseUser,
    first_name: str,
    last_name: str,
    email: str,
    is_active: bool,
    role: Role,
    by: AbstractBaseUser,
) -> AbstractBaseUser:
    """Change an account's name, email, active flag and role in one transaction. A change of
    role or active flag is audited as ROLE_CHANGED (it changes what the account may do).
    Which regions an organizer manages is kept by the app that owns events."""
    user = User.objects.select_for_update().get(pk=user.pk)
    old_role = role_of(user)
    OrganizerProfile.objects.get_or_create(user=user)
    was_active = user.is_active

    user.first_name, user.last_name, user.email, user.is_active = (
        first_name,
        last_name,
        email,
        is_active,
    )
    user.save(update_fields=["first_name", "last_name", "email", "is_active"])
    if role != old_role:
        _apply_role(user, role)

    changes = {}
    if role != old_role:
        changes["from"], changes["to"] = old_role.value, role.value
    if was_active != is_active:
        changes["active"] = is_active
    if changes:
        record_audit(
            actor=by,
            action=ROLE_CHANGED,
            target=f"account {user.username}",
            message=f"{display_name(by)} changed the account {user.username}: "
            + "; ".join(_change_words(changes))
            + ".",
            details=changes,
        )
    return user


def set_password_path(*, user: AbstractBaseUser) -> str:
    """The path of a one-time link that lets ``user`` choose a password. It stops working
    once the password changes or the user logs in (Django's password-reset token)."""
    return reverse(
        "accounts:password_set",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )


def send_set_password_link(*, user: AbstractBaseUser, base_url: str) -> None:
    """Email ``user`` a link to set their password (``base_url`` is e.g.
    ``https://rounds.example.org``). Nothing in the database changes."""
    url = base_url.rstrip("/") + set_password_path(user=user)
    context = {"user": user, "url": url}
    send_mail(
        subject="Your Rounds account",
        message=render_to_string("accounts/email/set_password.txt", context),
        from_email=None,
        recipient_list=[user.email],
    )
