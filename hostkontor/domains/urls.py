from django.urls import path

from . import import_views, views

app_name = "domains"
urlpatterns = [
    path("", views.domain_list, name="list"),
    path("new/<int:customer_pk>/", views.domain_create, name="create"),
    path("customer/<int:pk>/", views.customer_domains, name="customer"),
    path("<int:pk>/", views.domain_detail, name="detail"),
    path("<int:pk>/edit/", views.domain_edit, name="edit"),
    path("<int:pk>/move/", views.domain_move, name="move"),
    path("<int:pk>/contract/", views.domain_contract_create, name="contract_create"),
    path("prices/", views.price_list, name="prices"),
    path("prices/<int:pk>/edit/", views.price_edit, name="price_edit"),
    path("prices/<int:pk>/delete/", views.price_delete, name="price_delete"),
    path("imports/", import_views.import_list, name="imports"),
    path("imports/uploads/<int:pk>/", import_views.upload_detail, name="upload_detail"),
    path("imports/<int:pk>/", import_views.import_detail, name="import_detail"),
    path("imports/<int:pk>/action/", import_views.import_action, name="import_action"),
    path("imports/<int:pk>/file/", import_views.import_file, name="import_file"),
    path("imports/<int:pk>/json/", import_views.import_json, name="import_json"),
    path("mappings/", views.mapping_list, name="mappings"),
    path("mappings/new/", views.mapping_create, name="mapping_create"),
    path("mappings/upload/", views.mapping_upload, name="mapping_upload"),
    path("mappings/<int:pk>/edit/", views.mapping_edit, name="mapping_edit"),
    path("mappings/<int:pk>/export/", views.mapping_export, name="mapping_export"),
    path("mappings/<int:pk>/delete/", views.mapping_delete, name="mapping_delete"),
    path("registrars/", views.registrar_list, name="registrars"),
    path("registrars/<int:pk>/edit/", views.registrar_edit, name="registrar_edit"),
]
