"""Tables as downloads: XLSX (openpyxl) or CSV in UTF-8 with a byte-order mark, so that Excel opens the Chinese
text, with a Content-Disposition that carries the Chinese file name (RFC 6266 `filename*`) and an ASCII one."""

import csv
import io
from collections.abc import Sequence
from urllib.parse import quote

from flask import Response
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv"
RESPONSES = {"200": {"description": "the table as a download", "content": {
    XLSX: {"schema": {"type": "string", "format": "binary"}},
    "text/csv": {"schema": {"type": "string"}}}}}
_FORMULA = ("=", "+", "-", "@", "\t", "\r")  # a cell starting so is run as a formula by spreadsheet programs


def _plain(value):
    """Text that a spreadsheet program would run as a formula is quoted (OWASP CSV injection)."""
    return f"'{value}" if isinstance(value, str) and value.startswith(_FORMULA) else value


def xlsx_bytes(title: str, headers: Sequence[str], rows: Sequence[Sequence]) -> bytes:
    """One sheet: bold headers, wrapped text, the header row frozen."""
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]  # Excel's limit
    sheet.append(list(headers))
    for row in rows:
        sheet.append([_plain(value) for value in row])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(headers: Sequence[str], rows: Sequence[Sequence]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows([_plain(value) for value in row] for row in rows)
    return out.getvalue().encode("utf-8-sig")


def download(fmt: str, name: str, ascii_name: str, title: str, headers: Sequence[str],
             rows: Sequence[Sequence]) -> Response:
    """The table as an attachment `name.<fmt>` (`ascii_name.<fmt>` for clients without RFC 6266)."""
    data = xlsx_bytes(title, headers, rows) if fmt == "xlsx" else csv_bytes(headers, rows)
    disposition = f"attachment; filename=\"{ascii_name}.{fmt}\"; filename*=UTF-8''{quote(f'{name}.{fmt}')}"
    return Response(data, mimetype=XLSX if fmt == "xlsx" else CSV, headers={
        "Content-Disposition": disposition, "Cache-Control": "private, no-store",
        "X-Content-Type-Options": "nosniff"})
