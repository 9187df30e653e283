from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "coproduce.directory"
    label = "directory"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The events this app raises, so the email choices page lists them.
        from coproduce.directory import notices  # noqa: F401
