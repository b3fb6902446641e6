"""Attune's URLs unchanged, plus `bench/floor`, the baseline the API is measured against."""

from django.urls import path

from attune.urls import urlpatterns as attune_urlpatterns
from bench.views import floor

urlpatterns = [
    *attune_urlpatterns,
    path("bench/floor", floor, name="bench-floor"),
]
