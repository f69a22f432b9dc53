"""Demo catalogue: a multispecialty practice in eastern Massachusetts — six regions, thirty
sites, the specialties of the three tracks, primary-care departments and about four hundred
clinicians. The same seed always gives the same organisation, and loading it again adds
nothing (everything is matched by its natural key: names, and email for clinicians).

The demo event lives in `events/demo.py`: this app does not know about events.
"""

import random
from dataclasses import dataclass

from django.db import transaction

from .models import Clinician, Department, Region, Site, Specialty, Track, name_key

DEMO_SEED = 2024
EMAIL_DOMAIN = "demo.rounds.example.org"

REGIONS = {
    "Boston": ["Back Bay", "Jamaica Plain", "Dorchester", "Charlestown", "Brighton"],
    "North Shore": ["Salem", "Beverly", "Lynn", "Peabody", "Gloucester"],
    "Metro West": ["Framingham", "Natick", "Wellesley", "Newton", "Waltham"],
    "South Shore": ["Quincy", "Braintree", "Weymouth", "Hingham", "Plymouth"],
    "Merrimack Valley": ["Lowell", "Lawrence", "Andover", "Haverhill", "Methuen"],
    "Cape & Islands": ["Hyannis", "Falmouth", "Orleans", "Sandwich", "Nantucket"],
}

SPECIALTIES = {
    Track.ADULT: [
        ("Cardiology", "Heart failure, arrhythmia, preventive cardiology."),
        ("Gastroenterology", "Endoscopy, IBD, liver disease."),
        ("Endocrinology", "Diabetes, thyroid, bone health."),
        ("Pulmonology", "COPD, asthma, interstitial lung disease."),
        ("Nephrology", "Chronic kidney disease, dialysis planning."),
        ("Rheumatology", "Inflammatory arthritis, lupus, vasculitis."),
        ("Oncology", "Solid tumours and hematologic malignancies."),
        ("Urology", "Stones, prostate, continence."),
        ("Orthopedics", "Joints, spine and sports injuries."),
        ("Dermatology", "Skin cancer screening, eczema, psoriasis."),
        ("Neurology", "Headache, epilepsy, movement disorders."),
        ("Infectious Disease", "HIV, travel medicine, complex infections."),
        ("Geriatrics", "Falls, memory, polypharmacy."),
        ("Obstetrics & Gynecology", "Prenatal care, menopause, gynecologic surgery."),
    ],
    Track.PEDIATRIC: [
        ("Pediatric Cardiology", "Murmurs, congenital heart disease."),
        ("Neonatology", "Newborn follow-up after the NICU."),
        ("Developmental-Behavioral Pediatrics", "Autism, ADHD, developmental delay."),
        ("Pediatric Gastroenterology", "Reflux, feeding problems, celiac disease."),
        ("Pediatric Endocrinology", "Growth, puberty, type 1 diabetes."),
        ("Pediatric Pulmonology", "Asthma, cystic fibrosis."),
    ],
    Track.ALL_AGES: [
        ("Allergy & Immunology", "Food and drug allergy, immunodeficiency."),
        ("Otolaryngology (ENT)", "Sinus, hearing, head and neck."),
        ("Ophthalmology", "Diabetic eye exams, glaucoma, strabismus."),
        ("Behavioral Health", "Collaborative care, psychiatry, therapy."),
        ("Radiology", "Imaging choices and access."),
        ("Sleep Medicine", "Sleep apnea, insomnia."),
        ("Palliative Care", "Serious illness conversations, symptom control."),
    ],
}

INTERNAL_MEDICINE = "Internal Medicine"
FAMILY_MEDICINE = "Family Medicine"
PEDIATRICS = "Pediatrics"
DEPARTMENT_TRACKS = {
    INTERNAL_MEDICINE: Track.ADULT,
    FAMILY_MEDICINE: Track.ALL_AGES,
    PEDIATRICS: Track.PEDIATRIC,
}

FIRST_NAMES = [
    "Aisha",
    "Alejandro",
    "Amelia",
    "Ana",
    "Andrew",
    "Anjali",
    "Benjamin",
    "Brendan",
    "Carlos",
    "Catherine",
    "Chen",
    "Chloe",
    "Daniel",
    "David",
    "Deepa",
    "Diego",
    "Elena",
    "Elizabeth",
    "Emily",
    "Emma",
    "Ethan",
    "Fatima",
    "Gabriel",
    "Grace",
    "Hannah",
    "Hiroshi",
    "Isabel",
    "Jacob",
    "James",
    "Jennifer",
    "Jessica",
    "John",
    "Jonathan",
    "Julia",
    "Kevin",
    "Kwame",
    "Laura",
    "Leah",
    "Liam",
    "Lucas",
    "Maria",
    "Mark",
    "Matthew",
    "Megan",
    "Mei",
    "Michael",
    "Mohammed",
    "Nadia",
    "Natalie",
    "Nicole",
    "Noah",
    "Olivia",
    "Omar",
    "Patrick",
    "Priya",
    "Rachel",
    "Rafael",
    "Rebecca",
    "Robert",
    "Samuel",
    "Sarah",
    "Sean",
    "Sofia",
    "Stephen",
    "Tariq",
    "Thomas",
    "Valentina",
    "Wei",
    "William",
    "Yusuf",
    "Zoe",
]
LAST_NAMES = [
    "Adams",
    "Agarwal",
    "Alvarez",
    "Brennan",
    "Burke",
    "Byrne",
    "Campbell",
    "Carvalho",
    "Chen",
    "Chowdhury",
    "Coleman",
    "Connolly",
    "Costa",
    "Cruz",
    "Das",
    "Delgado",
    "Doherty",
    "Donovan",
    "Dubois",
    "Fitzgerald",
    "Flynn",
    "Gallagher",
    "Garcia",
    "Gomes",
    "Gupta",
    "Hashemi",
    "Hayes",
    "Hernandez",
    "Ibrahim",
    "Iyer",
    "Jackson",
    "Kaplan",
    "Kelly",
    "Kennedy",
    "Khan",
    "Kim",
    "Larson",
    "Lee",
    "Lopez",
    "Lynch",
    "MacDonald",
    "Mahoney",
    "Martin",
    "McCarthy",
    "Mendes",
    "Moreau",
    "Murphy",
    "Nguyen",
    "Novak",
    "Obi",
    "O'Brien",
    "Okafor",
    "O'Neill",
    "Osei",
    "Patel",
    "Pereira",
    "Quinn",
    "Ramirez",
    "Reddy",
    "Reilly",
    "Rossi",
    "Santos",
    "Shah",
    "Silva",
    "Singh",
    "Sullivan",
    "Tanaka",
    "Thompson",
    "Tran",
    "Walsh",
    "Wang",
    "Williams",
    "Wong",
    "Yamamoto",
    "Zhang",
]

PRIMARY_CARE_CREDENTIALS = (["MD"] * 14) + (["DO"] * 3) + (["NP"] * 2) + ["PA-C"]
SPECIALIST_CREDENTIALS = (["MD"] * 16) + (["DO"] * 2) + ["MD, PhD", "NP"]
BEHAVIORAL_HEALTH_CREDENTIALS = ["MD", "MD", "PsyD", "LICSW", "NP"]


@dataclass(frozen=True)
class DemoClinician:
    first_name: str
    last_name: str
    credentials: str
    email: str
    role: str
    specialty: str = ""
    department: str = ""
    sites: tuple[str, ...] = ()


def demo_sites() -> list[tuple[str, str]]:
    """(site, region) pairs in a fixed order."""
    return [(site, region) for region, sites in REGIONS.items() for site in sites]


def demo_departments() -> list[tuple[str, str]]:
    """(department, site): Internal Medicine everywhere, Pediatrics at every other site,
    Family Medicine at every third."""
    departments = []
    for index, (site, _region) in enumerate(demo_sites()):
        departments.append((INTERNAL_MEDICINE, site))
        if index % 2 == 0:
            departments.append((PEDIATRICS, site))
        if index % 3 == 1:
            departments.append((FAMILY_MEDICINE, site))
    return departments


def demo_clinicians(*, seed: int = DEMO_SEED) -> list[DemoClinician]:
    """The demo clinicians, the same list for the same seed (no database involved)."""
    rng = random.Random(seed)
    sites = demo_sites()
    sites_by_region: dict[str, list[str]] = {}
    for site, region in sites:
        sites_by_region.setdefault(region, []).append(site)
    used_emails: set[str] = set()
    clinicians: list[DemoClinician] = []

    def person(role: str, credentials: list[str], **fields) -> None:
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        local = f"{first}.{last}".lower().replace("'", "")
        email, number = f"{local}@{EMAIL_DOMAIN}", 1
        while email in used_emails:
            number += 1
            email = f"{local}{number}@{EMAIL_DOMAIN}"
        used_emails.add(email)
        clinicians.append(
            DemoClinician(
                first_name=first,
                last_name=last,
                credentials=rng.choice(credentials),
                email=email,
                role=role,
                **fields,
            )
        )

    sizes = {INTERNAL_MEDICINE: (4, 6), PEDIATRICS: (3, 5), FAMILY_MEDICINE: (3, 5)}
    for department, site in demo_departments():
        for _ in range(rng.randint(*sizes[department])):
            person(
                Clinician.Role.PRIMARY_CARE,
                PRIMARY_CARE_CREDENTIALS,
                department=department,
                sites=(site,),
            )

    for specialties in SPECIALTIES.values():
        for specialty, _description in specialties:
            credentials = (
                BEHAVIORAL_HEALTH_CREDENTIALS
                if specialty == "Behavioral Health"
                else SPECIALIST_CREDENTIALS
            )
            for _ in range(rng.randint(4, 7)):
                region = rng.choice(list(REGIONS))
                practice = rng.sample(sites_by_region[region], k=rng.randint(1, 3))
                person(
                    Clinician.Role.SPECIALIST,
                    credentials,
                    specialty=specialty,
                    sites=tuple(practice),
                )

    for region in REGIONS:
        for _ in range(2):
            person(Clinician.Role.LEADER, ["MD", "MD", "DO"], sites=(sites_by_region[region][0],))
    return clinicians


def load_demo_catalogue(*, seed: int = DEMO_SEED) -> dict[str, int]:
    """Create whatever of the demo catalogue is missing, in one transaction; rows already
    there (matched by name, or email for clinicians) are left as they are. Returns the number
    of rows created per kind."""
    created = {}
    with transaction.atomic():
        regions = {}
        for name in REGIONS:
            regions[name], _ = Region.objects.get_or_create(name=name)
        created["regions"] = len(REGIONS)

        existing_sites = set(Site.objects.values_list("name", flat=True))
        new_sites = [
            Site(name=name, region=regions[region])
            for name, region in demo_sites()
            if name not in existing_sites
        ]
        Site.objects.bulk_create(new_sites)
        created["sites"] = len(new_sites)
        sites = {site.name: site for site in Site.objects.all()}

        existing_specialties = set(Specialty.objects.values_list("name_key", flat=True))
        # bulk_create skips Specialty.save, which fills name_key.
        new_specialties = [
            Specialty(name=name, name_key=name_key(name), track=track, description=description)
            for track, specialties in SPECIALTIES.items()
            for name, description in specialties
            if name_key(name) not in existing_specialties
        ]
        Specialty.objects.bulk_create(new_specialties)
        created["specialties"] = len(new_specialties)
        specialties = {specialty.name_key: specialty for specialty in Specialty.objects.all()}

        existing_departments = set(Department.objects.values_list("name", "site__name"))
        new_departments = [
            Department(name=name, site=sites[site], track=DEPARTMENT_TRACKS[name])
            for name, site in demo_departments()
            if (name, site) not in existing_departments
        ]
        Department.objects.bulk_create(new_departments)
        created["departments"] = len(new_departments)
        departments = {
            (department.name, department.site.name): department
            for department in Department.objects.select_related("site")
        }

        existing_emails = set(Clinician.objects.values_list("email", flat=True))
        wanted = [
            person for person in demo_clinicians(seed=seed) if person.email not in existing_emails
        ]
        new_clinicians = Clinician.objects.bulk_create(
            [
                Clinician(
                    first_name=person.first_name,
                    last_name=person.last_name,
                    credentials=person.credentials,
                    email=person.email,
                    role=person.role,
                    specialty=specialties[name_key(person.specialty)] if person.specialty else None,
                    department=departments[(person.department, person.sites[0])]
                    if person.department
                    else None,
                )
                for person in wanted
            ]
        )
        SiteLink = Clinician.sites.through
        SiteLink.objects.bulk_create(
            [
                SiteLink(clinician_id=clinician.pk, site_id=sites[site].pk)
                for clinician, person in zip(new_clinicians, wanted, strict=True)
                for site in person.sites
            ]
        )
        created["clinicians"] = len(new_clinicians)
    return created
