"""The request a signed-in view sees, for type annotations.

django-stubs types `request.user` as "a user or AnonymousUser" and knows nothing of what
our middleware adds. Views behind `login_required` annotate `request: AuthenticatedRequest`
instead of `HttpRequest`; nothing ever instantiates this class.
"""

from django.contrib.auth.models import User
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class AuthenticatedRequest(HttpRequest):
    user: User
    htmx: HtmxDetails  # django_htmx's HtmxMiddleware
    shop_permissions: frozenset[str]  # shops.access.shop_for_user, before the view reads it
