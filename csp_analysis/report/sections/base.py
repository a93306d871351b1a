"""A report section as an object: its parts (paragraphs, tables, charts, key figures, findings,
caveats), the exact figures it shows, and the accessible HTML it renders.

A section function (``review.year_to_date(ctx)``) returns a :class:`Section`. In JupyterLab the
object displays itself (``_repr_html_``) exactly as the published page shows it; the analyst can
read its numbers (``ytd.tables``), restyle a chart (``ytd.figures``), or change its words
(``ytd.paragraphs[0].text = "..."``, ``ytd.add(Paragraph("..."))``) and display it again, and the
exported page carries what the notebook displayed. The parts render through
:mod:`csp_analysis.report.blocks` and :func:`csp_analysis.report.charts.figure_block`, the
same code the published page has always used.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from csp_analysis.analysis.disclosure import SuppressedTable
from csp_analysis.report import blocks, charts, wording

__all__ = [
    "Caveat",
    "Markup",
    "Findings",
    "Heading",
    "KeyFigures",
    "Paragraph",
    "Section",
    "Table",
]


@dataclass
class Paragraph:
    """One paragraph of plain text (escaped when rendered)."""

    text: str

    def html(self) -> str:
        return blocks.paragraph_block(self.text)


@dataclass
class Heading:
    """A heading inside a section (level 3 or 4: the notebook's markdown holds the h2)."""

    title: str
    level: int = 3

    def html(self) -> str:
        return blocks.section(self.title, self.level)


@dataclass
class Table:
    """A table as published: its cells are the figures after disclosure control.

    The arguments are those of :func:`csp_analysis.report.blocks.table_block`; ``name`` keys the
    table in :attr:`Section.tables` (default: a slug of the caption).
    """

    frame: pd.DataFrame | SuppressedTable
    caption: str
    note: str | Sequence[str] | None = None
    number_format: Any = None
    count_columns: Sequence[str] | None = None
    suppression_note: str | None = None
    name: str | None = None

    @property
    def shown(self) -> pd.DataFrame:
        """The cells as the page shows them (``[c]`` where withheld)."""
        return self.frame.display if isinstance(self.frame, SuppressedTable) else self.frame

    @property
    def key(self) -> str:
        return self.name or blocks.slugify(self.caption)

    def html(self) -> str:
        return blocks.table_block(
            self.frame,
            self.caption,
            self.note,
            self.number_format,
            count_columns=self.count_columns,
            suppression_note=self.suppression_note,
        )


@dataclass
class KeyFigures:
    """Headline figures (label, value, context) under an optional heading."""

    items: list
    heading: str | None = None
    level: int = 3

    @property
    def shown(self) -> pd.DataFrame:
        rows = [
            item
            if isinstance(item, blocks.Headline)
            else blocks.Headline(**item)
            if isinstance(item, dict)
            else blocks.Headline(*item)
            for item in self.items
        ]
        return pd.DataFrame(
            {
                "Figure": [r.label for r in rows],
                "Value": [
                    r.value if isinstance(r.value, str) else wording.number(r.value, r.decimals)
                    for r in rows
                ],
                "Context": [r.context or "" for r in rows],
            }
        )

    def html(self) -> str:
        return blocks.headline_block(self.items, self.heading, self.level)


@dataclass
class Findings:
    """Key findings as a bulleted list."""

    sentences: list[str]
    heading: str | None = "Key findings"
    level: int = 3

    def html(self) -> str:
        return blocks.findings_block(self.sentences, self.heading, self.level)


@dataclass
class Caveat:
    """A highlighted note, such as a priority's proxy caveat."""

    text: str | Sequence[str]
    title: str = "Caveat"

    def html(self) -> str:
        return blocks.caveat_block(self.text, self.title)


@dataclass
class Markup:
    """HTML made by a trusted renderer (the commentary's sanitised Markdown), never raw input.

    ``source`` keeps the text it was made from, for :attr:`Section.text`.
    """

    markup: str
    source: str = ""

    def html(self) -> str:
        return self.markup


Part = Markup | Paragraph | Heading | Table | KeyFigures | Findings | Caveat | charts.Chart


def _flatten(parts: Iterable) -> list:
    flat = []
    for part in parts:
        if part is None:
            continue
        if isinstance(part, (list, tuple)):
            flat.extend(_flatten(part))
        elif isinstance(part, Section):
            flat.extend(part.parts)
        else:
            flat.append(part)
    return flat


@dataclass(repr=False)
class Section:
    """One section of a report: ordered parts that render to the published HTML.

    Attributes
    ----------
    name : str
        The section function's name (``"year_to_date"``).
    parts : list
        :class:`Paragraph`, :class:`Heading`, :class:`Table`, :class:`KeyFigures`,
        :class:`Findings`, :class:`Caveat` and :class:`csp_analysis.report.charts.Chart`, in page
        order. Edit them freely; the section renders what they hold when displayed.
    failed : bool
        True when the section could not be computed and holds only the sentence saying so.
    """

    name: str
    parts: list = field(default_factory=list)
    failed: bool = False

    def __post_init__(self) -> None:
        self.parts = _flatten(self.parts)

    # ------------------------------------------------------------------ what it shows

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table the section shows, by name: its own tables, each chart's data table and
        the key figures, exactly as published (after disclosure control)."""
        out: dict[str, pd.DataFrame] = {}
        for part in self.parts:
            if isinstance(part, Table):
                out[part.key] = part.shown
            elif isinstance(part, charts.Chart):
                out[part.name] = part.data
            elif isinstance(part, KeyFigures):
                out["key_figures"] = part.shown
        return out

    def published_tables(self) -> list[blocks.PublishedTable]:
        """Every table the page prints for this section, in page order, cells as printed: its
        own tables, the key figures and each chart's data table (the spreadsheet's sheets)."""
        out = []
        for part in self.parts:
            if isinstance(part, Table):
                cells = blocks.table_cells(
                    part.frame,
                    part.note,
                    part.number_format,
                    count_columns=part.count_columns,
                    suppression_note=part.suppression_note,
                )
                out.append(blocks.PublishedTable(part.caption, cells))
            elif isinstance(part, KeyFigures):
                caption = part.heading or "Key figures"
                out.append(blocks.PublishedTable(caption, blocks.table_cells(part.shown)))
            elif isinstance(part, charts.Chart):
                cells = blocks.table_cells(
                    part.data,
                    number_format=part.decimals,
                    count_columns=[c for c in part.count_columns if c in part.data.columns],
                )
                out.append(blocks.PublishedTable(f"Data for: {part.caption}", cells))
        return out

    @property
    def figures(self) -> dict:
        """Each chart's matplotlib Figure, by chart name (restyle it, then display the section)."""
        return {p.name: p.figure for p in self.parts if isinstance(p, charts.Chart)}

    @property
    def charts(self) -> dict[str, charts.Chart]:
        """Each chart with its alt text, caption and data, by name."""
        return {p.name: p for p in self.parts if isinstance(p, charts.Chart)}

    @property
    def paragraphs(self) -> list[Paragraph]:
        """The paragraphs, in order: set ``.text`` on one to change what the page says."""
        return [p for p in self.parts if isinstance(p, Paragraph)]

    @property
    def text(self) -> list[str]:
        """Every sentence the section shows outside tables: paragraphs and findings."""
        out = []
        for part in self.parts:
            if isinstance(part, Paragraph):
                out.append(part.text)
            elif isinstance(part, Markup) and part.source:
                out.append(part.source)
            elif isinstance(part, Findings):
                out.extend(part.sentences)
        return out

    @property
    def caveats(self) -> list[str]:
        out = []
        for part in self.parts:
            if isinstance(part, Caveat):
                out.extend([part.text] if isinstance(part.text, str) else list(part.text))
        return out

    # ------------------------------------------------------------------ editing

    def add(self, *parts) -> Section:
        """Append parts (a Paragraph of local knowledge, a Table...); returns the section."""
        self.parts.extend(_flatten(parts))
        return self

    # ------------------------------------------------------------------ rendering

    def html(self) -> str:
        """The section's accessible HTML, as the published page shows it."""
        return "\n".join(
            charts.figure_block(p) if isinstance(p, charts.Chart) else p.html() for p in self.parts
        )

    def _repr_html_(self) -> str:
        return self.html()

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        # The page shows the HTML; the batch also reads the tables, cells as printed, from the
        # executed notebook to write the report's spreadsheet (report/spreadsheet.py).
        return {
            "text/html": self.html(),
            blocks.TABLES_MIME: {"tables": [t.to_json() for t in self.published_tables()]},
        }

    def __str__(self) -> str:
        return self.html()

    def __repr__(self) -> str:
        # The plain-text form a notebook stores beside the HTML: a summary, not the data.
        state = ", could not be computed" if self.failed else ""
        return (
            f"<Section {self.name}: {len(self.paragraphs)} paragraph(s), "
            f"{len(self.tables)} table(s), {len(self.figures)} chart(s){state}>"
        )
