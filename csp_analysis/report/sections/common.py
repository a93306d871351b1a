"""What every section shares: the section decorator (a failure becomes a plain sentence), the
focus series of a priority, small-count rules and the history a section needs."""

from __future__ import annotations

import functools
import math
import os
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from csp_analysis.analysis import disclosure, same_period, seasonality, spc
from csp_analysis.analysis import forecast as forecasting
from csp_analysis.analysis.fitting import quiet_model_fitting
from csp_analysis.core.config import Priority, Selection
from csp_analysis.core.exceptions import AnalysisError, CspAnalysisError
from csp_analysis.report import wording
from csp_analysis.report.context import ReviewContext
from csp_analysis.report.sections.base import Paragraph, Section

STRICT_ENV = "CSP_ANALYSIS_STRICT"
# Set by the batch runner for its kernels: an unexpected error becomes a plain sentence.
LENIENT_ENV = "CSP_ANALYSIS_LENIENT"


# The history each analysis needs is the analysis's own; sections ask for it.
MIN_DECOMPOSE_MONTHS = seasonality.MIN_MONTHS
MIN_FORECAST_MONTHS = forecasting.MIN_MONTHS
MIN_SPC_POINTS = spc.MIN_MONTHS
MIN_SPC_QUARTERS = spc.MIN_QUARTERS


QUARTERS_SHOWN = 8


def _strict() -> bool:
    return os.environ.get(STRICT_ENV, "").strip().lower() in ("1", "true", "yes")


def _lenient() -> bool:
    return os.environ.get(LENIENT_ENV, "").strip().lower() in ("1", "true", "yes")


def _section(func: Callable[..., object]) -> Callable[..., Section]:
    """Make a section function return a :class:`Section`, and decide what a failure does.

    * A limitation of the data (:class:`CspAnalysisError`: too little history, a priority these
      data cannot count) is a plain statement in the section, which the reader needs to see;
      ``CSP_ANALYSIS_STRICT=1`` (the tests) raises it instead.
    * Anything else is a bug: it raises with its real traceback, as an analyst in JupyterLab
      needs, except in the report batch (``CSP_ANALYSIS_LENIENT=1``, set by the runner's
      workers), where the traceback goes to the executed notebook's stderr and the page says the
      section could not be produced, so one broken section does not lose the whole report.
    """

    @functools.wraps(func)
    def wrapper(ctx: ReviewContext, *args, **kwargs) -> Section:
        try:
            with quiet_model_fitting():
                result = func(ctx, *args, **kwargs)
        except CspAnalysisError as exc:
            if _strict():
                raise
            return Section(
                func.__name__,
                [
                    Paragraph(
                        "This part of the report could not be produced: "
                        f"{wording.clause(str(exc))}."
                    )
                ],
                failed=True,
            )
        except Exception:
            if _strict() or not _lenient():
                raise
            traceback.print_exc(file=sys.stderr)  # kept for the analyst, never published
            return Section(
                func.__name__,
                [
                    Paragraph(
                        "This part of the report could not be produced because of an "
                        "unexpected error; the analyst's copy of the executed notebook has the "
                        "details."
                    )
                ],
                failed=True,
            )
        return result if isinstance(result, Section) else Section(func.__name__, [result])

    return wrapper


def _small(value, sensitive: bool) -> bool:
    """Whether a count must be withheld (1 to the primary threshold)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return False
    return 1 <= float(value) <= disclosure.primary_threshold(sensitive)


def _count_text(value, sensitive: bool) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return wording.NOT_AVAILABLE
    return wording.SUPPRESSED if _small(value, sensitive) else wording.count(value)


def _by_count(counts: pd.Series) -> pd.Series:
    """Largest first, ties by name. Every table of the same categories uses this one order, so
    that the same counts get the same secondary suppression wherever they appear (a cell hidden
    in one table and shown in another would undo the protection)."""
    frame = pd.DataFrame({"name": counts.index.astype(str), "count": counts.to_numpy()})
    order = frame.sort_values(["count", "name"], ascending=[False, True], kind="stable").index
    return counts.iloc[order]


@dataclass
class Focus:
    """One CSP's series for one priority, with what it is and how it may be published."""

    priority: Priority
    selection: Selection
    monthly: pd.Series  # full history up to period_end (NaN = no data)
    sensitive: bool
    noun: str
    measure: str
    unit: str
    trend_months: int = 36  # the report's trend window (ctx.windows.trend_months)

    @property
    def available(self) -> bool:
        return self.selection.available

    @property
    def observed(self) -> pd.Series:
        return seasonality.trim_gaps(self.monthly)

    def window(self, months: int | None = None) -> pd.Series:
        """The last ``months`` months (default: the trend window; fewer when the data are
        shorter), gaps trimmed."""
        return seasonality.trim_gaps(self.monthly.iloc[-(months or self.trend_months) :])

    def needs_suppression(self, months: int | None = None) -> bool:
        """Whether any month shown in a monthly chart would have to be withheld."""
        window = self.window(months)
        return bool(window.apply(lambda v: _small(v, self.sensitive)).any())


def _priority(ctx: ReviewContext, priority: Priority | str | None = None) -> Priority:
    if priority is None:
        priority = ctx.priority or "all_crime"
    return ctx.priorities.get(priority) if isinstance(priority, str) else priority


def focus(ctx: ReviewContext, priority: Priority | str | None = None) -> Focus:
    """The report's CSP series for a priority (the report's own priority by default).

    Parameters
    ----------
    ctx : ReviewContext
    priority : Priority or str, optional

    Returns
    -------
    Focus
    """
    priority = _priority(ctx, priority)
    return ctx.memo(("focus", priority.id), lambda: _new_focus(ctx, priority))


def _new_focus(ctx: ReviewContext, priority: Priority) -> Focus:
    selection = ctx.selection(priority)
    return Focus(
        priority=priority,
        selection=selection,
        monthly=ctx.csp_series(priority),
        sensitive=priority.sensitive,
        noun=priority.noun,
        measure=wording.measure(priority, selection.method),
        unit=f"{priority.noun.capitalize()} per month",
        trend_months=ctx.windows.trend_months,
    )


def _require_available(item: Focus) -> None:
    if not item.available:
        raise AnalysisError(wording.clause(item.selection.caveat))


def _year_records(ctx: ReviewContext, item: Focus) -> pd.DataFrame:
    """The partnership's records of the priority in the reporting year (a full year only)."""
    _require_available(item)
    if not ctx.has_full_year():
        raise AnalysisError(f"some months of the {ctx.year_label} have no data")
    records = ctx.records(item.priority, ctx.csp.code)
    return records[records["month"].isin(ctx.year_months)]


def _year_total(monthly: pd.Series, months: pd.DatetimeIndex) -> float | None:
    values = monthly.reindex(months)
    return None if values.isna().any() else float(values.sum())


def _ytd(ctx: ReviewContext, item: Focus) -> same_period.YearToDate:
    frame = pd.DataFrame({"month": item.monthly.index, "count": item.monthly.to_numpy()})
    return same_period.year_to_date(frame, ctx.period_end, name=ctx.area_name)


def _history_statement(ctx: ReviewContext, what: str, needed: int, have: int) -> Paragraph:
    return Paragraph(
        f"{what} needs at least {needed} months of data; the data for {ctx.area_name} cover "
        f"{have} month{'s' if have != 1 else ''} ({_span(ctx)}), so it is not shown."
    )


def _span(ctx: ReviewContext) -> str:
    months = ctx.covered_months
    if not len(months):
        return "no months"
    return wording.period_label(months[0], months[-1])
