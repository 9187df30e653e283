from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "coproduce.audit"
    label = "audit"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Co-production audit"

    def ready(self) -> None:
        from coproduce.audit import notices  # noqa: F401  (registers its events)
