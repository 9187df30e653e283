from django.apps import AppConfig


class TimebankConfig(AppConfig):
    name = "coproduce.timebank"
    label = "timebank"
    default_auto_field = "django.db.models.BigAutoField"
