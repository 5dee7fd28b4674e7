from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("", views.account, name="account"),
    path("verify/", views.verify, name="verify"),
    path("two-factor/setup/", views.mfa_setup, name="mfa-setup"),
    path("two-factor/setup/qr.svg", views.mfa_qr, name="mfa-qr"),
    path("two-factor/recovery-codes/", views.recovery_codes, name="recovery-codes"),
    path("two-factor/remove/", views.mfa_remove, name="mfa-remove"),
    path("password/", views.PasswordChange.as_view(), name="password-change"),
    path("invitations/", views.invitation_list, name="invitation-list"),
    path("invitations/<int:pk>/accept/", views.invitation_accept, name="invitation-accept"),
    path("invitations/<int:pk>/decline/", views.invitation_decline, name="invitation-decline"),
]
