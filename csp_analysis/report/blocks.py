"""Accessible HTML fragments for the published reports.

Notebooks compute with ``csp_analysis`` and show results with
``IPython.display.HTML(blocks.figure_block(chart))`` and friends; nbconvert copies the fragments
into the page unchanged. Every fragment:

* escapes every piece of text it is given (nothing a data file holds can inject markup);
* carries no script and no inline style, only ``csp-`` classes styled by :data:`BLOCKS_CSS`,
  which the report template inlines (see docs/accessibility.md for the class list);
* is self-contained: images and CSV downloads are ``data:`` URIs, so a page opened offline is
  the same page and loading it tells no server that someone read it;
* is deterministic: the same calls in the same order give byte-identical HTML, so re-running a
  report changes nothing that did not change.

Tables follow the GSS Analysis Function guidance "Releasing statistics in spreadsheets" and
"Symbols in tables" (captions, header scopes, right-aligned numbers with thousands separators,
``[c]`` for confidential and ``[x]`` for not available, explained in a note) and the WCAG 2.2
techniques H39 (caption), H63 (scope) and, for the scrollable region that keeps a wide table
readable at 320 CSS pixels (SC 1.4.10 Reflow), the ARIA region pattern with ``tabindex="0"``
so a keyboard user can scroll it (SC 2.1.1).
"""

from __future__ import annotations

import base64
import hashlib
import html
import itertools
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from csp_analysis.core.exceptions import ReportError
from csp_analysis.report import wording
from csp_analysis.report.wording import NOT_AVAILABLE, SUPPRESSED

__all__ = [
    "BLOCKS_CSS",
    "DATA_SUMMARY",
    "Headline",
    "caveat_block",
    "csv_text",
    "data_uri",
    "findings_block",
    "headline_block",
    "paragraph_block",
    "section",
    "table_block",
]

DATA_SUMMARY = "Show the data for this chart"
SUPPRESSED_NOTE = (
    "[c] = confidential: the figure is withheld because it is small enough to risk "
    "identifying someone, or because it would let a withheld figure be worked out from a total."
)
NOT_AVAILABLE_NOTE = "[x] = not available: there is no figure for this cell."

NumberFormat = int | Callable[[object], str] | Mapping[str, int | Callable[[object], str]] | None

# Element ids must be unique in a page. A per-kernel counter (reports run one notebook per fresh
# kernel) plus a content hash keeps ids unique AND reproducible between runs.
_ids = itertools.count(1)
_anchors: dict[str, int] = {}
_YEARISH = re.compile(r"\b(year|years)\b", re.IGNORECASE)
_NOT_COUNT = re.compile(
    r"population|year|rank|rate|per |%|percent|average|mean|median|limit|forecast|interval|"
    r"adjusted|expected|change|lower|upper|score|ratio|index",
    re.IGNORECASE,
)


def escape_html(text: object) -> str:
    return html.escape(str(text), quote=True)


def _new_id(prefix: str, *content: str) -> str:
    digest = hashlib.sha1("\x1f".join(content).encode("utf-8")).hexdigest()[:6]
    return f"csp-{prefix}{next(_ids)}-{digest}"


def slugify(text: str) -> str:
    """A lower-case, hyphenated file-name slug (ASCII letters, digits and hyphens only)."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug or "chart"


def data_uri(payload: bytes, mime: str) -> str:
    """A base64 ``data:`` URI for ``payload``.

    Parameters
    ----------
    payload : bytes
    mime : str
        E.g. ``"image/png"`` or ``"text/csv;charset=utf-8"``.

    Returns
    -------
    str
    """
    return f"data:{mime};base64,{base64.b64encode(payload).decode('ascii')}"


# --------------------------------------------------------------------------- cell formatting


def _is_marker(value: object) -> bool:
    return isinstance(value, str) and value.strip() in (SUPPRESSED, NOT_AVAILABLE)


def _is_missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    try:
        return bool(isinstance(value, float | np.floating) and math.isnan(value))
    except TypeError:
        return False


# Text that reads as a number in a table cell: "1,234", "38.0%", "+4.5", "−2", "£12.50".
_NUMERIC_TEXT = re.compile(r"^[+\-−]?[£$€]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?\s?%?$")


def _numbers(values: pd.Series) -> list[float]:
    """The cells that are real numbers (not markers, text or missing), as floats."""
    return [
        float(v)
        for v in values
        if isinstance(v, int | float | np.integer | np.floating)
        and not isinstance(v, bool | np.bool_)
        and not _is_missing(v)
    ]


def _numeric_column(values: pd.Series) -> bool:
    """True when every cell is a number, number-like text ("38.0%", already formatted), a
    marker or missing, and at least one is not missing ([c] and [x] stand in for numbers), or
    the column's dtype is numeric. Such columns are right-aligned."""
    seen_number = pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(
        values.dtype
    )
    for value in values:
        if _is_missing(value):
            continue
        if _is_marker(value):
            seen_number = True
            continue
        if isinstance(value, bool | np.bool_):
            return False
        if isinstance(value, int | float | np.integer | np.floating):
            seen_number = True
            continue
        if isinstance(value, str) and _NUMERIC_TEXT.match(value.strip()):
            seen_number = True
            continue
        return False
    return seen_number


def _whole(values: pd.Series) -> bool:
    return all(v.is_integer() for v in _numbers(values))


def _year_like(name: str, values: pd.Series) -> bool:
    numbers = _numbers(values)
    return bool(_YEARISH.search(name)) and all(
        v.is_integer() and 1800 <= v <= 2200 for v in numbers
    )


def _formatter(
    name: str, values: pd.Series, number_format: NumberFormat
) -> Callable[[object], str]:
    spec = number_format.get(name) if isinstance(number_format, Mapping) else number_format
    if callable(spec):
        custom = spec

        def fmt(value: object) -> str:
            if isinstance(value, str):  # markers and numbers formatted upstream stay as given
                return value.strip()
            return NOT_AVAILABLE if _is_missing(value) else str(custom(value))

        return fmt
    if _numbers(values) and _year_like(name, values):
        return lambda v: (
            v.strip()
            if isinstance(v, str)
            else (NOT_AVAILABLE if _is_missing(v) else str(int(float(v))))
        )
    decimals = spec if isinstance(spec, int) else (0 if _whole(values) else 1)
    return lambda v: wording.number(v.strip() if _is_marker(v) else v, decimals)


def _label(value: object) -> str:
    """A row or column label: month-start Timestamps read as 'April 2023'."""
    if isinstance(value, pd.Timestamp | np.datetime64):
        stamp = pd.Timestamp(value)
        if stamp.day == 1 and stamp == stamp.normalize():
            return stamp.strftime("%B %Y")
        return f"{stamp.day} {stamp:%B %Y}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, tuple):
        return " - ".join(_label(v) for v in value)
    return str(value)


def _csv_label(value: object) -> str:
    if isinstance(value, pd.Timestamp | np.datetime64):
        stamp = pd.Timestamp(value)
        if stamp.day == 1 and stamp == stamp.normalize():
            return stamp.strftime("%Y-%m")
        return stamp.strftime("%Y-%m-%d")
    return _label(value)


def _prepare(frame: pd.DataFrame, what: str) -> tuple[pd.DataFrame, str, list]:
    """Split a frame into (body columns, row-header name, row-header values)."""
    if not isinstance(frame, pd.DataFrame):
        raise ReportError(f"{what}: expected a pandas DataFrame, got {type(frame).__name__}")
    if frame.columns.duplicated().any():
        raise ReportError(
            f"{what}: column {frame.columns[frame.columns.duplicated()][0]!r} appears twice"
        )
    body = frame.copy()
    if isinstance(body.columns, pd.MultiIndex):
        body.columns = [" - ".join(map(str, c)) for c in body.columns]
    body.columns = [_label(c) for c in body.columns]
    default_index = isinstance(body.index, pd.RangeIndex) and body.index.name is None
    if default_index:
        if body.shape[1] < 1:
            raise ReportError(f"{what}: the table has no columns")
        # No meaningful index: the first column names the rows.
        header_name = str(body.columns[0])
        headers = list(body.iloc[:, 0])
        body = body.iloc[:, 1:]
    else:
        names = [n for n in (body.index.names or []) if n is not None]
        header_name = " - ".join(map(str, names)) if names else ""
        headers = list(body.index)
    return body, header_name, headers


# --------------------------------------------------------------------------- tables


def table_block(
    df: pd.DataFrame,
    caption: str,
    note: str | Sequence[str] | None = None,
    number_format: NumberFormat = None,
    *,
    count_columns: Sequence[str] | None = None,
    suppression_note: str | None = None,
) -> str:
    """An accessible HTML table in a keyboard-scrollable region.

    Parameters
    ----------
    df : pandas.DataFrame or csp_analysis.analysis.disclosure.SuppressedTable
        The table (a ``SuppressedTable`` publishes its ``display`` with its ``note``, every
        column marked as counts). Its index names the rows (``<th scope="row">``); with an unnamed default
        RangeIndex the first column does instead. Month-start Timestamps read as "April 2023".
        Cells may hold numbers, text, ``"[c]"`` (suppressed; e.g. the ``display`` of
        :func:`csp_analysis.analysis.disclosure.suppress`, whose strings such as ``"1,234"`` are read as
        numbers) or NaN/None (shown as ``"[x]"``).
    caption : str
        The table caption (required: it names the table and its scroll region).
    note : str or list of str, optional
        Notes printed under the table. A note explaining ``[c]`` and ``[x]`` is added when the
        table holds them.
    number_format : int, callable, or mapping of column name to int or callable, optional
        Decimal places (or a formatter) for numeric columns; by default whole-number columns
        get 0 decimals and others 1. Columns named like "Year" holding years are not given
        thousands separators.
    count_columns : list of str, optional
        Columns that hold counts (marked ``class="num count"`` for the disclosure checks); by
        default every whole-number column whose name is not a rate, population, year or rank.
    suppression_note : str, optional
        Replaces the standard ``[c]`` explanation (e.g. ``SuppressedTable.note``).

    Returns
    -------
    str
        ``<div class="csp-table">`` holding the scroll region, the table and its notes.

    Raises
    ------
    ReportError
        If ``df`` is not a DataFrame, has duplicate columns, or the caption is empty.
    """
    if not str(caption or "").strip():
        raise ReportError("table_block: every table needs a caption")
    cells = table_cells(
        df, note, number_format, count_columns=count_columns, suppression_note=suppression_note
    )
    table_id = _new_id("t", caption, cells.fingerprint)
    caption_id = f"{table_id}-caption"
    note_id = f"{table_id}-note"
    rows_html = []
    for header, row in zip(cells.row_headers, cells.rows, strict=True):
        parts_row = [f'<th scope="row">{escape_html(header)}</th>']
        for column, text in zip(cells.columns, row, strict=True):
            if cells.numeric[column]:
                css = "num count" if column in cells.counts else "num"
                parts_row.append(f'<td class="{css}">{escape_html(text)}</td>')
            else:
                parts_row.append(f"<td>{escape_html(text)}</td>")
        rows_html.append("<tr>" + "".join(parts_row) + "</tr>")

    head_cells = [
        f'<th scope="col">{escape_html(cells.header_name)}</th>'
        if cells.header_name
        else '<td class="csp-corner"></td>'
    ]
    head_cells += [
        (
            f'<th scope="col" class="num">{escape_html(c)}</th>'
            if cells.numeric[c]
            else f'<th scope="col">{escape_html(c)}</th>'
        )
        for c in cells.columns
    ]
    described = f' aria-describedby="{note_id}"' if cells.notes else ""
    parts = [
        '<div class="csp-table">',
        f'<div class="csp-table-wrap" role="region" aria-labelledby="{caption_id}" tabindex="0">',
        f'<table id="{table_id}"{described}>',
        f'<caption id="{caption_id}">{escape_html(caption)}</caption>',
        "<thead><tr>" + "".join(head_cells) + "</tr></thead>",
        "<tbody>",
        *rows_html,
        "</tbody>",
        "</table>",
        "</div>",
    ]
    if cells.notes:
        parts.append(f'<div class="csp-table-notes" id="{note_id}">')
        parts.extend(f"<p>{escape_html(n)}</p>" for n in cells.notes)
        parts.append("</div>")
    parts.append("</div>")
    return "\n".join(parts)


@dataclass(frozen=True)
class TableCells:
    """A table exactly as published: every cell as the page prints it, with its notes.

    The one place a table's cells are formatted, so the page (:func:`table_block`) and the
    spreadsheet published beside it (:mod:`csp_analysis.report.spreadsheet`) cannot disagree.
    """

    header_name: str  # the row-header column's name ("" when the rows are unnamed)
    columns: list[str]
    row_headers: list[str]
    rows: list[list[str]]  # display text, one list per row, in column order
    numeric: dict[str, bool]
    counts: frozenset[str]
    notes: list[str]
    fingerprint: str  # the cells as CSV, for stable element ids


def table_cells(
    df: pd.DataFrame,
    note: str | Sequence[str] | None = None,
    number_format: NumberFormat = None,
    *,
    count_columns: Sequence[str] | None = None,
    suppression_note: str | None = None,
) -> TableCells:
    """Format a table's cells and notes as the page shows them (see :func:`table_block`)."""
    if not isinstance(df, pd.DataFrame) and hasattr(df, "display") and hasattr(df, "mask"):
        # A disclosure.SuppressedTable: publish its display (never its values) with its note;
        # every cell of it, totals included, is a count.
        suppression_note = suppression_note or (df.note or None)
        df = df.display
        if count_columns is None:
            count_columns = [str(c) for c in df.columns]
    body, header_name, headers = _prepare(df, "table_block")
    body = body.apply(_numbers_from_display)
    numeric = {c: _numeric_column(body[c]) for c in body.columns}
    formatters = {c: _formatter(c, body[c], number_format) for c in body.columns if numeric[c]}
    if count_columns is None:
        counts = {
            c
            for c in body.columns
            if numeric[c]
            and _numbers(body[c])
            and _whole(body[c])
            # Pre-formatted text such as "38.0%" says the column is not a plain count.
            and not any(isinstance(v, str) and not _is_marker(v) for v in body[c])
            and not _NOT_COUNT.search(c)
            and not (isinstance(number_format, Mapping) and callable(number_format.get(c)))
        }
    else:
        unknown = set(count_columns) - set(body.columns)
        if unknown:
            raise ReportError(
                f"table_block: count column {sorted(unknown)[0]!r} is not in the table"
            )
        counts = set(count_columns)

    has_suppressed = has_missing = False
    rows = []
    for _, row in body.iterrows():
        texts = []
        for column in body.columns:
            value = row[column]
            if _is_marker(value):
                has_suppressed |= value.strip() == SUPPRESSED
                has_missing |= value.strip() == NOT_AVAILABLE
            elif _is_missing(value):
                has_missing = True
            if numeric[column]:
                texts.append(formatters[column](value))
            else:
                texts.append(NOT_AVAILABLE if _is_missing(value) else _label(value))
        rows.append(texts)
    notes = [note] if isinstance(note, str) else list(note or [])
    if has_suppressed:
        notes.append(suppression_note or SUPPRESSED_NOTE)
    if has_missing:
        notes.append(NOT_AVAILABLE_NOTE)
    return TableCells(
        header_name=header_name,
        columns=[str(c) for c in body.columns],
        row_headers=[_label(h) for h in headers],
        rows=rows,
        numeric=numeric,
        counts=frozenset(counts),
        notes=[str(n) for n in notes if str(n).strip()],
        fingerprint=body.to_csv(),
    )


_DISPLAY_NUMBER = re.compile(r"^[\u2212-]?\d{1,3}(,\d{3})*(\.\d+)?$|^[\u2212-]?\d+(\.\d+)?$")


def _numbers_from_display(values: pd.Series) -> pd.Series:
    """Read pre-formatted numbers ("1,234", "−5") back as numbers, so they align and format.

    Only when every non-marker cell of the column reads as a number: a text column that merely
    contains digits is left as text.
    """
    if pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_bool_dtype(values.dtype):
        return values
    values = values.astype(object)
    texts = [v for v in values if isinstance(v, str) and not _is_marker(v)]
    if not texts or len(texts) + sum(1 for v in values if _is_marker(v) or _is_missing(v)) != len(
        values
    ):
        return values
    if not all(_DISPLAY_NUMBER.match(t.strip()) for t in texts):
        return values

    def convert(value: object) -> object:
        if isinstance(value, str) and not _is_marker(value):
            number = float(value.strip().replace(",", "").replace("\u2212", "-"))
            return int(number) if number.is_integer() and "." not in value else number
        return value

    return values.map(convert).astype(object)


def csv_text(df: pd.DataFrame, decimals: Mapping[str, int] | None = None) -> str:
    """The table as CSV: plain numbers (no separators), ``[c]``/``[x]`` markers, ISO months.

    Parameters
    ----------
    df : pandas.DataFrame
        As for :func:`table_block`.
    decimals : mapping of column name to int, optional
        Rounding per column.

    Returns
    -------
    str
        CSV text with a header row and CRLF line ends (RFC 4180).
    """
    body, header_name, headers = _prepare(df, "csv_text")
    body = body.apply(_numbers_from_display)
    decimals = dict(decimals or {})
    lines = [[header_name or "", *map(str, body.columns)]]
    for header, (_, row) in zip(headers, body.iterrows(), strict=True):
        line = [_csv_label(header)]
        for column in body.columns:
            value = row[column]
            if _is_marker(value):
                line.append(value.strip())
            elif _is_missing(value):
                line.append(NOT_AVAILABLE)
            elif isinstance(value, int | float | np.integer | np.floating) and not isinstance(
                value, bool | np.bool_
            ):
                places = decimals.get(column)
                if places is None:
                    line.append(str(int(value)) if float(value).is_integer() else f"{value:.6g}")
                else:
                    line.append(f"{float(value):.{places}f}")
            else:
                line.append(_label(value))
        lines.append(line)
    return "".join(",".join(_csv_field(f) for f in line) + "\r\n" for line in lines)


def _csv_field(text: str) -> str:
    # A cell starting with =, +, - (unless a number), @, a tab or a carriage return - after any
    # spaces - is run as a formula by spreadsheets (CSV injection, OWASP): guard it first, then
    # quote, so a formula holding a comma or a quote is guarded too.
    first = text.lstrip(" ")[:1]
    if first in ("=", "+", "@", "\t", "\r") or (first == "-" and not _looks_numeric(text)):
        text = "'" + text
    if any(ch in text for ch in ',"\r\n') or text != text.strip():
        return '"' + text.replace('"', '""') + '"'
    return text


def _looks_numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def file_size(n_bytes: int) -> str:
    return f"{max(1, round(n_bytes / 1024))} KB" if n_bytes >= 1024 else f"{n_bytes} bytes"


# --------------------------------------------------------------------------- text blocks


def section(title: str, level: int = 2, *, anchor: str | None = None) -> str:
    """A heading for a section of the report.

    Parameters
    ----------
    title : str
    level : int, default 2
        2 to 4: the page's single h1 belongs to the template, and headings must not skip a
        level (h2 then h3), which the browser tests check.
    anchor : str, optional
        The heading's id (for links); defaults to a slug of the title, made unique in the
        page by a numeric suffix when a title repeats.

    Returns
    -------
    str
    """
    if level not in (2, 3, 4):
        raise ReportError(
            f"section: heading level must be 2, 3 or 4 (the h1 is the page title), got {level}"
        )
    if not str(title).strip():
        raise ReportError("section: empty heading")
    if anchor is None:
        # Ids must be unique in a page: a repeated title gets "-2", "-3"... (per kernel, so
        # reproducible between runs).
        base = slugify(title)
        _anchors[base] = _anchors.get(base, 0) + 1
        anchor = base if _anchors[base] == 1 else f"{base}-{_anchors[base]}"
    return f'<h{level} id="{escape_html(anchor)}">{escape_html(title)}</h{level}>'


def paragraph_block(*paragraphs: str) -> str:
    """One or more paragraphs of plain text, escaped."""
    return "\n".join(f"<p>{escape_html(p)}</p>" for p in paragraphs if str(p).strip())


@dataclass(frozen=True)
class Headline:
    """One key figure: a label, the value, and optional context.

    Attributes
    ----------
    label : str
        E.g. "Offences, year ending March 2026".
    value : number or str
        Numbers get thousands separators (``decimals`` places); strings are shown as given.
    context : str, optional
        E.g. "up 5% on the year before".
    decimals : int, default 0
    """

    label: str
    value: object
    context: str | None = None
    decimals: int = 0


def headline_block(
    items: Iterable[Headline | tuple | Mapping], heading: str | None = None, level: int = 3
) -> str:
    """Key figures as a description list (label, value, context).

    Parameters
    ----------
    items : iterable of Headline, (label, value[, context]) tuples or mappings
    heading : str, optional
        A heading above the figures.
    level : int, default 3

    Returns
    -------
    str
    """
    figures = []
    for item in items:
        if isinstance(item, Headline):
            figures.append(item)
        elif isinstance(item, Mapping):
            figures.append(Headline(**item))
        elif isinstance(item, tuple) and 2 <= len(item) <= 4:
            figures.append(Headline(*item))
        else:
            raise ReportError(f"headline_block: cannot read {item!r} as a key figure")
    if not figures:
        raise ReportError("headline_block: no key figures given")
    parts = ['<div class="csp-headlines">']
    if heading:
        parts.append(section(heading, level))
    parts.append("<dl>")
    for figure in figures:
        value = (
            figure.value
            if isinstance(figure.value, str)
            else wording.number(figure.value, figure.decimals)
        )
        parts.append('<div class="csp-headline">')
        parts.append(f"<dt>{escape_html(figure.label)}</dt>")
        parts.append(f'<dd class="csp-headline-value">{escape_html(value)}</dd>')
        if figure.context:
            parts.append(f'<dd class="csp-headline-context">{escape_html(figure.context)}</dd>')
        parts.append("</div>")
    parts.append("</dl>")
    parts.append("</div>")
    return "\n".join(parts)


def findings_block(
    sentences: Iterable[str], heading: str | None = "Key findings", level: int = 3
) -> str:
    """Findings as a bulleted list under an optional heading.

    Parameters
    ----------
    sentences : iterable of str
    heading : str or None, default "Key findings"
    level : int, default 3

    Returns
    -------
    str
    """
    items = [s for s in (str(x).strip() for x in sentences) if s]
    parts = ['<div class="csp-findings">']
    if heading:
        parts.append(section(heading, level))
    if items:
        parts.append("<ul>")
        parts.extend(f"<li>{escape_html(s)}</li>" for s in items)
        parts.append("</ul>")
    else:
        parts.append("<p>No findings to report for this period.</p>")
    parts.append("</div>")
    return "\n".join(parts)


def caveat_block(text: str | Sequence[str], title: str = "Caveat") -> str:
    """A highlighted note, e.g. the proxy caveat of a priority.

    Parameters
    ----------
    text : str or list of str
        One paragraph, or several.
    title : str, default "Caveat"
        Shown in bold before the first paragraph.

    Returns
    -------
    str
        ``<div class="csp-caveat" role="note">``.
    """
    paragraphs = [text] if isinstance(text, str) else list(text)
    paragraphs = [" ".join(str(p).split()) for p in paragraphs if str(p).strip()]
    if not paragraphs:
        raise ReportError("caveat_block: empty caveat")
    first = f'<p><strong class="csp-caveat-title">{escape_html(title)}:</strong> {escape_html(paragraphs[0])}</p>'
    rest = [f"<p>{escape_html(p)}</p>" for p in paragraphs[1:]]
    return "\n".join(['<div class="csp-caveat" role="note">', first, *rest, "</div>"])


# --------------------------------------------------------------------------- stylesheet

#: CSS for every class above; the report template inlines it after its own stylesheet.
#: Colours: text #0b0c0c (19:1 on white), links #1d70b8 (5.2:1), focus yellow #ffdd00 with a
#: #0b0c0c underline (the GOV.UK Design System focus style, visible on any background).
BLOCKS_CSS = """\
.csp-chart { margin: 1.5rem 0 2rem; }
.csp-visually-hidden {
  position: absolute !important; width: 1px !important; height: 1px !important;
  margin: 0 !important; padding: 0 !important; overflow: hidden !important;
  clip: rect(0 0 0 0) !important; clip-path: inset(50%) !important; border: 0 !important;
  white-space: nowrap !important;
}
.csp-figure { margin: 0; }
.csp-chart-img { display: block; max-width: 100%; height: auto; }
.csp-figure figcaption { font-weight: 700; margin-top: 0.5rem; }
.csp-chart-data { margin-top: 0.75rem; }
.csp-chart-data > summary {
  cursor: pointer; color: #1d70b8; text-decoration: underline; padding: 0.25rem 0;
  display: list-item; width: fit-content;
}
.csp-chart-data > summary:hover { color: #003078; }
.csp-chart-data > summary:focus-visible, .csp-download a:focus-visible,
.csp-table-wrap:focus-visible {
  outline: 3px solid transparent; background-color: #ffdd00; color: #0b0c0c;
  box-shadow: 0 -2px #ffdd00, 0 4px #0b0c0c; text-decoration: none;
}
.csp-table-wrap:focus-visible { background-color: transparent; outline: 3px solid #0b0c0c;
  outline-offset: 2px; box-shadow: 0 0 0 6px #ffdd00; }
.csp-download a { color: #1d70b8; }
.csp-download a:visited { color: #4c2c92; }
.csp-table { margin: 1rem 0 1.5rem; }
.csp-table-wrap { overflow-x: auto; max-width: 100%; }
.csp-table table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
.csp-table caption { text-align: left; font-weight: 700; padding-bottom: 0.5rem; }
/* A wide table scrolls inside its region; its caption stays in view and wraps to the screen. */
.csp-table-wrap caption, [role="region"] > table > caption {
  position: sticky; left: 0; max-width: min(calc(100vw - 2.5rem), 48rem);
}
.csp-table th, .csp-table td {
  border-bottom: 1px solid #b1b4b6; padding: 0.4rem 0.75rem 0.4rem 0; text-align: left;
  vertical-align: top;
}
.csp-table thead th { border-bottom: 2px solid #0b0c0c; }
.csp-table .num { text-align: right; }
.csp-table td.num { white-space: nowrap; }
.csp-table th.num { padding-left: 0.75rem; }
.csp-table-notes { font-size: 0.95em; }
.csp-table-notes p { margin: 0.25rem 0; }
.csp-headlines dl {
  display: grid; grid-template-columns: repeat(auto-fit, minmax(12rem, 1fr)); gap: 1rem;
  margin: 1rem 0;
}
.csp-headline { border-left: 5px solid #1d70b8; padding: 0.25rem 0 0.25rem 0.75rem; }
.csp-headline dt { font-weight: 400; }
.csp-headline dd { margin: 0; }
.csp-headline-value { font-size: 2rem; font-weight: 700; line-height: 1.2; }
.csp-headline-context { color: #0b0c0c; }
.csp-findings ul { padding-left: 1.25rem; }
.csp-findings li { margin-bottom: 0.4rem; }
.csp-caveat {
  border-left: 5px solid #b1b4b6; background: #f3f2f1; padding: 0.75rem 1rem; margin: 1rem 0;
}
.csp-caveat p { margin: 0.25rem 0; }
.csp-caveat-title { font-weight: 700; }
@media (max-width: 40rem) {
  .csp-headline-value { font-size: 1.5rem; }
}
@media print {
  .csp-chart, .csp-table, .csp-headline { break-inside: avoid; }
  .csp-chart-img { max-width: 100% !important; }
  .csp-chart-data::details-content { content-visibility: visible; display: contents; }
  .csp-chart-data > summary { display: none; }
  .csp-download { display: none; }
  .csp-table-wrap { overflow: visible; }
  .csp-table-wrap caption, [role="region"] > table > caption { position: static; max-width: none; }
  .csp-table table { width: 100%; font-size: 8.5pt; }
  .csp-table th, .csp-table td { padding: 0.15rem 0.3rem 0.15rem 0; }
  .csp-table th.num { padding-left: 0.3rem; }
  .csp-caveat { background: none; border-left-color: #0b0c0c; }
}
"""


# --------------------------------------------------------------------------- published tables

# The MIME type under which a displayed section also hands its tables, cells as printed, to the
# batch (the spreadsheet beside each page). Not rendered by the page template.
TABLES_MIME = "application/vnd.csp-analysis.tables+json"


@dataclass(frozen=True)
class PublishedTable:
    """One table a page shows: its caption and its cells exactly as printed."""

    caption: str
    cells: TableCells

    def to_json(self) -> dict:
        cells = self.cells
        return {
            "caption": self.caption,
            "header_name": cells.header_name,
            "columns": cells.columns,
            "row_headers": cells.row_headers,
            "rows": cells.rows,
            "numeric": [cells.numeric[c] for c in cells.columns],
            "counts": sorted(cells.counts),
            "notes": cells.notes,
        }

    @classmethod
    def from_json(cls, data: Mapping) -> PublishedTable:
        columns = [str(c) for c in data["columns"]]
        cells = TableCells(
            header_name=str(data["header_name"]),
            columns=columns,
            row_headers=[str(h) for h in data["row_headers"]],
            rows=[[str(v) for v in row] for row in data["rows"]],
            numeric=dict(zip(columns, (bool(n) for n in data["numeric"]), strict=True)),
            counts=frozenset(data.get("counts", [])),
            notes=[str(n) for n in data.get("notes", [])],
            fingerprint="",
        )
        return cls(caption=str(data["caption"]), cells=cells)
