from django.urls import include, path

urlpatterns = [
    path("", include("hostkontor.core.urls")),
    path("accounts/", include("hostkontor.accounts.urls")),
    path("customers/", include("hostkontor.customers.urls")),
]
