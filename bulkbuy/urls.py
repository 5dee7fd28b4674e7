from django.urls import path

from bulkbuy import views

app_name = "bulkbuy"

urlpatterns = [
    path("", views.offer_list, name="offer-list"),
    path("upload/", views.offer_upload, name="offer-upload"),
    path("<int:pk>/", views.offer_detail, name="offer-detail"),
    path("<int:pk>/file/", views.offer_file, name="offer-file"),
]
