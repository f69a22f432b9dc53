import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import AuditEntry
from outbox.models import Email, OptOut
from outbox.services import opt_out_url, queue_email
from tests.accounts.helpers import make_organizer
from tests.factories import make_user

pytestmark = pytest.mark.django_db

LIST_URL = reverse("outbox:list")


def page_text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def queue(n: int, **extra) -> Email:
    fields = {
        "key": f"invite:{n}",
        "to": f"person{n}@example.org",
        "subject": f"Invitation {n}",
        "body": "Come.",
        "kind": "invitation",
    }
    return queue_email(**(fields | extra))


@pytest.fixture
def organizer_client(client):
    client.force_login(make_organizer(username="olive", first_name="Olive", last_name="Oak"))
    return client


def test_email_list_shows_every_send_with_its_status_and_counts(organizer_client):
    queue(1)
    failed = queue(2, kind="reminder", reminder=True)
    Email.objects.filter(pk=failed.pk).update(status="failed", last_error="SMTPError: down")

    text = page_text(organizer_client.get(LIST_URL))

    assert "person1@example.org Invitation 1 Queued" in text
    assert "person2@example.org Invitation 2 Failed SMTPError: down" in text
    assert "1 queued 0 sending 0 sent 1 failed 0 skipped: opted out of reminders" in text
    assert text.count("Send again") == 1


def test_email_list_filters_by_kind_status_and_address(organizer_client):
    queue(1)
    queue(2, kind="reminder")
    queue(3, to="ann.heart@example.org")

    def shown(query):
        response = organizer_client.get(LIST_URL, query)
        return sorted(email.to for email in response.context["emails"])

    assert shown({"kind": "reminder"}) == ["person2@example.org"]
    assert shown({"status": "queued", "q": "HEART"}) == ["ann.heart@example.org"]
    assert shown({"status": "sent"}) == []


@pytest.mark.parametrize("size", [3, 30])
def test_email_list_queries_fixed_whatever_the_size(
    organizer_client, django_assert_num_queries, size
):
    for n in range(size):
        queue(n)

    # session, user, permissions (2), kinds, count, page, status counts
    with django_assert_num_queries(8):
        response = organizer_client.get(LIST_URL)

    assert len(response.context["emails"]) == size


def test_retry_sends_a_failed_email_again_and_audits_it(
    organizer_client, django_capture_on_commit_callbacks
):
    email = queue(1)
    Email.objects.filter(pk=email.pk).update(status="failed", last_error="SMTPError: down")

    with django_capture_on_commit_callbacks(execute=True):
        response = organizer_client.post(
            reverse("outbox:retry", kwargs={"pk": email.pk}), {"next": f"{LIST_URL}?status=failed"}
        )

    email.refresh_from_db()
    assert (response.status_code, response["Location"]) == (302, f"{LIST_URL}?status=failed")
    assert (email.status, [m.to for m in mail.outbox]) == ("sent", [["person1@example.org"]])
    assert AuditEntry.objects.get(action="email.retried").message == (
        "Olive Oak sent the invitation email “Invitation 1” to person1@example.org again "
        "(it had failed: SMTPError: down)."
    )


def test_retry_of_a_sent_email_says_so_and_sends_nothing(organizer_client):
    email = queue(1)
    Email.objects.filter(pk=email.pk).update(status="sent")

    response = organizer_client.post(reverse("outbox:retry", kwargs={"pk": email.pk}), follow=True)

    assert "Only a failed email can be sent again; this one is sent." in page_text(response)
    assert (mail.outbox, AuditEntry.objects.count()) == ([], 0)


def test_retry_without_the_permission_is_forbidden(client):
    email = queue(1)
    Email.objects.filter(pk=email.pk).update(status="failed")
    client.force_login(make_user(username="nobody"))

    response = client.post(reverse("outbox:retry", kwargs={"pk": email.pk}))

    assert (response.status_code, Email.objects.get(pk=email.pk).status) == (403, "failed")


def test_opt_out_page_asks_first_and_changes_nothing_on_get(client):
    url = opt_out_url("Ann@Example.org")

    response = client.get(url)

    assert response.status_code == 200
    assert "Stop reminders to ann@example.org ?" in page_text(response)
    assert (response["Referrer-Policy"], OptOut.objects.count()) == ("same-origin", 0)


def test_opt_out_page_post_stops_reminders_then_resumes_them(client):
    path = opt_out_url("ann@example.org", base_url="http://testserver")

    stopped = client.post(path, {"action": "stop"}, follow=True)
    opted_out = list(OptOut.objects.values_list("address", flat=True))
    resumed = client.post(path, {"action": "resume"}, follow=True)

    assert opted_out == ["ann@example.org"]
    assert "Done: you will get no more reminders." in page_text(stopped)
    assert "Send me reminders again" in page_text(stopped)
    assert "Done: you will get reminders again." in page_text(resumed)
    assert OptOut.objects.count() == 0


def test_opt_out_page_post_checks_csrf_like_every_form(client):
    url = opt_out_url("ann@example.org")
    browser = type(client)(enforce_csrf_checks=True)

    without_token = browser.post(url, {"action": "stop"})
    page = browser.get(url)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    with_token = browser.post(url, {"action": "stop", "csrfmiddlewaretoken": token.group(1)})

    assert (without_token.status_code, with_token.status_code) == (403, 302)
    assert list(OptOut.objects.values_list("address", flat=True)) == ["ann@example.org"]


def test_opt_out_page_with_a_forged_token_is_a_404(client):
    url = opt_out_url("ann@example.org")
    forged = url[:-2] + ("y" if url[-2] == "x" else "x") + "/"

    assert client.get(forged).status_code == 404
    assert client.post(forged, {"action": "stop"}).status_code == 404
