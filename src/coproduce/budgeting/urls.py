from django.urls import URLPattern, URLResolver, path

from coproduce.budgeting import views

app_name = "budgeting"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.round_list, name="round_list"),
    path(
        "organisations/<int:organisation_id>/rounds/new/",
        views.round_create,
        name="round_create",
    ),
    path(
        "organisations/<int:organisation_id>/rounds/import/",
        views.round_import,
        name="round_import",
    ),
    path("rounds/<int:round_id>/", views.round_detail, name="round_detail"),
    path("rounds/<int:round_id>/budgets/new/", views.budget_create, name="budget_create"),
    path("rounds/<int:round_id>/advance/", views.round_advance, name="round_advance"),
    path("budgets/<int:budget_id>/propose/", views.proposal_create, name="proposal_create"),
    path("budgets/<int:budget_id>/vote/", views.vote, name="vote"),
    path("budgets/<int:budget_id>/paper/", views.paper_ballot, name="paper_ballot"),
    path("budgets/<int:budget_id>/codes/", views.codes, name="codes"),
    path("budgets/<int:budget_id>/vote-with-code/", views.code_vote, name="code_vote"),
    path("budgets/<int:budget_id>/results/", views.results, name="results"),
    path("budgets/<int:budget_id>/export.pb", views.export, name="export"),
    path("budgets/<int:budget_id>/delivery/", views.delivery, name="delivery"),
    path("proposals/<int:proposal_id>/review/", views.proposal_review, name="proposal_review"),
    path("proposals/<int:proposal_id>/delivery/", views.delivery_update, name="delivery_update"),
    path("organisations/<int:organisation_id>/dividends/", views.dividends, name="dividends"),
    path(
        "organisations/<int:organisation_id>/dividends/new/",
        views.policy_create,
        name="policy_create",
    ),
    path("policies/<int:policy_id>/savings/new/", views.savings_create, name="savings_create"),
    path("dividends/<int:dividend_id>/approve/", views.dividend_approve, name="dividend_approve"),
]
