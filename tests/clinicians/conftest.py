import pytest

from clinicians.models import Track
from tests.factories import make_department, make_region, make_site, make_specialty


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def catalogue(db):
    """The sites, specialty and department the rows in helpers.py refer to."""
    region = make_region(name="South Shore")
    quincy = make_site(name="Quincy", region=region)
    salem = make_site(name="Salem", region=make_region(name="North Shore"))
    cardiology = make_specialty(name="Cardiology", track=Track.ADULT)
    internal_medicine = make_department(name="Internal Medicine", site=quincy, track=Track.ADULT)
    return {
        "quincy": quincy,
        "salem": salem,
        "cardiology": cardiology,
        "internal_medicine": internal_medicine,
    }
