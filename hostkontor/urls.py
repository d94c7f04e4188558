from django.urls import include, path

urlpatterns = [
    path("", include("hostkontor.core.urls")),
    path("accounts/", include("hostkontor.accounts.urls")),
    path("customers/", include("hostkontor.customers.urls")),
    path("contracts/", include("hostkontor.contracts.urls")),
    path("billing/", include("hostkontor.billing.urls")),
    path("domains/", include("hostkontor.domains.urls")),
    path("usage/", include("hostkontor.usage.urls")),
    path("vault/", include("hostkontor.vault.urls")),
    path("checks/", include("hostkontor.checks.urls")),
]
