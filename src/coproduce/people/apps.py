from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "coproduce.people"
    label = "people"
    verbose_name = "People and organisations"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The events this app raises, so the email choices page lists them.
        from coproduce.people import notices  # noqa: F401
