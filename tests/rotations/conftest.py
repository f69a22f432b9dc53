from types import SimpleNamespace

import pytest

from clinicians.models import Track
from tests.factories import (
    make_anchor,
    make_clinician,
    make_department,
    make_event,
    make_group,
    make_region,
    make_site,
    make_specialist,
    make_specialty,
    make_table,
)


@pytest.fixture
def small(db):
    """A four-round event: three tables (adult, pediatric, all-ages) with anchors who come
    late or leave early, and three groups (one without a department or members)."""
    region = make_region(name="North")
    quincy = make_site(name="Quincy", region=region)
    braintree = make_site(name="Braintree", region=region)
    cardiology = make_specialty(name="Cardiology", track=Track.ADULT)
    neonatology = make_specialty(name="Neonatology", track=Track.PEDIATRIC)
    dermatology = make_specialty(name="Dermatology", track=Track.ALL_AGES)
    event = make_event(name="North spring", rounds=4)
    t1 = make_table(event=event, number=1, specialty=cardiology)
    t2 = make_table(event=event, number=2, specialty=neonatology, capacity=2)
    t3 = make_table(event=event, number=3, specialty=dermatology)
    cara = make_anchor(
        table=t1,
        clinician=make_specialist(specialty=cardiology, last_name="Cara", sites=[quincy]),
        absent_rounds=[4],
    )
    nina = make_anchor(
        table=t2,
        clinician=make_specialist(
            specialty=neonatology, last_name="Nina", sites=[quincy, braintree]
        ),
        absent_rounds=[1, 2],
    )
    ned = make_anchor(
        table=t2,
        clinician=make_specialist(specialty=neonatology, last_name="Ned", sites=[braintree]),
        absent_rounds=[2],
    )
    dan = make_anchor(table=t3, clinician=make_specialist(specialty=dermatology, last_name="Dan"))
    internal = make_department(name="Internal Medicine", site=quincy, track=Track.ADULT)
    pediatrics = make_department(name="Pediatrics", site=braintree, track=Track.PEDIATRIC)
    ida = make_clinician(last_name="Ida", department=internal)
    ivan = make_clinician(last_name="Ivan", department=internal)
    paula = make_clinician(last_name="Paula", department=pediatrics)
    im = make_group(event=event, name="IM Quincy", department=internal, members=[ida, ivan])
    peds = make_group(
        event=event,
        name="Peds Braintree",
        department=pediatrics,
        track=Track.PEDIATRIC,
        members=[paula],
        absent_rounds=[1],
    )
    walk = make_group(event=event, name="Walk-ins", track=Track.ALL_AGES)
    return SimpleNamespace(
        event=event,
        tables=(t1, t2, t3),
        t1=t1,
        t2=t2,
        t3=t3,
        anchors=SimpleNamespace(cara=cara, nina=nina, ned=ned, dan=dan),
        im=im,
        peds=peds,
        walk=walk,
        members=SimpleNamespace(ida=ida, ivan=ivan, paula=paula),
        internal=internal,
        pediatrics=pediatrics,
        cardiology=cardiology,
    )
