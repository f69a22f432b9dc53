import codecs
import io
import zipfile

import pytest
from openpyxl import Workbook

from clinicians import roster
from clinicians.models import Clinician
from clinicians.roster import (
    MAX_CELLS,
    MAX_ROWS,
    MAX_TABLE_ROWS,
    MAX_XLSX_PARTS,
    MAX_XLSX_RATIO,
    RosterFileError,
    decode_csv,
    parse_roster,
    template_csv,
)
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


# Limits and damaged files: a clear message, never an exception -----------------------------


def rezipped(content: bytes, *, extra: dict[str, bytes] | None = None, stored=False) -> bytes:
    """The workbook's parts in a new zip, with extra parts added or replaced."""
    extra = extra or {}
    buffer = io.BytesIO()
    method = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    with (
        zipfile.ZipFile(io.BytesIO(content)) as source,
        zipfile.ZipFile(buffer, "w", compression=method) as target,
    ):
        for info in source.infolist():
            if info.filename not in extra:
                target.writestr(info.filename, source.read(info.filename))
        for name, data in extra.items():
            target.writestr(name, data)
    return buffer.getvalue()


def test_parse_roster_refuses_an_xlsx_that_unpacks_past_the_limit(db):
    # As reported: a small file that inflates to 50 MB.
    content = rezipped(xlsx_bytes(HEADER), extra={"xl/media/padding.bin": b"\0" * (50 << 20)})

    preview = parse_roster(name="r.xlsx", content=content)

    assert len(content) < 124 * 1024
    assert preview.file_errors == [
        "The workbook unpacks to 50.0 MB; at most 10 MB is accepted. Copy the roster into a "
        "new workbook, or save it as CSV, and upload it again."
    ]


def test_parse_roster_refuses_an_xlsx_packed_too_tightly(db):
    content = rezipped(xlsx_bytes(HEADER), extra={"xl/media/padding.bin": b"\0" * (4 << 20)})
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        parts = archive.infolist()
        ratio = sum(p.file_size for p in parts) // sum(p.compress_size for p in parts)

    preview = parse_roster(name="r.xlsx", content=content)

    assert ratio > MAX_XLSX_RATIO
    assert preview.file_errors == [
        f"The workbook unpacks to {ratio:,} times its size; a roster packs at most 100 times "
        "smaller. Save it as CSV and upload it again."
    ]


def test_parse_roster_refuses_an_xlsx_of_too_many_parts(db):
    parts = {f"xl/media/{n}.bin": b"x" for n in range(MAX_XLSX_PARTS)}
    content = rezipped(xlsx_bytes(HEADER), extra=parts)

    preview = parse_roster(name="r.xlsx", content=content)

    assert preview.file_errors == [
        "The workbook has 509 parts inside; a roster has a few dozen. Copy the roster into a "
        "new workbook, or save it as CSV, and upload it again."
    ]


def test_parse_roster_refuses_an_xlsx_with_a_bad_checksum(db):
    stored = rezipped(xlsx_bytes(HEADER, PCP_ROW), stored=True)
    damaged = stored.replace(b"Internal Medicine", b"Internal Medicinf")

    preview = parse_roster(name="r.xlsx", content=damaged)

    assert preview.file_errors == [
        "The workbook is damaged: its part xl/worksheets/sheet1.xml fails its checksum; open "
        "it in Excel, save it again and upload it again."
    ]


def test_parse_roster_refuses_an_xlsx_whose_sheet_is_broken_xml(db):
    content = rezipped(
        xlsx_bytes(HEADER), extra={"xl/worksheets/sheet1.xml": b"<worksheet><sheetData><row"}
    )

    preview = parse_roster(name="r.xlsx", content=content)

    assert preview.file_errors == ["The file is named .xlsx but is not a readable workbook."]


def test_parse_roster_refuses_an_old_or_encrypted_workbook(db):
    preview = parse_roster(name="r.xlsx", content=b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 99)

    assert preview.file_errors == [
        "The file is an old .xls workbook or a password-protected one; save it in Excel as "
        ".xlsx without a password, or as CSV, and upload it again."
    ]


def test_parse_roster_refuses_too_many_rows_counting_blank_ones(db):
    content = roster_csv() + b",,,\r\n" * MAX_TABLE_ROWS

    preview = parse_roster(name="r.csv", content=content)

    assert preview.file_errors == [
        "The file has more than 20,000 rows, counting blank ones; delete the blank rows below "
        "the clinicians and upload it again."
    ]


def test_parse_roster_refuses_too_many_cells(db):
    content = roster_csv(PCP_ROW + ["x"] * MAX_CELLS)

    preview = parse_roster(name="r.csv", content=content)

    assert preview.file_errors == [
        "The file has more than 250,000 cells; keep only the roster's columns (first_name, "
        "last_name, credentials, email, role, specialty, department, sites) and upload it again."
    ]


def test_parse_roster_stops_reading_past_the_time_budget(db, monkeypatch):
    class SlowClock:  # every look at the clock finds 6 more seconds gone
        now = 0.0

        @classmethod
        def monotonic(cls):
            cls.now += 6
            return cls.now

    monkeypatch.setattr(roster, "time", SlowClock)
    content = roster_csv(PCP_ROW, SPECIALIST_ROW)

    preview = parse_roster(name="r.csv", content=content)

    assert preview.file_errors == [
        "Reading the file took more than 10 seconds; keep only the roster's rows and columns, "
        "save it as CSV and upload it again."
    ]


# Encodings -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encode", "encoding"),
    [
        (lambda text: text.encode("utf-8"), "UTF-8"),
        (lambda text: codecs.BOM_UTF8 + text.encode("utf-8"), "UTF-8 with BOM"),
        (
            lambda text: codecs.BOM_UTF16_LE + text.encode("utf-16-le"),
            "UTF-16 little-endian with BOM",
        ),
        (
            lambda text: codecs.BOM_UTF16_BE + text.encode("utf-16-be"),
            "UTF-16 big-endian with BOM",
        ),
        (lambda text: text.encode("utf-16-le"), "UTF-16 little-endian"),
        (lambda text: text.encode("utf-16-be"), "UTF-16 big-endian"),
        (lambda text: text.encode("utf-32"), "UTF-32 little-endian with BOM"),
        (lambda text: text.encode("cp1252"), "Windows-1252 (Latin-1)"),
    ],
)
def test_parse_roster_reads_each_encoding_and_names_it(catalogue, encode, encoding):
    text = roster_csv(row_with(PCP_ROW, first_name="Zoë")).decode()

    preview = parse_roster(name="r.csv", content=encode(text))

    assert (preview.file_errors, preview.rows[0].first_name) == ([], "Zoë")
    assert preview.encoding == encoding


@pytest.mark.parametrize(
    ("codec", "encoding"),
    [("utf-16-le", "UTF-16 little-endian"), ("utf-16-be", "UTF-16 big-endian")],
)
def test_decode_csv_reads_plain_ascii_utf16_without_bom(codec, encoding):
    text = roster_csv(PCP_ROW).decode()

    assert decode_csv(text.encode(codec)) == (text, encoding)


def test_decode_csv_falls_back_to_latin1_for_bytes_windows_leaves_undefined():
    assert decode_csv(b"a,\x81\xe9") == ("a,\x81é", "Latin-1 (ISO-8859-1)")


def test_decode_csv_refuses_a_bom_followed_by_other_text():
    with pytest.raises(RosterFileError) as error:
        decode_csv(codecs.BOM_UTF8 + b"\xff\xfe\xfd")

    assert str(error.value) == (
        "The file starts with the byte-order mark of UTF-8 but is not that text; save it as "
        "“CSV UTF-8” and upload it again."
    )


def test_parse_roster_xlsx_names_no_encoding(catalogue):
    preview = parse_roster(name="r.xlsx", content=xlsx_bytes(HEADER, PCP_ROW))

    assert (preview.file_errors, preview.encoding) == ([], "")
