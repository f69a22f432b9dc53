from django.urls import path

from . import views

app_name = "clinicians"

urlpatterns = [
    path("", views.ClinicianListView.as_view(), name="list"),
    path("new/", views.ClinicianCreateView.as_view(), name="create"),
    path("<int:pk>/edit/", views.ClinicianUpdateView.as_view(), name="update"),
    path("<int:pk>/retire/", views.ClinicianRetireView.as_view(), name="retire"),
    path("<int:pk>/reactivate/", views.ClinicianReactivateView.as_view(), name="reactivate"),
    path("import/", views.RosterImportView.as_view(), name="import"),
    path("import/template.csv", views.RosterTemplateView.as_view(), name="import_template"),
    path("import/<slug:token>/", views.RosterPreviewView.as_view(), name="import_preview"),
    path("import/<slug:token>/confirm/", views.RosterConfirmView.as_view(), name="import_confirm"),
    path("import/<slug:token>/cancel/", views.RosterCancelView.as_view(), name="import_cancel"),
    path("specialties/", views.SpecialtyListView.as_view(), name="specialty_list"),
    path("specialties/new/", views.SpecialtyCreateView.as_view(), name="specialty_create"),
    path("specialties/<int:pk>/", views.SpecialtyDetailView.as_view(), name="specialty_detail"),
    path(
        "specialties/<int:pk>/edit/", views.SpecialtyUpdateView.as_view(), name="specialty_update"
    ),
    path("specialties/<int:pk>/merge/", views.SpecialtyMergeView.as_view(), name="specialty_merge"),
    path(
        "specialties/<int:pk>/merge-into/",
        views.SpecialtyMergeIntoView.as_view(),
        name="specialty_merge_into",
    ),
    path(
        "specialties/<int:pk>/retire/", views.SpecialtyRetireView.as_view(), name="specialty_retire"
    ),
    path(
        "specialties/<int:pk>/reactivate/",
        views.SpecialtyReactivateView.as_view(),
        name="specialty_reactivate",
    ),
    path(
        "specialties/<int:pk>/delete/", views.SpecialtyDeleteView.as_view(), name="specialty_delete"
    ),
]
