"""Invitations to a shop and the shop's sign-in policy.

Adding a member is an invitation the user accepts after signing in: inviting a name reveals
nothing about whether an account of that name exists (the answer and the pending list look
the same either way), and nobody becomes a member unasked. The inviter can only offer roles
within their own permissions (`shops.services.refuse_escalation`).
"""

from datetime import timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from core.errors import ShopCtrlError
from shops.audit import audit_record
from shops.models import (
    Invitation,
    InvitationStatus,
    Membership,
    Role,
    SecurityEventKind,
    Shop,
)
from shops.security_log import security_event_record
from shops.services import refuse_escalation

INVITATION_DAYS = 14


def _role_names(roles) -> list[str]:
    return sorted(role.name for role in roles)


@transaction.atomic
def invitation_create(*, actor: User, shop: Shop, username: str, roles: list[Role]) -> Invitation:
    """Invite the user named `username` with `roles`, valid for 14 days.

    The same for names with and without an account. Refused for a current member (whom the
    member list shows anyway) and while an open invitation for the name is pending.
    """
    name = username.strip().lower()
    if not name:
        raise ShopCtrlError("Enter the person's user name.", field="username")
    if not roles:
        raise ShopCtrlError("Choose at least one role.", field="roles")
    refuse_escalation(actor=actor, shop=shop, granted=roles)
    if Membership.objects.filter(shop=shop, user__username__iexact=name).exists():
        raise ShopCtrlError(f"{name} is already a member of this shop.", field="username")
    now = timezone.now()
    # An expired invitation no longer blocks a new one.
    Invitation.objects.filter(
        shop=shop, username=name, status=InvitationStatus.PENDING, expires_at__lte=now
    ).update(status=InvitationStatus.REVOKED, responded_at=now)
    if Invitation.objects.filter(
        shop=shop, username=name, status=InvitationStatus.PENDING
    ).exists():
        raise ShopCtrlError(
            f"{name} already has a pending invitation; revoke it to offer other roles.",
            field="username",
        )
    invitation = Invitation.objects.create(
        shop=shop, username=name, invited_by=actor, expires_at=now + timedelta(days=INVITATION_DAYS)
    )
    invitation.roles.set(roles)
    audit_record(
        actor=actor,
        shop=shop,
        action="invitation.create",
        target=invitation,
        changes={"username": [None, name], "roles": [None, _role_names(roles)]},
    )
    security_event_record(
        kind=SecurityEventKind.ROLE_CHANGE,
        username=name,
        actor=actor,
        shop=shop,
        detail=f"invited with roles {', '.join(_role_names(roles))}",
    )
    return invitation


@transaction.atomic
def invitation_revoke(*, actor: User, invitation: Invitation) -> None:
    """Withdraw a pending invitation. Compare-and-set: twice records it once."""
    if Invitation.objects.filter(pk=invitation.pk, status=InvitationStatus.PENDING).update(
        status=InvitationStatus.REVOKED, responded_at=timezone.now()
    ):
        audit_record(
            actor=actor,
            shop=invitation.shop,
            action="invitation.revoke",
            target=invitation,
            changes={"status": [InvitationStatus.PENDING, InvitationStatus.REVOKED]},
        )


def invitations_open_for(user: User) -> QuerySet[Invitation]:
    """The user's pending, unexpired invitations, newest first."""
    return (
        Invitation.objects.filter(
            username=user.get_username().lower(),
            status=InvitationStatus.PENDING,
            expires_at__gt=timezone.now(),
        )
        .select_related("shop", "invited_by")
        .prefetch_related("roles")
    )


def _respond(user: User, invitation: Invitation, status: InvitationStatus) -> bool:
    """Compare-and-set the invitation from pending to `status`, for its addressee only."""
    return bool(
        Invitation.objects.filter(
            pk=invitation.pk,
            username=user.get_username().lower(),
            status=InvitationStatus.PENDING,
            expires_at__gt=timezone.now(),
        ).update(status=status, responded_at=timezone.now())
    )


@transaction.atomic
def invitation_accept(*, user: User, invitation: Invitation) -> Membership:
    """Join the shop with the invitation's roles. Accepting twice joins once."""
    if Membership.objects.filter(shop=invitation.shop, user=user).exists():
        raise ShopCtrlError(f"You are already a member of {invitation.shop.name}.")
    if not _respond(user, invitation, InvitationStatus.ACCEPTED):
        raise ShopCtrlError("This invitation is no longer open.")
    roles = list(invitation.roles.all())
    membership = Membership.objects.create(shop=invitation.shop, user=user)
    membership.roles.set(roles)
    audit_record(
        actor=user,
        shop=invitation.shop,
        action="membership.create",
        target=membership,
        changes={"roles": [None, _role_names(roles)], "invitation": [None, invitation.pk]},
    )
    security_event_record(
        kind=SecurityEventKind.ROLE_CHANGE,
        user=user,
        actor=user,
        shop=invitation.shop,
        detail=f"accepted the invitation: roles {', '.join(_role_names(roles))}",
    )
    return membership


@transaction.atomic
def invitation_decline(*, user: User, invitation: Invitation) -> None:
    """Turn the invitation down; nothing else changes."""
    if not _respond(user, invitation, InvitationStatus.DECLINED):
        raise ShopCtrlError("This invitation is no longer open.")
    audit_record(
        actor=user,
        shop=invitation.shop,
        action="invitation.decline",
        target=invitation,
        changes={"status": [InvitationStatus.PENDING, InvitationStatus.DECLINED]},
    )


@transaction.atomic
def shop_set_require_mfa(*, actor: User, shop: Shop, required: bool) -> Shop:
    """Turn the shop's "members must use two-factor sign-in" rule on or off.

    Turning it on needs the actor to have two-factor sign-in set up, so nobody locks
    themselves out of the page they are on.
    """
    from django_otp import user_has_device

    if required == Shop.objects.get(pk=shop.pk).require_mfa:
        return shop
    if required and not user_has_device(actor):
        raise ShopCtrlError(
            "Set up two-factor sign-in for your own account first (Account).", field="require_mfa"
        )
    shop.require_mfa = required
    shop.save(update_fields=["require_mfa"])
    audit_record(
        actor=actor,
        shop=shop,
        action="shop.require_mfa",
        target=shop,
        changes={"require_mfa": [not required, required]},
    )
    security_event_record(
        kind=SecurityEventKind.POLICY_CHANGE,
        user=actor,
        actor=actor,
        shop=shop,
        detail=f"two-factor sign-in {'required' if required else 'no longer required'}",
    )
    return shop
