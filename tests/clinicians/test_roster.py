import io

import pytest
from openpyxl import Workbook

from clinicians.models import Clinician
from clinicians.roster import MAX_ROWS, parse_roster, template_csv
from tests.clinicians.helpers import HEADER, PCP_ROW, SPECIALIST_ROW, roster_csv
from tests.factories import make_clinician

pytestmark = pytest.mark.django_db


def xlsx_bytes(*rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def row_with(base, **changes):
    row = list(base)
    for column, value in changes.items():
        row[HEADER.index(column)] = value
    return row


def errors_of(content, name="roster.csv"):
    preview = parse_roster(name=name, content=content)
    return {row.number: row.errors for row in preview.invalid_rows}


def test_parse_roster_good_csv_gives_parsed_values(catalogue):
    preview = parse_roster(name="roster.csv", content=roster_csv(PCP_ROW, SPECIALIST_ROW))

    assert preview.is_valid is True
    pcp, specialist = preview.rows
    assert (pcp.first_name, pcp.credentials, pcp.email, pcp.role) == (
        "Ana",
        "MD",
        "ana.lopez@example.org",
        Clinician.Role.PRIMARY_CARE,
    )
    assert (pcp.department, pcp.sites, pcp.status) == (
        catalogue["internal_medicine"],
        [catalogue["quincy"]],
        "new",
    )
    assert (specialist.specialty, specialist.sites) == (
        catalogue["cardiology"],
        [catalogue["salem"], catalogue["quincy"]],
    )
    assert preview.counts == {"rows": 2, "invalid": 0, "new": 2, "update": 0, "unchanged": 0}


def test_parse_roster_good_xlsx_gives_the_same_rows_as_csv(catalogue):
    content = xlsx_bytes([h.upper() for h in HEADER], PCP_ROW, SPECIALIST_ROW)

    preview = parse_roster(name="Roster.XLSX", content=content)

    assert preview.is_valid is True
    assert [row.email for row in preview.rows] == [
        "ana.lopez@example.org",
        "ben.okafor@example.org",
    ]


def test_parse_roster_header_is_case_and_space_insensitive(catalogue):
    header = [
        "First Name",
        "LAST_NAME",
        "Credentials",
        "Email",
        "Role",
        "Specialty",
        "Department",
        "Sites",
    ]

    preview = parse_roster(name="r.csv", content=roster_csv(PCP_ROW, header=header))

    assert preview.is_valid is True


def test_parse_roster_accepts_role_spellings(catalogue):
    rows = [
        row_with(PCP_ROW, role=role, email=f"p{number}@example.org")
        for number, role in enumerate(["primary care", "PCP", "Primary-Care", "primary_care"])
    ]

    preview = parse_roster(name="r.csv", content=roster_csv(*rows))

    assert [row.role for row in preview.rows] == [Clinician.Role.PRIMARY_CARE] * 4


def test_parse_roster_unknown_specialty_suggests_the_closest(catalogue):
    content = roster_csv(row_with(SPECIALIST_ROW, specialty="Cardiolgy"))

    assert errors_of(content) == {
        2: {"specialty": ['unknown specialty "Cardiolgy" (did you mean "Cardiology"?)']}
    }


def test_parse_roster_names_every_bad_field_of_a_row(catalogue):
    row = ["", "Lopez", "MD, Wizard", "not-an-email", "nurse", "", "", "Quincyy; Salem"]

    assert errors_of(roster_csv(row)) == {
        2: {
            "first_name": ["first name is missing"],
            "credentials": ["Unknown credentials: Wizard (expected e.g. MD, DO, NP, PA-C)."],
            "email": ['invalid email "not-an-email"'],
            "role": ['unknown role "nurse" (expected primary-care, specialist or leader)'],
            "sites": ['unknown site "Quincyy" (did you mean "Quincy"?)'],
        }
    }


def test_parse_roster_missing_email_and_credentials(catalogue):
    row = row_with(PCP_ROW, email="", credentials="")

    assert errors_of(roster_csv(row)) == {
        2: {
            "credentials": ["Credentials are required, e.g. MD, DO, NP or PA-C."],
            "email": ["email is missing"],
        }
    }


def test_parse_roster_duplicate_email_names_both_rows(catalogue):
    content = roster_csv(
        PCP_ROW, SPECIALIST_ROW, row_with(SPECIALIST_ROW, email="ANA.lopez@example.org")
    )

    assert errors_of(content) == {
        2: {"email": ['duplicate email "Ana.Lopez@example.org" (also on row 4)']},
        4: {"email": ['duplicate email "ANA.lopez@example.org" (also on row 2)']},
    }


def test_parse_roster_department_missing_for_primary_care(catalogue):
    content = roster_csv(row_with(PCP_ROW, department=""))

    assert errors_of(content) == {
        2: {"department": ["department is missing (required for primary care)"]}
    }


def test_parse_roster_unknown_department_suggests_one_at_the_first_site(catalogue):
    content = roster_csv(row_with(PCP_ROW, department="Internal Med"))

    assert errors_of(content) == {
        2: {
            "department": [
                'no department "Internal Med" at Quincy (did you mean "Internal Medicine"?)'
            ]
        }
    }


def test_parse_roster_department_absent_from_the_first_site(catalogue):
    content = roster_csv(row_with(PCP_ROW, sites="Salem; Quincy"))

    assert errors_of(content) == {
        2: {"department": ['no department "Internal Medicine" at Salem (Salem has no department)']}
    }


def test_parse_roster_primary_care_without_sites(catalogue):
    content = roster_csv(row_with(PCP_ROW, sites=""))

    assert errors_of(content) == {
        2: {
            "sites": [
                "sites is missing (the first site holds a primary-care clinician's department)"
            ]
        }
    }


def test_parse_roster_specialty_missing_for_specialist(catalogue):
    content = roster_csv(row_with(SPECIALIST_ROW, specialty=""))

    assert errors_of(content) == {
        2: {"specialty": ["specialty is missing (required for specialists)"]}
    }


def test_parse_roster_existing_clinician_is_update_or_unchanged(catalogue):
    make_clinician(
        first_name="Ana",
        last_name="Lopez",
        credentials="MD",
        email="ana.lopez@example.org",
        department=catalogue["internal_medicine"],
        sites=[catalogue["quincy"]],
    )
    make_clinician(
        first_name="Benjamin",
        last_name="Okafor",
        credentials="MD",
        email="ben.okafor@example.org",
        role=Clinician.Role.SPECIALIST,
        specialty=catalogue["cardiology"],
        sites=[catalogue["salem"]],
    )

    preview = parse_roster(name="r.csv", content=roster_csv(PCP_ROW, SPECIALIST_ROW))

    assert [row.status_label for row in preview.rows] == [
        "unchanged",
        "update (changed: first name, credentials, sites)",
    ]


def test_parse_roster_formula_looking_cells_stay_text(catalogue):
    row = row_with(PCP_ROW, first_name='=HYPERLINK("http://x")', last_name="+1-2@x")
    content = xlsx_bytes(HEADER, row)

    preview = parse_roster(name="r.xlsx", content=content)

    assert (preview.rows[0].first_name, preview.rows[0].last_name) == (
        '=HYPERLINK("http://x")',
        "+1-2@x",
    )


def test_parse_roster_cp1252_csv_is_read(catalogue):
    content = roster_csv(row_with(PCP_ROW, first_name="Zoë")).decode().encode("cp1252")

    preview = parse_roster(name="r.csv", content=content)

    assert preview.rows[0].first_name == "Zoë"


def test_parse_roster_utf8_bom_csv_is_read(catalogue):
    content = b"\xef\xbb\xbf" + roster_csv(PCP_ROW)

    preview = parse_roster(name="r.csv", content=content)

    assert preview.is_valid is True


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("roster.txt", b"x", "Only .csv and .xlsx files are accepted."),
        (
            "roster.csv",
            b"a" * (2 * 1024 * 1024 + 1),
            "The file is 2.0 MB; at most 2 MB is accepted.",
        ),
        (
            "roster.xlsx",
            b"first_name,last_name\n",
            "The file is named .xlsx but is not an Excel workbook.",
        ),
        ("roster.csv", b"", "The file is empty."),
        (
            "roster.csv",
            b"first_name,email\nA,a@x.org\n",
            "Missing columns: last_name, credentials, role (the header row must name "
            "first_name, last_name, credentials, email, role, specialty, department, sites).",
        ),
        ("roster.csv", roster_csv(), "The file has a header row but no clinicians."),
    ],
)
def test_parse_roster_refuses_unreadable_files(db, name, content, message):
    preview = parse_roster(name=name, content=content)

    assert (preview.file_errors, preview.rows, preview.is_valid) == ([message], [], False)


def test_parse_roster_refuses_more_than_the_row_limit(catalogue):
    rows = [row_with(PCP_ROW, email=f"p{n}@example.org") for n in range(MAX_ROWS + 1)]

    preview = parse_roster(name="r.csv", content=roster_csv(*rows))

    assert preview.file_errors == [
        "The file has more than 5,000 rows; split it into smaller files."
    ]


def test_parse_roster_csv_that_is_really_xlsx_is_refused(db):
    preview = parse_roster(name="r.csv", content=xlsx_bytes(HEADER))

    assert preview.file_errors == [
        "The file is named .csv but is a zip or Excel file; name it .xlsx."
    ]


def test_parse_roster_query_count_does_not_grow_with_rows(catalogue, django_assert_num_queries):
    rows = [row_with(SPECIALIST_ROW, email=f"s{n}@example.org") for n in range(200)]

    with django_assert_num_queries(4):
        parse_roster(name="r.csv", content=roster_csv(*rows))


def test_template_csv_parses_as_a_roster_header():
    assert template_csv().splitlines()[0] == ",".join(HEADER)


def test_error_lines_name_row_and_field(catalogue):
    preview = parse_roster(
        name="r.csv", content=roster_csv(PCP_ROW, row_with(SPECIALIST_ROW, specialty="Cardiolgy"))
    )

    assert preview.error_lines() == [
        'row 3, specialty: unknown specialty "Cardiolgy" (did you mean "Cardiology"?)'
    ]


def test_parse_roster_skips_blank_rows_and_keeps_spreadsheet_row_numbers(catalogue):
    bad = row_with(SPECIALIST_ROW, specialty="Cardiolgy")
    content = xlsx_bytes(HEADER, PCP_ROW, [None] * 8, bad, [None] * 8)

    preview = parse_roster(name="r.xlsx", content=content)

    assert [row.number for row in preview.rows] == [2, 4]
    assert list(errors_of(content, name="r.xlsx")) == [4]
