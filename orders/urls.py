from django.urls import path

from orders import views

app_name = "orders"

urlpatterns = [
    path("", views.order_list, name="order-list"),
    path("<int:pk>/", views.order_detail, name="order-detail"),
    path("<int:pk>/credit-rows/", views.order_credit_row_add, name="credit-row-add"),
    path("<int:pk>/parameters/", views.order_parameter_set, name="parameter-set"),
]
