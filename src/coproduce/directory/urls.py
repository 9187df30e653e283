from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "directory"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.asset_list, name="asset_list"),
    path("export.json", views.export, name="export"),
    path("assets/<uuid:pk>/", views.asset_detail, name="asset_detail"),
    path("assets/<uuid:pk>/edit/", views.asset_edit, name="asset_edit"),
    path("assets/<uuid:pk>/check/", views.asset_check, name="asset_check"),
    path("assets/<uuid:pk>/schedules/new/", views.schedule_add, name="schedule_add"),
    path("assets/<uuid:pk>/resources/new/", views.resource_create, name="resource_create"),
    path("schedules/<uuid:pk>/remove/", views.schedule_remove, name="schedule_remove"),
    path("organisations/<slug:slug>/assets/new/", views.asset_create, name="asset_create"),
    path(
        "organisations/<slug:slug>/mapping/",
        views.mapping_session_list,
        name="mapping_session_list",
    ),
    path(
        "organisations/<slug:slug>/mapping/new/",
        views.mapping_session_create,
        name="mapping_session_create",
    ),
    path("organisations/<slug:slug>/duplicates/", views.duplicate_list, name="duplicate_list"),
    path("mapping/<int:pk>/", views.mapping_session_detail, name="mapping_session_detail"),
    path("mapping/<int:pk>/import/", views.mapping_import, name="mapping_import"),
    path("imports/<int:pk>/", views.mapping_import_preview, name="mapping_import_preview"),
    path("merge/<uuid:keep>/<uuid:duplicate>/", views.asset_merge, name="asset_merge"),
    path("stale/", views.stale_list, name="stale_list"),
    path("gifts/", views.gift_list, name="gift_list"),
    path("resources/<int:pk>/", views.resource_detail, name="resource_detail"),
    path("resources/<int:pk>/book/", views.booking_create, name="booking_create"),
    path("bookings/", views.booking_list, name="booking_list"),
    path("bookings/<int:pk>/decide/", views.booking_decide, name="booking_decide"),
    path("bookings/<int:pk>/cancel/", views.booking_cancel, name="booking_cancel"),
]
