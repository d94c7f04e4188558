from django.urls import path

from . import views

app_name = "contracts"
urlpatterns = [
    path("", views.contract_list, name="list"),
    path("types/", views.type_list, name="type_list"),
    path("types/new/", views.type_create, name="type_create"),
    path("types/<int:pk>/edit/", views.type_edit, name="type_edit"),
    path("customer/<int:pk>/", views.customer_overview, name="customer"),
    path("customer/<int:pk>/new/", views.contract_create, name="create"),
    path("customer/<int:pk>/items/", views.customer_items, name="items"),
    path("items/<int:pk>/delete/", views.item_delete, name="item_delete"),
    path("<int:pk>/", views.contract_detail, name="detail"),
    path("<int:pk>/edit/", views.contract_edit, name="edit"),
    path("<int:pk>/end/", views.contract_end, name="end"),
    path("<int:pk>/prices/", views.price_change_add, name="price_change_add"),
    path("<int:pk>/invoices/", views.contract_invoices, name="invoices"),
]
