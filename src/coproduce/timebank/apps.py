from django.apps import AppConfig


class TimebankConfig(AppConfig):
    name = "coproduce.timebank"
    label = "timebank"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from coproduce.people.activation import on_membership_activated
        from coproduce.people.figures import on_member_figures
        from coproduce.timebank import notices  # noqa: F401  (the events it raises)
        from coproduce.timebank.ledger import member_accounts_open
        from coproduce.timebank.navigation import member_figures

        # Every active membership has its hours account from the moment it is active.
        on_membership_activated(member_accounts_open)
        # Coordinators see each member's balance on the people pages.
        on_member_figures(member_figures)
