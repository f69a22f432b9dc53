from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models import Count, ProtectedError, Q
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.views import View
from django.views.generic import CreateView, DetailView, FormView, ListView, UpdateView

from accounts.http import safe_next_url

from .forms import (
    ClinicianFilterForm,
    ClinicianForm,
    MergeClinicianForm,
    MergeSpecialtyForm,
    RosterUploadForm,
    SpecialtyForm,
)
from .models import Clinician, Site, Specialty
from .roster import COLUMN_HELP, COLUMNS, MAX_ROWS, RosterPreview, parse_roster, template_csv
from .services import (
    ImportResult,
    delete_catalogue_entry,
    discard_roster_upload,
    import_roster,
    merge_clinicians,
    merge_specialties,
    reactivate_clinician,
    reactivate_specialty,
    read_roster_upload,
    retire_clinician,
    retire_specialty,
    save_clinician,
    save_specialty,
    store_roster_upload,
)

SESSION_UPLOADS = "roster_uploads"
# The clinicians of the last confirmed import, so an event's page can offer to add them.
SESSION_LAST_IMPORT = "roster_last_import"
# Session key: uploads already imported (token -> where the import went back to), so Back
# and Import again explains itself instead of answering a bare 404.
SESSION_IMPORTED = "roster_imported"


class StaleUpload(Exception):
    """The upload named in the URL was imported already, has expired, or is not this
    session's; the message says which, for the organizer."""

    def __init__(self, message: str, *, imported: bool = False, next_url: str | None = None):
        super().__init__(message)
        self.imported = imported
        self.next_url = next_url


# Roster import -----------------------------------------------------------------------------


class RosterImportView(LoginRequiredMixin, PermissionRequiredMixin, FormView):
    """Upload a roster file; a readable one is stored and previewed, nothing written yet."""

    permission_required = "clinicians.add_clinician"
    form_class = RosterUploadForm
    template_name = "clinicians/roster_import.html"
    extra_context = {"columns": [(c, COLUMN_HELP[c]) for c in COLUMNS], "max_rows": MAX_ROWS}

    def get_context_data(self, **kwargs):
        kwargs.setdefault("next_url", safe_next_url(self.request))
        return super().get_context_data(**kwargs)

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        content = upload.read()
        preview = parse_roster(name=upload.name, content=content)
        if preview.file_errors:
            for error in preview.file_errors:
                form.add_error("file", error)
            return self.form_invalid(form)
        extension = "." + upload.name.rsplit(".", 1)[-1].lower()
        token = store_roster_upload(content=content, extension=extension)
        uploads = self.request.session.get(SESSION_UPLOADS, {})
        uploads[token] = {
            "name": upload.name,
            "extension": extension,
            "next": safe_next_url(self.request),
            # An app above may offer to import into its own place in the same step (an event
            # adds the clinicians as attendees): where to post the confirmation for that.
            "then": safe_next_url(self.request, field="then"),
        }
        self.request.session[SESSION_UPLOADS] = uploads
        return redirect("clinicians:import_preview", token=token)


class RosterUploadMixin:
    """Finds the upload named in the URL (or posted as ``token``) among this session's uploads
    (a page that says what to do, with a 404, otherwise)."""

    def get_token(self) -> str:
        return self.kwargs.get("token") or self.request.POST.get("token", "")

    def get_next(self) -> str | None:
        """Where the organizer came from (e.g. an event's attendance), to go back after."""
        upload = self.request.session.get(SESSION_UPLOADS, {}).get(self.get_token(), {})
        return upload.get("next")

    def dispatch(self, request, *args, **kwargs):
        try:
            return super().dispatch(request, *args, **kwargs)
        except StaleUpload as stale:
            # Still a 404 (the upload is not there), but a page that says what to do.
            next_url = stale.next_url
            url = reverse("clinicians:import")
            again = f"{url}?{urlencode({'next': next_url})}" if next_url else url
            context = {
                "message": str(stale),
                "imported": stale.imported,
                "next_url": next_url,
                "import_url": again,
            }
            return TemplateResponse(request, "clinicians/roster_stale.html", context, status=404)

    def get_upload(self) -> tuple[str, str, bytes]:
        token = self.get_token()
        upload = self.request.session.get(SESSION_UPLOADS, {}).get(token)
        if upload is None:
            imported = self.request.session.get(SESSION_IMPORTED, {})
            if token in imported:
                raise StaleUpload(
                    "This upload was already imported: nothing more to do. To import changes, "
                    "upload the file again.",
                    imported=True,
                    next_url=imported[token],
                )
            raise StaleUpload(
                "This upload was already imported or has expired; upload the file again."
            )
        content = read_roster_upload(token=token, extension=upload["extension"])
        if content is None:
            self.forget_upload()
            raise StaleUpload("The upload has expired; upload the file again.")
        return upload["name"], upload["extension"], content

    def confirm_import(self, write: Callable[[RosterPreview, str], ImportResult]) -> HttpResponse:
        """Check the stored upload again and import it with ``write(preview, filename)`` (a
        service that writes all or nothing), then go where the organizer came from. A file
        with errors, or one that changed meanwhile, goes back to its preview with why."""
        request, token = self.request, self.get_token()
        name, _extension, content = self.get_upload()
        preview = parse_roster(name=name, content=content)
        if not preview.is_valid:
            messages.error(request, "The roster has errors; nothing was imported.")
            return redirect("clinicians:import_preview", token=token)
        try:
            result = write(preview, name)
        except IntegrityError:
            # Someone added one of these emails between the check and the write.
            messages.error(request, "The clinicians changed meanwhile; check the file again.")
            return redirect("clinicians:import_preview", token=token)
        except ValidationError as error:
            messages.error(
                request,
                "Nothing was imported: the file changes the role of clinicians published "
                "itineraries depend on. "
                + " ".join(error.messages)
                + " Mark them a no-show on those events' check-in pages and re-plan first.",
            )
            return redirect("clinicians:import_preview", token=token)
        next_url = self.get_next()
        self.forget_upload()
        request.session[SESSION_LAST_IMPORT] = list(result.clinician_ids)
        imported = request.session.get(SESSION_IMPORTED, {})
        imported[token] = next_url
        request.session[SESSION_IMPORTED] = dict(list(imported.items())[-20:])
        messages.success(
            request,
            f"Imported {name}: {result.created} created, {result.updated} updated, "
            f"{result.unchanged} unchanged.",
        )
        return redirect(next_url or "clinicians:list")

    def forget_upload(self) -> None:
        token = self.get_token()
        uploads = self.request.session.get(SESSION_UPLOADS, {})
        upload = uploads.pop(token, None)
        self.request.session[SESSION_UPLOADS] = uploads
        if upload is not None:
            discard_roster_upload(token=token, extension=upload["extension"])


class RosterPreviewView(LoginRequiredMixin, PermissionRequiredMixin, RosterUploadMixin, View):
    """Every row of the stored upload, parsed afresh, with its errors or what it changes."""

    permission_required = "clinicians.add_clinician"

    def get(self, request, token):
        name, _extension, content = self.get_upload()
        preview = parse_roster(name=name, content=content)
        upload = request.session[SESSION_UPLOADS][token]
        errors_only = request.GET.get("show") == "errors"
        rows = [row for row in preview.rows if not row.is_valid] if errors_only else preview.rows
        return TemplateResponse(
            request,
            "clinicians/roster_preview.html",
            {
                "preview": preview,
                "rows": rows,
                "errors_only": errors_only,
                "filename": name,
                "token": token,
                "columns": COLUMNS,
                "then_url": upload.get("then"),
            },
        )


class RosterConfirmView(LoginRequiredMixin, PermissionRequiredMixin, RosterUploadMixin, View):
    """Import the stored upload, checked again now, all or nothing."""

    permission_required = "clinicians.add_clinician"

    def post(self, request, token):
        return self.confirm_import(
            lambda preview, name: import_roster(preview=preview, actor=request.user, filename=name)
        )


class RosterCancelView(LoginRequiredMixin, PermissionRequiredMixin, RosterUploadMixin, View):
    permission_required = "clinicians.add_clinician"

    def post(self, request, token):
        next_url = self.get_next()
        self.forget_upload()
        url = reverse("clinicians:import")
        return redirect(f"{url}?{urlencode({'next': next_url})}" if next_url else url)


class RosterTemplateView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """A CSV with the header row and two example rows."""

    permission_required = "clinicians.add_clinician"

    def get(self, request):
        response = HttpResponse(template_csv(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="rounds-roster-template.csv"'
        return response


# Clinicians --------------------------------------------------------------------------------


class ClinicianListView(LoginRequiredMixin, PermissionRequiredMixin, ListView):
    permission_required = "clinicians.view_clinician"
    template_name = "clinicians/clinician_list.html"
    context_object_name = "clinicians"
    paginate_by = 50

    def get_queryset(self):
        self.filter_form = ClinicianFilterForm(self.request.GET or None)
        clinicians = Clinician.objects.select_related(
            "specialty", "department__site"
        ).prefetch_related("sites")
        return self.filter_form.filter(clinicians).order_by("last_name", "first_name", "pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter_form"] = self.filter_form
        query = self.request.GET.copy()
        query.pop("page", None)
        context["query"] = query.urlencode()
        return context


def _clinician_home(clinician: Clinician) -> str:
    if clinician.role == Clinician.Role.SPECIALIST and clinician.specialty_id:
        return reverse("clinicians:specialty_detail", kwargs={"pk": clinician.specialty_id})
    return reverse("clinicians:list")


class ClinicianCreateView(LoginRequiredMixin, PermissionRequiredMixin, CreateView):
    permission_required = "clinicians.add_clinician"
    model = Clinician
    form_class = ClinicianForm
    template_name = "clinicians/clinician_form.html"

    def get_initial(self):
        initial = super().get_initial()
        specialty_id = self.request.GET.get("specialty", "")
        specialty = (
            Specialty.objects.filter(pk=specialty_id).first() if specialty_id.isdecimal() else None
        )
        if specialty is not None:
            initial.update(role=Clinician.Role.SPECIALIST, specialty=specialty)
        return initial

    def form_valid(self, form):
        self.object = save_clinician(
            clinician=form.save(commit=False),
            sites=form.cleaned_data["sites"],
            by=self.request.user,
        )
        return HttpResponseRedirect(self.get_success_url())

    def get_success_url(self):
        messages.success(self.request, f"Added {self.object}.")
        return safe_next_url(self.request, _clinician_home(self.object))


class ClinicianUpdateView(LoginRequiredMixin, PermissionRequiredMixin, UpdateView):
    permission_required = "clinicians.change_clinician"
    model = Clinician
    form_class = ClinicianForm
    template_name = "clinicians/clinician_form.html"

    def form_valid(self, form):
        try:
            self.object = save_clinician(
                clinician=form.save(commit=False),
                sites=form.cleaned_data["sites"],
                by=self.request.user,
            )
        except ValidationError as error:
            form.add_error(
                None,
                "Not saved: published itineraries depend on this clinician. "
                + " ".join(error.messages)
                + " Mark them a no-show on those events' check-in pages and re-plan first.",
            )
            return self.form_invalid(form)
        return HttpResponseRedirect(self.get_success_url())

    def get_success_url(self):
        messages.success(self.request, f"Saved {self.object}.")
        return safe_next_url(self.request, _clinician_home(self.object))


class ClinicianRetireView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """Retire (never delete): past events keep their history."""

    permission_required = "clinicians.change_clinician"

    def post(self, request, pk):
        clinician = get_object_or_404(Clinician, pk=pk)
        try:
            retire_clinician(clinician=clinician, by=request.user)
        except ValidationError as error:
            messages.error(
                request,
                f"{clinician} is not retired: published itineraries depend on them. "
                + " ".join(error.messages)
                + " Mark them a no-show on those events' check-in pages and re-plan first.",
            )
        else:
            messages.success(request, f"Retired {clinician}.")
        return HttpResponseRedirect(safe_next_url(request, _clinician_home(clinician)))


class ClinicianReactivateView(LoginRequiredMixin, PermissionRequiredMixin, View):
    permission_required = "clinicians.change_clinician"

    def post(self, request, pk):
        clinician = get_object_or_404(Clinician, pk=pk)
        reactivate_clinician(clinician=clinician, by=request.user)
        messages.success(request, f"Reactivated {clinician}.")
        return HttpResponseRedirect(safe_next_url(request, _clinician_home(clinician)))


# Specialties -------------------------------------------------------------------------------


class SpecialtyListView(LoginRequiredMixin, PermissionRequiredMixin, ListView):
    permission_required = "clinicians.view_specialty"
    template_name = "clinicians/specialty_list.html"
    context_object_name = "specialties"

    def get_queryset(self):
        return Specialty.objects.annotate(
            active_anchors=Count(
                "clinicians",
                filter=Q(clinicians__is_active=True, clinicians__role=Clinician.Role.SPECIALIST),
            ),
            retired_anchors=Count(
                "clinicians",
                filter=Q(clinicians__is_active=False, clinicians__role=Clinician.Role.SPECIALIST),
            ),
        ).order_by("name")


class SpecialtyDetailView(LoginRequiredMixin, PermissionRequiredMixin, DetailView):
    """A specialty's anchor specialists: where they practise and how often each anchored."""

    permission_required = ("clinicians.view_specialty", "clinicians.view_clinician")
    model = Specialty
    template_name = "clinicians/specialty_detail.html"
    context_object_name = "specialty"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        specialists = (
            Clinician.objects.filter(specialty=self.object, role=Clinician.Role.SPECIALIST)
            .annotate(anchor_count=Count("anchorings"))
            .prefetch_related("sites")
            .order_by("-is_active", "last_name", "first_name", "pk")
        )
        context["specialists"] = specialists
        context["sites"] = Site.objects.filter(
            clinicians__specialty=self.object,
            clinicians__role=Clinician.Role.SPECIALIST,
            clinicians__is_active=True,
        ).distinct()
        return context


class SpecialtyCreateView(LoginRequiredMixin, PermissionRequiredMixin, CreateView):
    permission_required = "clinicians.add_specialty"
    model = Specialty
    form_class = SpecialtyForm
    template_name = "clinicians/specialty_form.html"

    def form_valid(self, form):
        try:
            self.object = save_specialty(specialty=form.save(commit=False), by=self.request.user)
        except IntegrityError:
            # The same name (case and spaces aside) was added between the check and the save.
            form.add_error("name", "A specialty of this name was added meanwhile.")
            return self.form_invalid(form)
        return HttpResponseRedirect(self.get_success_url())

    def get_success_url(self):
        return reverse("clinicians:specialty_detail", kwargs={"pk": self.object.pk})


class SpecialtyUpdateView(LoginRequiredMixin, PermissionRequiredMixin, UpdateView):
    permission_required = "clinicians.change_specialty"
    model = Specialty
    form_class = SpecialtyForm
    template_name = "clinicians/specialty_form.html"

    def form_valid(self, form):
        try:
            self.object = save_specialty(specialty=form.save(commit=False), by=self.request.user)
        except ValidationError as error:
            form.add_error(
                "track",
                "The patients it serves stay as they are while published schedules use it. "
                + " ".join(error.messages)
                + " Change them after those events, or add a table of another specialty and "
                "re-plan.",
            )
            return self.form_invalid(form)
        return HttpResponseRedirect(self.get_success_url())

    def get_success_url(self):
        return reverse("clinicians:specialty_detail", kwargs={"pk": self.object.pk})


class SpecialtyMergeView(LoginRequiredMixin, PermissionRequiredMixin, FormView):
    """Merge two records of the same specialist: history moves to the one kept."""

    # Merging may delete the duplicate, so it asks for the delete permission too.
    permission_required = ("clinicians.change_clinician", "clinicians.delete_clinician")
    form_class = MergeClinicianForm
    template_name = "clinicians/specialty_merge.html"

    def dispatch(self, request, *args, **kwargs):
        self.specialty = get_object_or_404(Specialty, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "specialty": self.specialty}

    def get_context_data(self, **kwargs):
        return super().get_context_data(specialty=self.specialty, **kwargs)

    def form_valid(self, form):
        keep, duplicate = form.cleaned_data["keep"], form.cleaned_data["duplicate"]
        try:
            merge_clinicians(keep=keep, duplicate=duplicate, by=self.request.user)
        except ProtectedError:
            form.add_error(None, "Some of the duplicate's records cannot be moved; not merged.")
            return self.form_invalid(form)
        except ValidationError as error:
            form.add_error(
                None,
                f"{duplicate} is not merged: published itineraries depend on them. "
                + " ".join(error.messages)
                + " Mark the duplicate a no-show on those events' check-in pages and re-plan "
                "first.",
            )
            return self.form_invalid(form)
        messages.success(self.request, f"Merged {duplicate} into {keep}.")
        return redirect("clinicians:specialty_detail", pk=self.specialty.pk)


class SpecialtyMergeIntoView(LoginRequiredMixin, PermissionRequiredMixin, FormView):
    """Merge this specialty (a duplicate, e.g. "cardiology") into another: its clinicians and
    tables move there, and it is deleted."""

    permission_required = ("clinicians.change_specialty", "clinicians.delete_specialty")
    form_class = MergeSpecialtyForm
    template_name = "clinicians/specialty_merge_into.html"

    def dispatch(self, request, *args, **kwargs):
        self.specialty = get_object_or_404(Specialty, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "duplicate": self.specialty}

    def get_context_data(self, **kwargs):
        return super().get_context_data(specialty=self.specialty, **kwargs)

    def form_valid(self, form):
        keep = form.cleaned_data["keep"]
        try:
            merge_specialties(keep=keep, duplicate=self.specialty, by=self.request.user)
        except ValidationError as error:
            form.add_error(
                None,
                f"{self.specialty.name} is not merged: published schedules depend on its "
                "tables. "
                + " ".join(error.messages)
                + " Merge them after those events, or change the patients one serves first.",
            )
            return self.form_invalid(form)
        messages.success(self.request, f"Merged {self.specialty.name} into {keep.name}.")
        return redirect("clinicians:specialty_detail", pk=keep.pk)


class SpecialtyRetireView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """Retire a specialty: offered for no new table, anchor or import; history keeps it."""

    permission_required = "clinicians.change_specialty"

    def post(self, request, pk):
        specialty = get_object_or_404(Specialty, pk=pk)
        retire_specialty(specialty=specialty, by=request.user)
        messages.success(
            request,
            f"Retired {specialty.name}: it is offered for no new table, anchor or import.",
        )
        return redirect("clinicians:specialty_detail", pk=specialty.pk)


class SpecialtyReactivateView(LoginRequiredMixin, PermissionRequiredMixin, View):
    permission_required = "clinicians.change_specialty"

    def post(self, request, pk):
        specialty = get_object_or_404(Specialty, pk=pk)
        reactivate_specialty(specialty=specialty, by=request.user)
        messages.success(request, f"Reactivated {specialty.name}.")
        return redirect("clinicians:specialty_detail", pk=specialty.pk)


class SpecialtyDeleteView(LoginRequiredMixin, PermissionRequiredMixin, DetailView):
    """Ask, then delete a specialty nothing uses (refused with what uses it otherwise)."""

    permission_required = "clinicians.delete_specialty"
    model = Specialty
    template_name = "clinicians/specialty_confirm_delete.html"
    context_object_name = "specialty"

    def post(self, request, pk):
        specialty = get_object_or_404(Specialty, pk=pk)
        try:
            delete_catalogue_entry(entry=specialty, by=request.user)
        except ValidationError as error:
            messages.error(
                request,
                " ".join(error.messages) + " Merge it into another specialty or retire it instead.",
            )
            return redirect("clinicians:specialty_detail", pk=specialty.pk)
        messages.success(request, f"Deleted {specialty.name}.")
        return redirect("clinicians:specialty_list")
