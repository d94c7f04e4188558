from django.urls import path

from . import views

app_name = "vault"
urlpatterns = [
    path("", views.entry_list, name="list"),
    path("customer/<int:customer_pk>/new/", views.entry_create, name="create"),
    path("customer/<int:customer_pk>/sheet/", views.sheet_create, name="sheet"),
    path("<int:pk>/", views.entry_detail, name="detail"),
    path("<int:pk>/edit/", views.entry_edit, name="edit"),
    path("<int:pk>/delete/", views.entry_delete, name="delete"),
    path("<int:pk>/reveal/", views.entry_reveal, name="reveal"),
    path("<int:pk>/history/<int:history_pk>/reveal/", views.history_reveal, name="history_reveal"),
    path("generate/", views.password_generate, name="generate"),
    path("sheets/bulk/", views.sheet_bulk, name="sheet_bulk"),
    path("sheets/bulk/<int:pk>/", views.sheet_batch, name="sheet_batch"),
    path(
        "sheets/bulk/<int:pk>/passwords/", views.sheet_batch_passwords, name="sheet_batch_passwords"
    ),
    path("audit/", views.vault_audit, name="audit"),
]
