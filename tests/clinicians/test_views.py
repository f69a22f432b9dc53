import codecs
import io
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from accounts.models import AuditEntry
from clinicians.models import Clinician, Specialty, Track
from tests.clinicians.helpers import HEADER, PCP_ROW, SPECIALIST_ROW, roster_csv, user_with_perms
from tests.factories import (
    make_anchor,
    make_clinician,
    make_event,
    make_site,
    make_specialist,
    make_specialty,
    make_table,
)

pytestmark = pytest.mark.django_db

IMPORT_PERMS = ("add_clinician", "view_clinician", "view_specialty")
ADMIN_PERMS = (
    "view_clinician",
    "add_clinician",
    "change_clinician",
    "delete_clinician",
    "view_specialty",
    "add_specialty",
    "change_specialty",
)


@pytest.fixture
def importer_client(client):
    client.force_login(user_with_perms(*IMPORT_PERMS))
    return client


@pytest.fixture
def admin_client(client):
    client.force_login(user_with_perms(*ADMIN_PERMS))
    return client


def upload(client, content, name="roster.csv"):
    return client.post(reverse("clinicians:import"), {"file": SimpleUploadedFile(name, content)})


def token_of(response) -> str:
    return re.search(r"/import/(\w+)/$", response.url).group(1)


def test_import_page_documents_the_columns(importer_client):
    response = importer_client.get(reverse("clinicians:import"))

    assert response.status_code == 200
    assert b"<code>specialty</code>" in response.content
    assert reverse("clinicians:import_template").encode() in response.content


def test_import_template_downloads_as_csv(importer_client):
    response = importer_client.get(reverse("clinicians:import_template"))

    assert (response.status_code, response["Content-Type"]) == (200, "text/csv; charset=utf-8")


def test_import_upload_redirects_to_preview_and_writes_nothing(importer_client, catalogue):
    response = upload(importer_client, roster_csv(PCP_ROW, SPECIALIST_ROW))

    assert response.status_code == 302
    assert response.url == reverse(
        "clinicians:import_preview", kwargs={"token": token_of(response)}
    )
    assert Clinician.objects.count() == 0


def test_import_preview_shows_errors_per_field(importer_client, catalogue):
    bad = list(SPECIALIST_ROW)
    bad[5] = "Cardiolgy"
    token = token_of(upload(importer_client, roster_csv(PCP_ROW, bad)))

    response = importer_client.get(reverse("clinicians:import_preview", kwargs={"token": token}))

    content = response.content.decode()
    assert response.status_code == 200
    assert (
        "unknown specialty &quot;Cardiolgy&quot; (did you mean &quot;Cardiology&quot;?)" in content
    )
    assert "1 with errors" in content
    assert reverse("clinicians:import_confirm", kwargs={"token": token}) not in content


def test_import_preview_escapes_html_in_names(importer_client, catalogue):
    row = list(PCP_ROW)
    row[0] = "<script>alert(1)</script>"
    token = token_of(upload(importer_client, roster_csv(row)))

    response = importer_client.get(reverse("clinicians:import_preview", kwargs={"token": token}))

    assert b"<script>alert(1)</script>" not in response.content
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in response.content


def test_import_confirm_writes_and_deletes_the_upload(importer_client, catalogue, media_root):
    token = token_of(upload(importer_client, roster_csv(PCP_ROW, SPECIALIST_ROW)))

    response = importer_client.post(reverse("clinicians:import_confirm", kwargs={"token": token}))

    assert (response.status_code, response.url) == (302, reverse("clinicians:list"))
    assert Clinician.objects.count() == 2
    assert AuditEntry.objects.get().details == {"created": 2, "updated": 0}
    assert list((media_root / "imports").iterdir()) == []


def test_import_confirm_goes_back_where_it_was_opened_and_remembers_who(importer_client, catalogue):
    back = "/events/7/attendance/add/?imported=1"
    response = importer_client.post(
        f"{reverse('clinicians:import')}?next={back}",
        {"file": SimpleUploadedFile("roster.csv", roster_csv(PCP_ROW, SPECIALIST_ROW))},
    )
    token = token_of(response)

    confirmed = importer_client.post(reverse("clinicians:import_confirm", kwargs={"token": token}))

    assert confirmed.url == back
    assert importer_client.session["roster_last_import"] == sorted(
        Clinician.objects.values_list("pk", flat=True)
    )


def test_import_ignores_a_next_that_leaves_the_site(importer_client, catalogue):
    response = importer_client.post(
        f"{reverse('clinicians:import')}?next=https://evil.example.org/",
        {"file": SimpleUploadedFile("roster.csv", roster_csv(PCP_ROW))},
    )

    confirmed = importer_client.post(
        reverse("clinicians:import_confirm", kwargs={"token": token_of(response)})
    )

    assert confirmed.url == reverse("clinicians:list")


def test_import_confirm_with_errors_writes_nothing(importer_client, catalogue):
    bad = list(PCP_ROW)
    bad[3] = ""
    token = token_of(upload(importer_client, roster_csv(SPECIALIST_ROW, bad)))

    response = importer_client.post(reverse("clinicians:import_confirm", kwargs={"token": token}))

    assert response.url == reverse("clinicians:import_preview", kwargs={"token": token})
    assert Clinician.objects.count() == 0


def test_import_preview_of_another_session_is_404(importer_client, client, catalogue):
    token = token_of(upload(importer_client, roster_csv(PCP_ROW)))
    client.logout()
    client.force_login(user_with_perms(*IMPORT_PERMS))

    response = client.get(reverse("clinicians:import_preview", kwargs={"token": token}))

    assert response.status_code == 404


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("roster.pdf", b"%PDF-1.4", "Only .csv and .xlsx files are accepted."),
        ("roster.csv", b"x" * (2 * 1024 * 1024 + 10), "at most 2 MB is accepted."),
        ("roster.xlsx", b"not a zip", "The file is named .xlsx but is not an Excel workbook."),
    ],
)
def test_import_upload_refuses_bad_files_on_the_form(importer_client, name, content, message):
    response = upload(importer_client, content, name=name)

    assert response.status_code == 200
    assert message in response.context["form"].errors["file"][0]


@pytest.mark.parametrize(
    "url_name", ["clinicians:import", "clinicians:list", "clinicians:specialty_list"]
)
def test_pages_send_anonymous_users_to_login(client, url_name):
    url = reverse(url_name)

    response = client.get(url)

    assert (response.status_code, response.url) == (302, f"{reverse('login')}?next={url}")


@pytest.mark.parametrize(
    "url_name", ["clinicians:import", "clinicians:list", "clinicians:specialty_list"]
)
def test_pages_refuse_users_without_permission(client, url_name):
    client.force_login(user_with_perms())

    response = client.get(reverse(url_name))

    assert response.status_code == 403


def test_import_confirm_needs_the_add_permission(client, catalogue):
    client.force_login(user_with_perms("view_clinician"))

    response = client.post(reverse("clinicians:import_confirm", kwargs={"token": "abc"}))

    assert response.status_code == 403


# Clinicians and specialties ----------------------------------------------------------------


def test_clinician_list_filters_by_specialty_and_name(admin_client):
    cardiology = make_specialty(name="Cardiology")
    wanted = make_specialist(specialty=cardiology, last_name="Zhang")
    make_specialist(specialty=cardiology, last_name="Walsh")
    make_specialist(last_name="Zhang2")

    response = admin_client.get(
        reverse("clinicians:list"), {"specialty": cardiology.pk, "q": "zhang"}
    )

    assert list(response.context["clinicians"]) == [wanted]


def test_clinician_list_filters_by_region_and_hides_retired(admin_client):
    site = make_site()
    wanted = make_clinician(sites=[site])
    make_clinician(sites=[site], is_active=False)
    make_clinician(sites=[make_site()])

    response = admin_client.get(reverse("clinicians:list"), {"region": site.region_id})

    assert list(response.context["clinicians"]) == [wanted]


def test_clinician_list_paginates_by_50(admin_client):
    for _ in range(51):
        make_clinician()

    response = admin_client.get(reverse("clinicians:list"), {"page": 2})

    assert len(response.context["clinicians"]) == 1


@pytest.mark.parametrize("size", [3, 30])
def test_clinician_list_query_count_is_constant(admin_client, django_assert_num_queries, size):
    site = make_site()
    for _ in range(size):
        make_specialist(sites=[site])
        make_clinician(sites=[site])

    # session, user, 2 permissions, count, 3 filter choices, page, sites
    with django_assert_num_queries(10):
        admin_client.get(reverse("clinicians:list"))


@pytest.mark.parametrize("size", [3, 30])
def test_specialty_list_query_count_is_constant(admin_client, django_assert_num_queries, size):
    for _ in range(size):
        make_specialist()

    with django_assert_num_queries(5):
        admin_client.get(reverse("clinicians:specialty_list"))


@pytest.mark.parametrize("size", [3, 30])
def test_specialty_detail_query_count_is_constant(admin_client, django_assert_num_queries, size):
    specialty = make_specialty()
    site = make_site()
    for _ in range(size):
        make_anchor(clinician=make_specialist(specialty=specialty, sites=[site]))

    with django_assert_num_queries(8):
        admin_client.get(reverse("clinicians:specialty_detail", kwargs={"pk": specialty.pk}))


def test_specialty_list_counts_active_anchors(admin_client):
    specialty = make_specialty(name="Neonatology", track=Track.PEDIATRIC)
    make_specialist(specialty=specialty)
    make_specialist(specialty=specialty)
    make_specialist(specialty=specialty, is_active=False)

    response = admin_client.get(reverse("clinicians:specialty_list"))

    row = response.context["specialties"].get(pk=specialty.pk)
    assert (row.active_anchors, row.retired_anchors) == (2, 1)
    assert b'<span class="badge badge-track-pediatric">Pediatric</span>' in response.content


def test_specialty_detail_counts_anchorings(admin_client):
    specialty = make_specialty()
    twice = make_specialist(specialty=specialty)
    never = make_specialist(specialty=specialty)
    for _ in range(2):
        make_anchor(table=make_table(specialty=specialty), clinician=twice)

    response = admin_client.get(reverse("clinicians:specialty_detail", kwargs={"pk": specialty.pk}))

    counts = {c.pk: c.anchor_count for c in response.context["specialists"]}
    assert counts == {twice.pk: 2, never.pk: 0}


def test_specialty_detail_unknown_is_404(admin_client):
    response = admin_client.get(reverse("clinicians:specialty_detail", kwargs={"pk": 999}))

    assert response.status_code == 404


def test_specialty_create_and_update(admin_client):
    response = admin_client.post(
        reverse("clinicians:specialty_create"),
        {"name": "Hepatology", "track": Track.ADULT, "description": ""},
    )
    specialty = Specialty.objects.get(name="Hepatology")
    admin_client.post(
        reverse("clinicians:specialty_update", kwargs={"pk": specialty.pk}),
        {"name": "Hepatology", "track": Track.ALL_AGES, "description": "Liver"},
    )

    assert response.url == reverse("clinicians:specialty_detail", kwargs={"pk": specialty.pk})
    specialty.refresh_from_db()
    assert (specialty.track, specialty.description) == (Track.ALL_AGES, "Liver")


def test_specialty_create_needs_add_specialty(client):
    client.force_login(user_with_perms("view_specialty", "add_clinician", "change_clinician"))

    response = client.get(reverse("clinicians:specialty_create"))

    assert response.status_code == 403


def test_add_specialist_from_the_specialty_page(admin_client):
    specialty = make_specialty()
    site = make_site()

    response = admin_client.post(
        reverse("clinicians:create"),
        {
            "first_name": "Rita",
            "last_name": "Osei",
            "credentials": "md, phd",
            "email": "Rita.Osei@Example.org",
            "role": Clinician.Role.SPECIALIST,
            "specialty": specialty.pk,
            "sites": [site.pk],
        },
    )

    clinician = Clinician.objects.get()
    assert response.url == reverse("clinicians:specialty_detail", kwargs={"pk": specialty.pk})
    assert (clinician.credentials, clinician.email, list(clinician.sites.all())) == (
        "MD, PhD",
        "rita.osei@example.org",
        [site],
    )


def test_add_specialist_without_specialty_is_refused(admin_client):
    response = admin_client.post(
        reverse("clinicians:create"),
        {
            "first_name": "Rita",
            "last_name": "Osei",
            "credentials": "MD",
            "email": "rita@example.org",
            "role": Clinician.Role.SPECIALIST,
        },
    )

    assert response.context["form"].errors == {"specialty": ["A specialist needs a specialty."]}


def test_retire_keeps_the_row_and_is_audited(admin_client):
    clinician = make_specialist()

    response = admin_client.post(reverse("clinicians:retire", kwargs={"pk": clinician.pk}))

    clinician.refresh_from_db()
    assert response.status_code == 302
    assert clinician.is_active is False
    assert AuditEntry.objects.get().action == "clinician.retired"


def test_reactivate_offers_the_clinician_again(admin_client):
    clinician = make_specialist(is_active=False)

    admin_client.post(reverse("clinicians:reactivate", kwargs={"pk": clinician.pk}))

    clinician.refresh_from_db()
    assert clinician.is_active is True


def test_retire_needs_change_permission(client):
    clinician = make_specialist()
    client.force_login(user_with_perms("view_clinician"))

    response = client.post(reverse("clinicians:retire", kwargs={"pk": clinician.pk}))

    clinician.refresh_from_db()
    assert (response.status_code, clinician.is_active) == (403, True)


def test_retire_ignores_an_offsite_next(admin_client):
    clinician = make_specialist()

    response = admin_client.post(
        reverse("clinicians:retire", kwargs={"pk": clinician.pk}),
        {"next": "https://evil.example.com/"},
    )

    assert response.url == reverse(
        "clinicians:specialty_detail", kwargs={"pk": clinician.specialty_id}
    )


def test_merge_view_merges_two_specialists(admin_client):
    specialty = make_specialty()
    keep = make_specialist(specialty=specialty)
    duplicate = make_specialist(specialty=specialty)
    anchor = make_anchor(table=make_table(specialty=specialty), clinician=duplicate)

    response = admin_client.post(
        reverse("clinicians:specialty_merge", kwargs={"pk": specialty.pk}),
        {"keep": keep.pk, "duplicate": duplicate.pk},
    )

    anchor.refresh_from_db()
    assert response.url == reverse("clinicians:specialty_detail", kwargs={"pk": specialty.pk})
    assert anchor.clinician == keep
    assert Clinician.objects.filter(pk=duplicate.pk).exists() is False


def test_merge_view_refuses_a_clinician_of_another_specialty(admin_client):
    specialty = make_specialty()
    keep = make_specialist(specialty=specialty)
    other = make_specialist()

    response = admin_client.post(
        reverse("clinicians:specialty_merge", kwargs={"pk": specialty.pk}),
        {"keep": keep.pk, "duplicate": other.pk},
    )

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["duplicate"]


def test_merge_needs_delete_permission(client):
    specialty = make_specialty()
    client.force_login(user_with_perms("view_clinician", "change_clinician", "view_specialty"))

    response = client.get(reverse("clinicians:specialty_merge", kwargs={"pk": specialty.pk}))

    assert response.status_code == 403


def test_event_history_survives_retiring(admin_client):
    event = make_event()
    anchor = make_anchor(table=make_table(event=event))

    admin_client.post(reverse("clinicians:retire", kwargs={"pk": anchor.clinician_id}))

    assert event.anchors.get().clinician_id == anchor.clinician_id


def test_retire_shows_why_it_is_refused_for_a_published_upcoming_event(admin_client):
    specialty = make_specialist().specialty
    event = make_event(name="North, spring", status="published")
    anchor = make_anchor(
        table=make_table(event=event, number=5, specialty=specialty),
        clinician=make_specialist(specialty=specialty, first_name="Ann", last_name="Lee"),
    )

    response = admin_client.post(
        reverse("clinicians:retire", kwargs={"pk": anchor.clinician.pk}), follow=True
    )

    anchor.clinician.refresh_from_db()
    assert anchor.clinician.is_active is True
    assert [(m.level_tag, str(m)) for m in response.context["messages"]] == [
        (
            "error",
            f"{anchor.clinician} is not retired: published itineraries depend on them. "
            f"Ann Lee anchors table 5 ({specialty.name}) at North, spring on "
            f"{event.date:%-d %B %Y} (published). Mark them a no-show on those events' "
            "check-in pages and re-plan first.",
        )
    ]


def _xlsx_with(parts: dict[str, bytes], *, stored=False) -> bytes:
    workbook = Workbook()
    workbook.active.append(HEADER)
    workbook.active.append(PCP_ROW)
    packed = io.BytesIO()
    workbook.save(packed)
    buffer = io.BytesIO()
    method = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    with (
        zipfile.ZipFile(packed) as source,
        zipfile.ZipFile(buffer, "w", compression=method) as target,
    ):
        for info in source.infolist():
            target.writestr(info.filename, parts.get(info.filename, source.read(info.filename)))
        for name, data in parts.items():
            if name not in source.namelist():
                target.writestr(name, data)
    return buffer.getvalue()


def test_import_upload_refuses_a_zip_bomb_on_the_form(importer_client, catalogue, media_root):
    content = _xlsx_with({"xl/media/padding.bin": b"\0" * (50 << 20)})

    response = upload(importer_client, content, name="roster.xlsx")

    assert response.status_code == 200
    assert response.context["form"].errors["file"] == [
        "The workbook unpacks to 50.0 MB; at most 10 MB is accepted. Copy the roster into a "
        "new workbook, or save it as CSV, and upload it again."
    ]
    assert (Clinician.objects.count(), list(media_root.rglob("*.xlsx"))) == (0, [])


def test_import_upload_refuses_a_damaged_workbook_on_the_form(importer_client, catalogue):
    damaged = _xlsx_with({}, stored=True).replace(b"Internal Medicine", b"Internal Medicinf")

    response = upload(importer_client, damaged, name="roster.xlsx")

    assert response.status_code == 200
    assert response.context["form"].errors["file"] == [
        "The workbook is damaged: its part xl/worksheets/sheet1.xml fails its checksum; open "
        "it in Excel, save it again and upload it again."
    ]
    assert Clinician.objects.count() == 0


def test_import_preview_names_the_encoding_of_a_utf16_csv(importer_client, catalogue):
    content = codecs.BOM_UTF16_LE + roster_csv(PCP_ROW).decode().encode("utf-16-le")
    token = token_of(upload(importer_client, content))

    response = importer_client.get(reverse("clinicians:import_preview", kwargs={"token": token}))

    assert response.status_code == 200
    assert "Read as UTF-16 little-endian with BOM text." in response.content.decode()
    assert response.context["preview"].is_valid is True


@pytest.mark.parametrize("specialty", ["abc", "²", "99999999999999999999999"])
def test_clinician_create_ignores_a_bad_specialty_in_the_query(admin_client, specialty):
    response = admin_client.get(reverse("clinicians:create"), {"specialty": specialty})

    assert (response.status_code, response.context["form"].initial) == (200, {})


def test_import_confirm_again_after_back_says_it_was_imported(importer_client, catalogue):
    back = "/events/7/attendance/add/?imported=1"
    response = importer_client.post(
        f"{reverse('clinicians:import')}?next={back}",
        {"file": SimpleUploadedFile("roster.csv", roster_csv(PCP_ROW, SPECIALIST_ROW))},
    )
    token = token_of(response)
    importer_client.post(reverse("clinicians:import_confirm", kwargs={"token": token}))

    again = importer_client.post(reverse("clinicians:import_confirm", kwargs={"token": token}))
    preview = importer_client.get(reverse("clinicians:import_preview", kwargs={"token": token}))

    assert (again.status_code, again.templates[0].name) == (404, "clinicians/roster_stale.html")
    assert again.context["message"] == (
        "This upload was already imported: nothing more to do. To import changes, upload the "
        "file again."
    )
    assert (again.context["imported"], again.context["next_url"]) == (True, back)
    assert preview.context["message"] == again.context["message"]
    assert Clinician.objects.count() == 2


def test_import_confirm_of_an_unknown_upload_asks_to_upload_again(importer_client, catalogue):
    response = importer_client.post(
        reverse("clinicians:import_confirm", kwargs={"token": "no-such-upload"})
    )

    assert response.status_code == 404
    assert response.context["message"] == (
        "This upload was already imported or has expired; upload the file again."
    )
    assert reverse("clinicians:import").encode() in response.content
