"""Coordination pages: caseloads (the coordination home page)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, URLResolver, path


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "coordination/home.html", {})


urlpatterns: list[URLPattern | URLResolver] = [path("", home, name="home")]
