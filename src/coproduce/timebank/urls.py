from django.urls import URLPattern, URLResolver, path

from coproduce.timebank import views

app_name = "timebank"
urlpatterns: list[URLPattern | URLResolver] = [
    path("<int:organisation_id>/", views.dashboard, name="dashboard"),
    path("<int:organisation_id>/statement.csv", views.statement, name="statement"),
    path("<int:organisation_id>/listings/", views.listing_browse, name="listing_browse"),
    path("<int:organisation_id>/listings/new/", views.listing_create, name="listing_create"),
    path("<int:organisation_id>/rewards/", views.rewards, name="rewards"),
    path("<int:organisation_id>/queue/", views.queue, name="queue"),
    path("<int:organisation_id>/record/", views.record_transfer, name="record_transfer"),
    path(
        "<int:organisation_id>/exchanges/arrange/",
        views.exchange_arrange,
        name="exchange_arrange",
    ),
    path("<int:organisation_id>/record/group/", views.record_group, name="record_group"),
    path("<int:organisation_id>/record/agency/", views.record_agency, name="record_agency"),
    path("<int:organisation_id>/transfers/", views.transfer_list, name="transfer_list"),
    path("<int:organisation_id>/limits/", views.limits, name="limits"),
    path("<int:organisation_id>/statistics/", views.statistics, name="statistics"),
    path("<int:organisation_id>/agreements/", views.agreements, name="agreements"),
    path("partners/<int:organisation_id>/", views.partner_desk, name="partner_desk"),
    path("listings/<int:pk>/", views.listing_detail, name="listing_detail"),
    path("listings/<int:pk>/edit/", views.listing_edit, name="listing_edit"),
    path("listings/<int:pk>/propose/", views.exchange_propose, name="exchange_propose"),
    path("exchanges/<int:pk>/", views.exchange_detail, name="exchange_detail"),
    path("exchanges/<int:pk>/resolve/", views.exchange_resolve, name="exchange_resolve"),
    path("exchanges/<int:pk>/<slug:action>/", views.exchange_action, name="exchange_action"),
    path("transfers/<int:pk>/reverse/", views.transfer_reverse, name="transfer_reverse"),
]
