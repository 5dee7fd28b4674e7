from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from accounts.views import SignIn
from amazon1p.picks.urls import api_urlpatterns
from asn.urls_pack_api import urlpatterns as pack_api_urlpatterns
from ops import views as ops_views
from shops import views as shop_views

admin.site.site_header = "ShopCtrl administration"

urlpatterns = [
    path("", shop_views.home, name="home"),
    path("healthz", shop_views.healthz, name="healthz"),
    path("readyz", ops_views.readyz, name="readyz"),
    path("livez", ops_views.livez, name="livez"),
    path("metrics", ops_views.metrics, name="metrics"),
    path("ops/", include("ops.urls")),
    path("favicon.ico", shop_views.favicon, name="favicon"),
    path("login/", SignIn.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/", include("accounts.urls")),
    path("shops/", include("shops.urls")),
    path("shops/<int:shop_id>/orders/", include("orders.urls")),
    path("shops/<int:shop_id>/amazon-1p/", include("amazon1p.urls")),
    path("shops/<int:shop_id>/offers/", include("bulkbuy.urls")),
    path("shops/<int:shop_id>/shipments/", include("asn.urls")),
    path("shops/<int:shop_id>/cockpit/", include("cockpit.urls")),
    path("shops/<int:shop_id>/receiving/", include("receiving.urls")),
    path("shops/<int:shop_id>/invoices/", include("invoicing.urls")),
    path("api/", include(([*api_urlpatterns, *pack_api_urlpatterns], "api"))),
    # One sign-in page (lockout, second factor) for the admin too.
    path("admin/login/", RedirectView.as_view(pattern_name="login", query_string=True)),
    path("admin/", admin.site.urls),
]
