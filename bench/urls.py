"""Attune's URLs unchanged, plus the floors (bench/views.py) the API is measured against."""

from django.urls import path

from attune.urls import urlpatterns as attune_urlpatterns
from bench.views import floor_detail, floor_list

urlpatterns = [
    *attune_urlpatterns,
    path("bench/floor", floor_list, name="bench-floor"),
    path("bench/floor/<str:ref>", floor_detail, name="bench-floor-detail"),
]
