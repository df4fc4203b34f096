from django.urls import path

from claims import views

app_name = "claims"

urlpatterns = [
    path("", views.home, name="home"),
    path("claims/<int:pk>-<slug:slug>/", views.claim_detail, name="claim_detail"),
    path("claimants/<slug:slug>/", views.claimant_detail, name="claimant_detail"),
    path("topics/<slug:slug>/", views.topic_detail, name="topic_detail"),
]
