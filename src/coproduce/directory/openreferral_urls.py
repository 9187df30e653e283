from django.urls import URLPattern, URLResolver

app_name = "openreferral"
urlpatterns: list[URLPattern | URLResolver] = []
