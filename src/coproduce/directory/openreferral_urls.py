from django.urls import URLPattern, URLResolver, path

from . import openreferral_views as views

app_name = "openreferral"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("services", views.service_list, name="services"),
    path("services/<str:pk>", views.service_detail, name="service_detail"),
    path("service_at_locations", views.service_at_location_list, name="service_at_locations"),
    path(
        "service_at_locations/<str:pk>",
        views.service_at_location_detail,
        name="service_at_location_detail",
    ),
    path("taxonomies", views.taxonomy_list, name="taxonomies"),
    path("taxonomies/<uuid:pk>", views.taxonomy_detail, name="taxonomy_detail"),
    path("taxonomy_terms", views.taxonomy_term_list, name="taxonomy_terms"),
    path("taxonomy_terms/<uuid:pk>", views.taxonomy_term_detail, name="taxonomy_term_detail"),
]
