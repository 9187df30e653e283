from django.apps import AppConfig


class ImpactConfig(AppConfig):
    name = "coproduce.impact"
    label = "impact"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Impact"
