from django.urls import path

from sources import views

app_name = "sources"

urlpatterns = [
    path("archive/<int:pk>/", views.snapshot_text, name="snapshot_text"),
    path("archive/<int:pk>/changes/", views.snapshot_changes, name="snapshot_changes"),
]
