from django.urls import path

from . import views

app_name = "customers"
urlpatterns = [
    path("", views.customer_list, name="list"),
    path("new/", views.customer_create, name="create"),
    path("<int:pk>/", views.customer_detail, name="detail"),
    path("<int:pk>/edit/", views.customer_edit, name="edit"),
    path("<int:pk>/contacts/new/", views.contact_create, name="contact_create"),
    path("<int:pk>/contacts/<int:contact_pk>/", views.contact_edit, name="contact_edit"),
    path("<int:pk>/contacts/<int:contact_pk>/delete/", views.contact_delete, name="contact_delete"),
]
