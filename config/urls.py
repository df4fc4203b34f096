from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Claimwatch editors"
admin.site.site_title = "Claimwatch"
admin.site.index_title = "Claims, sources and verdicts"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("claims.urls")),
]
