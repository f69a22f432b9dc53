import datetime

from connections.models import Meeting
from connections.queries import last_met_by_department_and_specialty
from tests.factories import make_clinician, make_department, make_specialist, make_specialty


def _meet(a, b, date, gathering):
    Meeting.objects.create(
        kind=Meeting.Kind.EVENING, gathering=gathering, date=date, clinician_a=a, clinician_b=b
    )


def test_last_met_takes_the_latest_date_before_the_day_in_either_order(
    db, django_assert_num_queries
):
    internal, family = make_department(name="Internal"), make_department(name="Family")
    cardiology, dermatology = make_specialty(name="Cardiology"), make_specialty(name="Derm")
    ann = make_clinician(department=internal)
    fay = make_clinician(department=family)
    cara = make_specialist(specialty=cardiology)
    dan = make_specialist(specialty=dermatology)
    _meet(ann, cara, datetime.date(2025, 3, 1), 1)
    _meet(cara, ann, datetime.date(2026, 3, 1), 2)  # stored the other way round
    _meet(fay, dan, datetime.date(2026, 5, 1), 3)
    _meet(dan, ann, datetime.date(2026, 9, 1), 4)  # on or after the day: left out

    with django_assert_num_queries(1):
        last = last_met_by_department_and_specialty(
            departments=[internal.pk, family.pk],
            specialties=[cardiology.pk, dermatology.pk],
            before=datetime.date(2026, 9, 1),
        )

    assert last == {
        (internal.pk, cardiology.pk): datetime.date(2026, 3, 1),
        (family.pk, dermatology.pk): datetime.date(2026, 5, 1),
    }
