from django.urls import path

from . import views

app_name = "billing"
urlpatterns = [
    path("runs/", views.run_list, name="run_list"),
    path("runs/<int:pk>/", views.run_detail, name="run_detail"),
    path("invoices/", views.invoice_list, name="invoice_list"),
    path("invoices/<int:pk>/", views.invoice_detail, name="invoice_detail"),
    path("invoices/<int:pk>/pdf/", views.invoice_pdf, name="invoice_pdf"),
    path("invoices/<int:pk>/issue/", views.invoice_issue_view, name="invoice_issue"),
    path("invoices/<int:pk>/send/", views.invoice_send_view, name="invoice_send"),
    path("invoices/<int:pk>/paid/", views.invoice_paid_view, name="invoice_paid"),
    path("invoices/<int:pk>/cancel/", views.invoice_cancel_view, name="invoice_cancel"),
    path("invoices/<int:pk>/delete/", views.invoice_delete_view, name="invoice_delete"),
    path("settings/", views.seller, name="seller"),
]
