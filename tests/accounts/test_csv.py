import csv
import io

from accounts.csv import safe_csv_cell, safe_csv_row


def test_safe_csv_cell_neutralises_formula_starts():
    cells = ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\t=x", "\r=x"]

    assert [safe_csv_cell(cell) for cell in cells] == [
        "'=1+1",
        "'+SUM(A1)",
        "'-2+3",
        "'@cmd",
        "'\t=x",
        "'\r=x",
    ]


def test_safe_csv_cell_leaves_plain_text_and_numbers_alone():
    cells = ["Dr Alex Doe", "a=b", "", None, -5, 2.5]

    assert [safe_csv_cell(cell) for cell in cells] == ["Dr Alex Doe", "a=b", "", None, -5, 2.5]


def test_safe_csv_row_writes_a_harmless_hyperlink_formula():
    buffer = io.StringIO()

    csv.writer(buffer).writerow(safe_csv_row(['=HYPERLINK("http://x")', "Doe"]))

    assert buffer.getvalue() == '"\'=HYPERLINK(""http://x"")",Doe\r\n'
