"""What a file really is, whatever its name says: a workbook saved with a ``.csv`` name is told
apart from CSV text by its first bytes, so its error says so instead of failing to decode."""

from __future__ import annotations

__all__ = ["not_text_problem"]

# ZIP local file header (.xlsx, .ods) and the OLE2 compound file (.xls).
_WORKBOOK_SIGNATURES = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")


def not_text_problem(first_bytes: bytes) -> str | None:
    """The problem to report when a file expected to be CSV text is a workbook, else None."""
    if first_bytes.startswith(_WORKBOOK_SIGNATURES):
        return (
            "is a spreadsheet workbook (xlsx, ods or xls), not CSV text; open it and save it as "
            "CSV (UTF-8), or give the workbook to an option that reads workbooks"
        )
    return None
