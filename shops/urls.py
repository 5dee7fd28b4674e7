from django.urls import URLPattern, path

from shops import views
from shops.settings_collections import COLLECTIONS, SettingCollection

app_name = "shops"

urlpatterns = [
    path("", views.shop_list, name="shop-list"),
    path("<int:shop_id>/dashboard/", views.dashboard, name="dashboard"),
    path("<int:shop_id>/settings/", views.settings_general, name="settings-general"),
    path(
        "<int:shop_id>/settings/contact-info/",
        views.settings_contact_info,
        name="settings-contact-info",
    ),
    path("<int:shop_id>/settings/members/", views.member_list, name="member-list"),
    path("<int:shop_id>/settings/members/<int:pk>/", views.member_edit, name="member-edit"),
    path(
        "<int:shop_id>/settings/members/<int:pk>/remove/", views.member_remove, name="member-remove"
    ),
    path(
        "<int:shop_id>/settings/invitations/<int:pk>/revoke/",
        views.invitation_revoke,
        name="invitation-revoke",
    ),
    path("<int:shop_id>/settings/security/", views.security, name="security"),
    path("<int:shop_id>/settings/roles/", views.role_list, name="role-list"),
    path("<int:shop_id>/settings/roles/<int:pk>/", views.role_edit, name="role-edit"),
    path("<int:shop_id>/settings/roles/<int:pk>/delete/", views.role_delete, name="role-delete"),
    path("<int:shop_id>/settings/audit-log/", views.audit_log, name="audit-log"),
    path("<int:shop_id>/alerts/", views.alert_list, name="alert-list"),
    path("<int:shop_id>/alerts/<int:pk>/read/", views.alert_read, name="alert-read"),
    path("<int:shop_id>/alerts/read-all/", views.alert_read_all, name="alert-read-all"),
]


def collection_urls(spec: SettingCollection, root: str = "") -> list[URLPattern]:
    """The list/add, edit and delete routes of a settings collection, under `root`."""
    kwargs = {"spec": spec}
    return [
        path(f"{root}{spec.path}/", views.setting_list, kwargs, name=f"{spec.key}-list"),
        path(f"{root}{spec.path}/<int:pk>/", views.setting_edit, kwargs, name=f"{spec.key}-edit"),
        path(
            f"{root}{spec.path}/<int:pk>/delete/",
            views.setting_delete,
            kwargs,
            name=f"{spec.key}-delete",
        ),
    ]


for _spec in COLLECTIONS.values():
    urlpatterns += collection_urls(_spec, "<int:shop_id>/settings/")
