from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "hostkontor.demo"
    verbose_name = "Demo data"
