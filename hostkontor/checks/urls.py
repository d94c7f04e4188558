from django.urls import path

from . import views

app_name = "checks"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("entry/<int:entry_pk>/new/", views.check_create, name="create"),
    path("customer/<int:customer_pk>/run/", views.customer_run, name="customer_run"),
    path(
        "customer/<int:customer_pk>/run/<str:task_id>/",
        views.customer_progress,
        name="customer_progress",
    ),
    path("<int:pk>/", views.check_detail, name="detail"),
    path("<int:pk>/edit/", views.check_edit, name="edit"),
    path("<int:pk>/delete/", views.check_delete, name="delete"),
    path("<int:pk>/run/", views.check_run, name="run"),
    path("<int:pk>/run/<str:task_id>/", views.run_progress, name="run_progress"),
]
