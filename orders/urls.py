from django.urls import path

from orders import views, views_products

app_name = "orders"

urlpatterns = [
    path("", views.order_list, name="order-list"),
    path("<int:pk>/", views.order_detail, name="order-detail"),
    path("<int:pk>/credit-rows/", views.order_credit_row_add, name="credit-row-add"),
    path("<int:pk>/parameters/", views.order_parameter_set, name="parameter-set"),
    path("<int:pk>/row-price/", views.order_row_price_set, name="row-price-set"),
    path("products/", views_products.product_list, name="product-list"),
    path("products/add/", views_products.product_add, name="product-add"),
    path("products/fill/", views_products.product_fill, name="product-fill"),
    path(
        "products/vat-category/",
        views_products.product_vat_tariff_set,
        name="product-vat-tariff-set",
    ),
    path("products/<int:pk>/", views_products.product_edit, name="product-edit"),
]
