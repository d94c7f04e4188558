from django.urls import path

from . import views

app_name = "usage"
urlpatterns = [
    path("", views.import_list, name="index"),
    path("uploads/<int:pk>/", views.upload_detail, name="upload_detail"),
    path("customer/<int:pk>/", views.customer_usage, name="customer"),
    path("components/<int:pk>/confirm/", views.hold_confirm, name="hold_confirm"),
    path("components/<int:pk>/edit/", views.component_edit, name="component_edit"),
    path(
        "contract/<int:contract_pk>/components/new/", views.component_edit, name="component_create"
    ),
    path("subjects/", views.subject_list, name="subjects"),
    path("subjects/<int:pk>/edit/", views.subject_edit, name="subject_edit"),
    path("subjects/<int:pk>/delete/", views.subject_delete, name="subject_delete"),
    path("formats/", views.mapping_list, name="mappings"),
    path("formats/new/", views.mapping_edit, name="mapping_create"),
    path("formats/<int:pk>/", views.mapping_edit, name="mapping_edit"),
    path("formats/<int:pk>/export/", views.mapping_export, name="mapping_export"),
    path("formats/<int:pk>/delete/", views.mapping_delete, name="mapping_delete"),
]
