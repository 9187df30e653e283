from django.apps import AppConfig


class CoordinationConfig(AppConfig):
    name = "coproduce.coordination"
    label = "coordination"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Coordination"

    def ready(self) -> None:
        from coproduce.coordination import notices  # noqa: F401  (registers its events)
