from django.urls import URLPattern, URLResolver

app_name = "timebank"
urlpatterns: list[URLPattern | URLResolver] = []
