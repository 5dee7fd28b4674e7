"""No escalation through roles, invitations instead of adding people unasked, and the
permission to create shops."""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from core.errors import ShopCtrlError
from shops.models import Invitation, InvitationStatus, Membership, Role, Shop
from shops.people import invitation_accept, invitation_create
from shops.permissions import SHOP_OWNER_ADMIN, Perm
from shops.services import membership_remove, membership_set_roles, role_delete, role_save
from tests.support.factories import UserFactory, add_member
from tests.support.web import web_client_for


@pytest.fixture
def people_manager(shop, admin_user):
    """A member holding only "Manage members and roles" (and seeing the shop)."""
    role = role_save(
        actor=admin_user,
        role=Role(shop=shop),
        name="People",
        permissions=[Perm.SHOP_VIEW, Perm.MEMBERS_MANAGE],
    )
    user = UserFactory(username="hr")
    add_member(shop, user, "People")
    assert role.pk
    return user


def roles(shop, *names):
    return list(Role.objects.filter(shop=shop, name__in=names))


def owner_membership(shop, admin_user):
    return Membership.objects.get(shop=shop, user=admin_user)


def test_a_member_manager_cannot_make_themselves_owner(people_manager, shop):
    mine = Membership.objects.get(shop=shop, user=people_manager)
    with pytest.raises(ShopCtrlError, match="do not hold"):
        membership_set_roles(
            actor=people_manager, membership=mine, roles=roles(shop, "People", SHOP_OWNER_ADMIN)
        )
    with pytest.raises(ShopCtrlError, match="do not hold"):
        membership_set_roles(actor=people_manager, membership=mine, roles=roles(shop, "Commerce"))
    assert [r.name for r in mine.roles.all()] == ["People"]


def test_a_member_manager_cannot_remove_or_demote_the_owner(people_manager, shop, admin_user):
    owner = owner_membership(shop, admin_user)
    add_member(shop, UserFactory(username="deputy"), SHOP_OWNER_ADMIN)  # not the last owner
    with pytest.raises(ShopCtrlError, match="holds permissions you do not"):
        membership_remove(actor=people_manager, membership=owner)
    with pytest.raises(ShopCtrlError, match="holds permissions you do not"):
        membership_set_roles(actor=people_manager, membership=owner, roles=roles(shop, "People"))
    assert owner.roles.get().name == SHOP_OWNER_ADMIN


def test_escalation_through_the_members_page_is_refused(people_manager, shop, admin_user):
    client = web_client_for(people_manager)
    mine = Membership.objects.get(shop=shop, user=people_manager)
    owner_role = Role.objects.get(shop=shop, name=SHOP_OWNER_ADMIN)

    response = client.post(
        reverse("shops:member-edit", args=[shop.pk, mine.pk]), {"roles": [owner_role.pk]}
    )
    assert response.status_code == 400
    assert "cannot grant permissions you do not hold" in response.content.decode()
    owner = owner_membership(shop, admin_user)
    client.post(reverse("shops:member-remove", args=[shop.pk, owner.pk]))
    assert Membership.objects.filter(pk=owner.pk).exists()


def test_roles_cannot_be_given_permissions_the_editor_lacks(people_manager, shop):
    people = Role.objects.get(shop=shop, name="People")
    with pytest.raises(ShopCtrlError, match="do not hold"):
        role_save(
            actor=people_manager,
            role=people,
            name="People",
            permissions=[Perm.SHOP_VIEW, Perm.MEMBERS_MANAGE, Perm.SYNC_CONFIGURE],
        )
    with pytest.raises(ShopCtrlError, match="do not hold"):
        role_save(
            actor=people_manager,
            role=Role(shop=shop),
            name="Shadow admin",
            permissions=list(Perm.values),
        )
    commerce = Role.objects.get(shop=shop, name="Commerce")
    with pytest.raises(ShopCtrlError, match="do not hold"):  # a role above them
        role_save(actor=people_manager, role=commerce, name="Commerce", permissions=[])
    with pytest.raises(ShopCtrlError, match="do not hold"):
        role_delete(actor=people_manager, role=commerce)
    # Within their own permissions they can work.
    role = role_save(
        actor=people_manager, role=Role(shop=shop), name="Lookers", permissions=[Perm.SHOP_VIEW]
    )
    assert role.permissions == [Perm.SHOP_VIEW]


def test_only_an_owner_makes_an_owner(shop, admin_user):
    everything = role_save(
        actor=admin_user, role=Role(shop=shop), name="All but owner", permissions=list(Perm.values)
    )
    almighty = UserFactory(username="almighty")
    add_member(shop, almighty, everything.name)
    newcomer = UserFactory(username="newbie")
    target = add_member(shop, newcomer, "Viewer")

    with pytest.raises(ShopCtrlError, match="Only a Shop Owner Admin"):
        membership_set_roles(actor=almighty, membership=target, roles=roles(shop, SHOP_OWNER_ADMIN))
    membership_set_roles(actor=admin_user, membership=target, roles=roles(shop, SHOP_OWNER_ADMIN))


def test_the_last_owner_cannot_leave_or_step_down(shop, admin_user, admin_client):
    owner = owner_membership(shop, admin_user)
    with pytest.raises(ShopCtrlError, match="at least one Shop Owner Admin"):
        membership_remove(actor=admin_user, membership=owner)
    with pytest.raises(ShopCtrlError, match="at least one Shop Owner Admin"):
        membership_set_roles(actor=admin_user, membership=owner, roles=roles(shop, "Viewer"))
    admin_client.post(reverse("shops:member-remove", args=[shop.pk, owner.pk]))
    assert owner.roles.get().name == SHOP_OWNER_ADMIN
    # An inactive second owner does not count as one.
    deputy = UserFactory(username="deputy", is_active=False)
    add_member(shop, deputy, SHOP_OWNER_ADMIN)
    with pytest.raises(ShopCtrlError, match="at least one Shop Owner Admin"):
        membership_remove(actor=admin_user, membership=owner)


def test_inviting_reveals_nothing_about_which_names_exist(admin_client, shop, db):
    UserFactory(username="realperson")
    url = reverse("shops:member-list", args=[shop.pk])
    viewer = Role.objects.get(shop=shop, name="Viewer")

    answers = [
        admin_client.post(url, {"username": name, "roles": [viewer.pk]}, follow=True)
        for name in ("realperson", "ghost-person")
    ]

    pages = [a.content.decode() for a in answers]
    messages = [str(m) for a in answers for m in a.context["messages"]]
    assert messages == [m.replace("ghost-person", "realperson") for m in messages] or messages[
        0
    ] == messages[1].replace("ghost-person", "realperson")
    assert all("pending-invitation" in p for p in pages)
    assert set(Invitation.objects.values_list("username", flat=True)) == {
        "realperson",
        "ghost-person",
    }
    assert not Membership.objects.filter(shop=shop, user__username="realperson").exists()


def test_the_invited_user_sees_the_invitation_after_sign_in_and_accepts(shop, admin_user):
    invitee = UserFactory(username="Realperson")
    invitation_create(
        actor=admin_user, shop=shop, username="realperson", roles=roles(shop, "Commerce")
    )
    client = Client()
    response = client.post(
        reverse("login"), {"username": "Realperson", "password": "pw-Secret-123"}
    )
    home = client.get(response.url)
    assert home.status_code == 302 and home.url == reverse("accounts:invitation-list")
    page = client.get(home.url)
    assert shop.name in page.content.decode()
    invitation = page.context["invitations"].get()

    accepted = client.post(reverse("accounts:invitation-accept", args=[invitation.pk]))

    assert accepted.url == reverse("orders:order-list", args=[shop.pk])
    membership = Membership.objects.get(shop=shop, user=invitee)
    assert [r.name for r in membership.roles.all()] == ["Commerce"]
    assert client.get(accepted.url).status_code == 200
    again = client.post(reverse("accounts:invitation-accept", args=[invitation.pk]))
    assert again.status_code == 404  # no longer open
    assert Membership.objects.filter(shop=shop, user=invitee).count() == 1


def test_declining_leaves_the_user_out(shop, admin_user):
    invitee = UserFactory(username="maybe")
    invitation = invitation_create(
        actor=admin_user, shop=shop, username="maybe", roles=roles(shop, "Viewer")
    )
    client = web_client_for(invitee)

    client.post(reverse("accounts:invitation-decline", args=[invitation.pk]))

    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.DECLINED
    assert not Membership.objects.filter(shop=shop, user=invitee).exists()
    assert client.get(reverse("home")).url != reverse("accounts:invitation-list")


def test_only_the_addressee_can_accept(shop, admin_user):
    invitation = invitation_create(
        actor=admin_user, shop=shop, username="intended", roles=roles(shop, "Viewer")
    )
    intruder = UserFactory(username="intruder")
    response = web_client_for(intruder).post(
        reverse("accounts:invitation-accept", args=[invitation.pk])
    )
    assert response.status_code == 404
    with pytest.raises(ShopCtrlError, match="no longer open"):
        invitation_accept(user=intruder, invitation=invitation)
    assert not Membership.objects.filter(shop=shop, user=intruder).exists()


def test_invitations_offer_only_roles_within_the_inviters_permissions(people_manager, shop):
    with pytest.raises(ShopCtrlError, match="do not hold"):
        invitation_create(
            actor=people_manager, shop=shop, username="friend", roles=roles(shop, "Commerce")
        )
    with pytest.raises(ShopCtrlError):
        invitation_create(
            actor=people_manager, shop=shop, username="friend", roles=roles(shop, SHOP_OWNER_ADMIN)
        )
    assert not Invitation.objects.exists()


def test_a_revoked_invitation_cannot_be_accepted(shop, admin_user, admin_client):
    invitee = UserFactory(username="late")
    invitation = invitation_create(
        actor=admin_user, shop=shop, username="late", roles=roles(shop, "Viewer")
    )
    admin_client.post(reverse("shops:invitation-revoke", args=[shop.pk, invitation.pk]))
    with pytest.raises(ShopCtrlError, match="no longer open"):
        invitation_accept(user=invitee, invitation=invitation)


def test_creating_shops_needs_its_own_permission(viewer_user, viewer_client, db):
    url = reverse("shops:shop-list")
    data = {"name": "Viewer's shop", "currency": "EUR", "country": "DE"}
    assert "New shop" not in viewer_client.get(url).content.decode()
    assert viewer_client.post(url, data).status_code == 403
    assert not Shop.objects.filter(name="Viewer's shop").exists()

    viewer_user.user_permissions.add(Permission.objects.get(codename="add_shop"))
    client = web_client_for(viewer_user)
    assert "New shop" in client.get(url).content.decode()
    assert client.post(url, data).status_code == 302
    assert Shop.objects.filter(name="Viewer's shop").exists()


def test_the_demo_admin_may_create_shops(db):
    from django.core.management import call_command

    call_command("demo", orders=0)
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    assert users.get(username="admin").has_perm("shops.add_shop")
    assert not users.get(username="viewer").has_perm("shops.add_shop")
