"""Reading a roster file (CSV or XLSX) into a preview: every row with its parsed values and,
for a bad row, every bad field with a message. Nothing here writes to the database; the
import itself is `clinicians.services.import_roster`.

Cells are only ever read as text: a cell such as "=HYPERLINK(...)" is kept as those
characters, never evaluated (openpyxl returns a formula's text, not its result, and the CSV
reader knows no formulas).
"""

import codecs
import csv
import difflib
import io
import time
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from .models import Clinician, Department, Site, Specialty, name_key
from .validators import normalize_credentials

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
# Limits that keep any file from holding a web worker for long. A 5,000-row roster is about
# 2.4 MB of sheet XML once unpacked (14 times its packed size) and reads in about 1.5 s.
# An .xlsx is a zip: refuse one that would inflate past this, whatever its packed size.
MAX_XLSX_UNPACKED_BYTES = 10 * 1024 * 1024
MAX_XLSX_RATIO = 100
MAX_XLSX_PARTS = 500
MAX_TABLE_ROWS = 4 * MAX_ROWS  # blank rows included
MAX_CELLS = 250_000
PARSE_SECONDS = 10
ALLOWED_EXTENSIONS = (".csv", ".xlsx")

COLUMNS = (
    "first_name",
    "last_name",
    "credentials",
    "email",
    "role",
    "specialty",
    "department",
    "sites",
)
REQUIRED_COLUMNS = ("first_name", "last_name", "credentials", "email", "role")
COLUMN_HELP = {
    "first_name": "Required.",
    "last_name": "Required.",
    "credentials": "Required: MD, DO, NP, PA-C… several separated by commas, e.g. “MD, PhD”.",
    "email": "Required and unique: it identifies the clinician when the roster is imported again.",
    "role": "primary-care (or “primary care”, “PCP”), specialist or leader.",
    "specialty": "Required for specialists; a specialty of the catalogue.",
    "department": "Required for primary care, e.g. “Internal Medicine”: the department at the "
    "first of the clinician's sites.",
    "sites": "Site names separated by semicolons; the first is the primary-care home site.",
}
TEMPLATE_ROWS = (
    (
        "Ana",
        "Lopez",
        "MD",
        "ana.lopez@example.org",
        "primary-care",
        "",
        "Internal Medicine",
        "Quincy",
    ),
    (
        "Ben",
        "Okafor",
        "DO",
        "ben.okafor@example.org",
        "specialist",
        "Cardiology",
        "",
        "Salem; Beverly",
    ),
)

ROLE_ALIASES = {
    "primary-care": Clinician.Role.PRIMARY_CARE,
    "primary care": Clinician.Role.PRIMARY_CARE,
    "primarycare": Clinician.Role.PRIMARY_CARE,
    "pcp": Clinician.Role.PRIMARY_CARE,
    "specialist": Clinician.Role.SPECIALIST,
    "leader": Clinician.Role.LEADER,
}

# A clinician's fields in words, as the roster's errors and the audit log name them.
FIELD_LABELS = {
    "first_name": "first name",
    "last_name": "last name",
    "credentials": "credentials",
    "email": "email",
    "role": "role",
    "specialty": "specialty",
    "department": "department",
    "sites": "sites",
}


class RosterFileError(Exception):
    """The file as a whole cannot be read: wrong type, too big, too many rows, no header."""


@dataclass
class RosterRow:
    """One data row: its raw cells, what they parse to, and what is wrong with them."""

    number: int
    raw: dict[str, str]
    errors: dict[str, list[str]] = field(default_factory=dict)
    first_name: str = ""
    last_name: str = ""
    credentials: str = ""
    email: str = ""
    role: str = ""
    specialty: Specialty | None = None
    department: Department | None = None
    sites: list[Site] = field(default_factory=list)
    existing: Clinician | None = None
    changes: list[str] = field(default_factory=list)

    NEW = "new"
    UPDATE = "update"
    UNCHANGED = "unchanged"

    def add_error(self, column: str, message: str) -> None:
        self.errors.setdefault(column, []).append(message)

    @property
    def is_valid(self) -> bool:
        return not self.errors

    @property
    def status(self) -> str:
        if self.existing is None:
            return self.NEW
        return self.UPDATE if self.changes else self.UNCHANGED

    @property
    def status_label(self) -> str:
        if self.status == self.UPDATE:
            return f"update (changed: {', '.join(self.changes)})"
        return self.status

    @property
    def cells(self) -> list[tuple[str, str, list[str]]]:
        """(column, raw value, errors) in the template's column order, for the preview table."""
        return [
            (column, self.raw.get(column, ""), self.errors.get(column, [])) for column in COLUMNS
        ]


@dataclass
class RosterPreview:
    rows: list[RosterRow]
    file_errors: list[str] = field(default_factory=list)
    encoding: str = ""  # a CSV's encoding in words, for the preview to name

    @property
    def is_valid(self) -> bool:
        return not self.file_errors and bool(self.rows) and all(row.is_valid for row in self.rows)

    @property
    def invalid_rows(self) -> list[RosterRow]:
        return [row for row in self.rows if not row.is_valid]

    def count(self, status: str) -> int:
        return sum(1 for row in self.rows if row.is_valid and row.status == status)

    @property
    def counts(self) -> dict[str, int]:
        return {
            "rows": len(self.rows),
            "invalid": len(self.invalid_rows),
            "new": self.count(RosterRow.NEW),
            "update": self.count(RosterRow.UPDATE),
            "unchanged": self.count(RosterRow.UNCHANGED),
        }

    def error_lines(self) -> list[str]:
        """One line per bad field, e.g. 'row 7, specialty: unknown specialty "Cardiolgy"'."""
        lines = list(self.file_errors)
        for row in self.invalid_rows:
            for column, messages in row.errors.items():
                lines.extend(f"row {row.number}, {column}: {message}" for message in messages)
        return lines


# Reading the file --------------------------------------------------------------------------


def check_upload(*, name: str, size: int) -> str:
    """Return the file's extension (".csv" or ".xlsx") or raise RosterFileError."""
    extension = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in ALLOWED_EXTENSIONS:
        raise RosterFileError("Only .csv and .xlsx files are accepted.")
    if size > MAX_FILE_BYTES:
        raise RosterFileError(
            f"The file is {size / 1024 / 1024:.1f} MB; at most "
            f"{MAX_FILE_BYTES // 1024 // 1024} MB is accepted."
        )
    if size == 0:
        raise RosterFileError("The file is empty.")
    return extension


@dataclass
class RosterTable:
    """The file's rows as lists of text cells, header first, and how its text was read."""

    rows: list[list[str]]
    encoding: str = ""  # a CSV's encoding in words, e.g. "UTF-16 little-endian with BOM"


class _Reading:
    """Counts what has been read against the limits, so that no file holds a worker for long:
    rows (blank ones too), cells and seconds."""

    def __init__(self) -> None:
        self.rows: list[list[str]] = []
        self.filled = 0
        self.cells = 0
        self.deadline = time.monotonic() + PARSE_SECONDS

    def add(self, row: list[str]) -> bool:
        """Keep a row; False once there are more filled rows than any roster may have (the
        caller stops there and parse_roster says so)."""
        while row and not row[-1].strip():
            row.pop()  # a workbook pads every row to the columns read: those are not cells
        if len(self.rows) >= MAX_TABLE_ROWS:
            raise RosterFileError(
                f"The file has more than {MAX_TABLE_ROWS:,} rows, counting blank ones; delete "
                "the blank rows below the clinicians and upload it again."
            )
        self.cells += len(row)
        if self.cells > MAX_CELLS:
            raise RosterFileError(
                f"The file has more than {MAX_CELLS:,} cells; keep only the roster's columns "
                f"({', '.join(COLUMNS)}) and upload it again."
            )
        if time.monotonic() > self.deadline:
            raise RosterFileError(
                f"Reading the file took more than {PARSE_SECONDS} seconds; keep only the "
                "roster's rows and columns, save it as CSV and upload it again."
            )
        self.rows.append(row)
        self.filled += any(cell.strip() for cell in row)
        return self.filled <= MAX_ROWS + 1


def read_table(*, name: str, content: bytes) -> RosterTable:
    """The file's rows as text cells, header first. Raises RosterFileError for a file that
    cannot be read or breaks a limit."""
    extension = check_upload(name=name, size=len(content))
    if extension == ".xlsx":
        return RosterTable(rows=_read_xlsx(content))
    return _read_csv(content)


# Byte-order marks, longest first: UTF-32's little-endian mark begins with UTF-16's.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32", "UTF-32 little-endian with BOM"),
    (codecs.BOM_UTF32_BE, "utf-32", "UTF-32 big-endian with BOM"),
    (codecs.BOM_UTF8, "utf-8-sig", "UTF-8 with BOM"),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16 little-endian with BOM"),
    (codecs.BOM_UTF16_BE, "utf-16", "UTF-16 big-endian with BOM"),
)


def decode_csv(content: bytes) -> tuple[str, str]:
    """The text of a CSV file and its encoding in words: by its byte-order mark if it has one,
    else UTF-16 without a mark (told by its zero bytes, which UTF-8 text has none of but would
    decode), else UTF-8, else Windows-1252, the Latin-1 of Excel's "CSV" on Windows. Raises
    RosterFileError."""
    for bom, codec, label in _BOMS:
        if content.startswith(bom):
            try:
                return content.decode(codec), label
            except UnicodeDecodeError as error:
                raise RosterFileError(
                    f"The file starts with the byte-order mark of {label.split(' with')[0]} "
                    "but is not that text; save it as “CSV UTF-8” and upload it again."
                ) from error
    if b"\x00" in content and len(content) % 2 == 0:
        # Latin letters in UTF-16 have a zero byte each (the odd bytes in little-endian); a
        # roster, its header at least, is mostly Latin letters, digits and punctuation.
        half = len(content) // 2
        even_zeros, odd_zeros = content[0::2].count(0), content[1::2].count(0)
        guess = None
        if odd_zeros > half // 5 and even_zeros < odd_zeros // 10:
            guess = ("utf-16-le", "UTF-16 little-endian")
        elif even_zeros > half // 5 and odd_zeros < even_zeros // 10:
            guess = ("utf-16-be", "UTF-16 big-endian")
        if guess is not None:
            try:
                return content.decode(guess[0]), guess[1]
            except UnicodeDecodeError:
                pass
    try:
        return content.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("cp1252"), "Windows-1252 (Latin-1)"
    except UnicodeDecodeError:
        # The five bytes Windows-1252 leaves undefined: ISO Latin-1 reads every byte.
        return content.decode("latin-1"), "Latin-1 (ISO-8859-1)"


def _read_csv(content: bytes) -> RosterTable:
    if content[:4] == b"PK\x03\x04":
        raise RosterFileError("The file is named .csv but is a zip or Excel file; name it .xlsx.")
    text, encoding = decode_csv(content)
    if "\x00" in text:
        raise RosterFileError("The file is named .csv but is not a text file.")
    try:
        sample = text[:4096]
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t") if sample.strip() else csv.excel
    except csv.Error:
        dialect = csv.excel
    reading = _Reading()
    try:
        for row in csv.reader(io.StringIO(text, newline=""), dialect):
            if not reading.add(row):
                break
    except csv.Error as error:
        raise RosterFileError(f"The CSV file cannot be read: {error}.") from error
    return RosterTable(rows=reading.rows, encoding=encoding)


def check_xlsx_archive(content: bytes) -> None:
    """Refuse an .xlsx before openpyxl opens it: not a zip, too many parts, too large once
    unpacked or packed too tightly (a "zip bomb"), or damaged. The sizes come from the zip's
    directory; zipfile never inflates a part past its listed size (it fails the checksum
    instead), so checking the parts after the sizes costs at most the size limit."""
    if content[:4] == b"\xd0\xcf\x11\xe0":
        raise RosterFileError(
            "The file is an old .xls workbook or a password-protected one; save it in Excel "
            "as .xlsx without a password, or as CSV, and upload it again."
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise RosterFileError("The file is named .xlsx but is not an Excel workbook.") from error
    with archive:
        parts = archive.infolist()
        if len(parts) > MAX_XLSX_PARTS:
            raise RosterFileError(
                f"The workbook has {len(parts):,} parts inside; a roster has a few dozen. "
                "Copy the roster into a new workbook, or save it as CSV, and upload it again."
            )
        unpacked = sum(part.file_size for part in parts)
        if unpacked > MAX_XLSX_UNPACKED_BYTES:
            raise RosterFileError(
                f"The workbook unpacks to {unpacked / 1024 / 1024:.1f} MB; at most "
                f"{MAX_XLSX_UNPACKED_BYTES // 1024 // 1024} MB is accepted. Copy the roster "
                "into a new workbook, or save it as CSV, and upload it again."
            )
        packed = sum(part.compress_size for part in parts)
        if unpacked > 1024 * 1024 and unpacked > MAX_XLSX_RATIO * max(packed, 1):
            raise RosterFileError(
                f"The workbook unpacks to {unpacked // max(packed, 1):,} times its size; "
                f"a roster packs at most {MAX_XLSX_RATIO} times smaller. Save it as CSV and "
                "upload it again."
            )
        try:
            damaged = archive.testzip()
        except Exception as error:  # zlib.error, BadZipFile, NotImplementedError, RuntimeError
            raise RosterFileError(
                "The workbook is damaged and cannot be unpacked; open it in Excel, save it "
                "again and upload it again."
            ) from error
    if damaged is not None:
        raise RosterFileError(
            f"The workbook is damaged: its part {damaged} fails its checksum; open it in "
            "Excel, save it again and upload it again."
        )


def _read_xlsx(content: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    check_xlsx_archive(content)
    unreadable = "The file is named .xlsx but is not a readable workbook."
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except Exception as error:  # openpyxl raises many kinds for a damaged workbook
        raise RosterFileError(unreadable) from error
    reading = _Reading()
    try:
        sheet = workbook.worksheets[0]
        for values in sheet.iter_rows(values_only=True, max_col=len(COLUMNS) + 20):
            if not reading.add([_cell_text(value) for value in values]):
                break
    except RosterFileError:
        raise
    except Exception as error:  # the sheet's XML is read lazily, row by row
        raise RosterFileError(unreadable) from error
    finally:
        workbook.close()
    return reading.rows


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# Parsing -----------------------------------------------------------------------------------


def _header_key(text: str) -> str:
    return text.strip().lower().replace(" ", "_").replace("-", "_")


def _suggest(value: str, names: Iterable[str]) -> str:
    """' (did you mean "X"?)' for the closest known name, or ''."""
    by_key = {name_key(name): name for name in names}
    match = difflib.get_close_matches(name_key(value), list(by_key), n=1, cutoff=0.75)
    return f' (did you mean "{by_key[match[0]]}"?)' if match else ""


def parse_roster(*, name: str, content: bytes) -> RosterPreview:
    """Read and check a whole roster file against the catalogue and the existing clinicians.

    Returns a preview; a file that cannot be read at all gives a preview with `file_errors`
    and no rows. Makes a handful of queries whatever the number of rows."""
    try:
        read = read_table(name=name, content=content)
    except RosterFileError as error:
        return RosterPreview(rows=[], file_errors=[str(error)])
    preview = _preview_of(read.rows)
    preview.encoding = read.encoding
    return preview


def _preview_of(table: list[list[str]]) -> RosterPreview:
    while table and not any(cell.strip() for cell in table[0]):
        table.pop(0)
    if not table:
        return RosterPreview(rows=[], file_errors=["The file has no header row."])
    header = [_header_key(cell) for cell in table[0]]
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        return RosterPreview(
            rows=[],
            file_errors=[
                f"Missing column{'s' if len(missing) > 1 else ''}: {', '.join(missing)} "
                f"(the header row must name {', '.join(COLUMNS)})."
            ],
        )
    index = {column: header.index(column) for column in COLUMNS if column in header}
    data = [
        (number, cells)
        for number, cells in enumerate(table[1:], start=2)
        if any(cell.strip() for cell in cells)
    ]
    if len(data) > MAX_ROWS:
        return RosterPreview(
            rows=[],
            file_errors=[f"The file has more than {MAX_ROWS:,} rows; split it into smaller files."],
        )
    if not data:
        return RosterPreview(rows=[], file_errors=["The file has a header row but no clinicians."])

    rows = []
    for number, cells in data:
        raw = {
            column: (cells[position].strip() if position < len(cells) else "")
            for column, position in index.items()
        }
        rows.append(RosterRow(number=number, raw=raw))
    _check_rows(rows)
    return RosterPreview(rows=rows)


def _check_rows(rows: list[RosterRow]) -> None:
    # Matched as their names are kept unique: case and spaces aside.
    specialties = {specialty.name_key: specialty for specialty in Specialty.objects.all()}
    sites = {site.name: site for site in Site.objects.all()}
    sites_lower = {name.lower(): site for name, site in sites.items()}
    departments = {
        (department.name.lower(), department.site_id): department
        for department in Department.objects.select_related("site")
    }

    for row in rows:
        _check_names(row)
        _check_credentials(row)
        _check_email(row)
        _check_role(row)
        _check_sites(row, sites, sites_lower)
        if row.role == Clinician.Role.SPECIALIST:
            _check_specialty(row, specialties)
        if row.role == Clinician.Role.PRIMARY_CARE:
            _check_department(row, departments)

    _check_duplicate_emails(rows)
    _compare_with_existing(rows)


def _check_names(row: RosterRow) -> None:
    for column in ("first_name", "last_name"):
        value = row.raw.get(column, "")
        if not value:
            row.add_error(column, f"{FIELD_LABELS[column]} is missing")
        elif len(value) > 100:
            row.add_error(column, f"{FIELD_LABELS[column]} is longer than 100 characters")
        else:
            setattr(row, column, value)


def _check_credentials(row: RosterRow) -> None:
    try:
        row.credentials = normalize_credentials(row.raw.get("credentials", ""))
    except ValidationError as error:
        row.add_error("credentials", " ".join(error.messages))


def _check_email(row: RosterRow) -> None:
    value = row.raw.get("email", "")
    if not value:
        row.add_error("email", "email is missing")
        return
    try:
        validate_email(value)
    except ValidationError:
        row.add_error("email", f'invalid email "{value}"')
        return
    row.email = value.lower()


def _check_role(row: RosterRow) -> None:
    value = row.raw.get("role", "")
    expected = "expected primary-care, specialist or leader"
    if not value:
        row.add_error("role", f"role is missing ({expected})")
        return
    role = ROLE_ALIASES.get(" ".join(value.lower().replace("_", " ").split()))
    if role is None:
        row.add_error("role", f'unknown role "{value}" ({expected})')
        return
    row.role = role


def _check_sites(row: RosterRow, sites: dict, sites_lower: dict) -> None:
    names = [name.strip() for name in row.raw.get("sites", "").split(";") if name.strip()]
    found = []
    for name in names:
        site = sites_lower.get(name.lower())
        if site is None:
            row.add_error("sites", f'unknown site "{name}"{_suggest(name, sites)}')
        elif site not in found:
            found.append(site)
    row.sites = found


def _check_specialty(row: RosterRow, specialties: dict[str, Specialty]) -> None:
    value = row.raw.get("specialty", "")
    if not value:
        row.add_error("specialty", "specialty is missing (required for specialists)")
        return
    specialty = specialties.get(name_key(value))
    if specialty is None:
        active = [s.name for s in specialties.values() if s.is_active]
        row.add_error("specialty", f'unknown specialty "{value}"{_suggest(value, active)}')
        return
    if not specialty.is_active:
        row.add_error(
            "specialty",
            f'the specialty "{specialty.name}" is retired (reactivate it on its page, or name '
            "another)",
        )
        return
    row.specialty = specialty


def _check_department(row: RosterRow, departments: dict) -> None:
    value = row.raw.get("department", "")
    if not value:
        row.add_error("department", "department is missing (required for primary care)")
        return
    if not row.raw.get("sites", "").strip():
        row.add_error(
            "sites", "sites is missing (the first site holds a primary-care clinician's department)"
        )
        return
    if not row.sites or "sites" in row.errors:
        return  # the site itself is wrong; that error says enough
    site = row.sites[0]
    department = departments.get((value.lower(), site.pk))
    if department is None:
        at_site = sorted(d.name for d in departments.values() if d.site_id == site.pk)
        hint = _suggest(value, dict.fromkeys(at_site))
        if not hint:
            hint = f" ({site.name} has {', '.join(at_site) if at_site else 'no department'})"
        row.add_error("department", f'no department "{value}" at {site.name}{hint}')
        return
    row.department = department


def _check_duplicate_emails(rows: list[RosterRow]) -> None:
    by_email: dict[str, list[RosterRow]] = {}
    for row in rows:
        if row.email:
            by_email.setdefault(row.email, []).append(row)
    for same in by_email.values():
        if len(same) < 2:
            continue
        for row in same:
            others = ", ".join(str(other.number) for other in same if other is not row)
            row.add_error(
                "email",
                f'duplicate email "{row.raw["email"]}" (also on row{"s" if len(same) > 2 else ""} '
                f"{others})",
            )


def _compare_with_existing(rows: list[RosterRow]) -> None:
    emails = [row.email for row in rows if row.email]
    existing = {
        clinician.email.lower(): clinician
        for clinician in Clinician.objects.filter(email__in=emails).prefetch_related("sites")
    }
    for row in rows:
        clinician = existing.get(row.email)
        if clinician is None:
            continue
        row.existing = clinician
        if row.is_valid:
            row.changes = _changes(row, clinician)


def _changes(row: RosterRow, clinician: Clinician) -> list[str]:
    new_values = roster_values(row)
    changes = []
    for name, value in new_values.items():
        if name in ("specialty", "department"):
            # Compare ids: following the foreign key would cost a query a row.
            differs = getattr(clinician, f"{name}_id") != (value.pk if value else None)
        else:
            differs = getattr(clinician, name) != value
        if differs:
            changes.append(FIELD_LABELS[name])
    if {site.pk for site in clinician.sites.all()} != {site.pk for site in row.sites}:
        changes.append("sites")
    if not clinician.is_active:
        changes.append("reactivated")
    return changes


ROSTER_FIELDS = ("first_name", "last_name", "credentials", "role", "specialty", "department")


def roster_values(row: RosterRow) -> dict:
    """The clinician's field values a valid row sets (sites apart)."""
    return {
        "first_name": row.first_name,
        "last_name": row.last_name,
        "credentials": row.credentials,
        "role": row.role,
        "specialty": row.specialty if row.role == Clinician.Role.SPECIALIST else None,
        "department": row.department if row.role == Clinician.Role.PRIMARY_CARE else None,
    }


def template_csv() -> str:
    """A roster template: the header row and two example rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    writer.writerows(TEMPLATE_ROWS)
    return buffer.getvalue()
