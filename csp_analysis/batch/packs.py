"""Board packs: one PDF per partnership with a cover, contents and its reports in order.

Declared by ``board_pack:`` in the batch file (:class:`csp_analysis.batch.matrix.BoardPackSpec`)
and made when the batch runs with ``--pdf``. A pack is rebuilt when any of its reports ran in
this batch or the pack is missing; it is not built while any of its reports failed (the index
says so), so a pack never holds an out-of-date or missing report. Packs are laid out in a pool
of processes, one pack per process at a time (WeasyPrint is single-threaded).

The pack step also writes its reports' own PDFs (the batch workers do not, for reports in a
pack): each report is laid out once and its pages serve both its PDF and the pack, instead of
being laid out twice (measured: layout is 70% of a PDF's cost). A report whose pack is not
built because another report failed still gets its PDF.
"""

from __future__ import annotations

import multiprocessing as mp
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from csp_analysis.batch.matrix import BoardPackSpec, ReportJob, period_label
from csp_analysis.batch.worker import STATUS_OK


@dataclass(frozen=True)
class PackMember:
    title: str
    html_relpath: str
    needs_pdf: bool = False  # its own PDF must be written (it ran, or the PDF is missing)

    @property
    def pdf_relpath(self) -> str:
        return str(Path(self.html_relpath).with_suffix(".pdf"))


@dataclass
class PackJob:
    """One partnership's pack: where it goes and which report pages it holds, in order."""

    csp: str
    force: str
    title: str
    period: str
    output_relpath: str
    members: list[PackMember]
    synthetic: bool
    build: bool  # False: up to date, or blocked by a failed report (see ``note``)
    note: str | None = None

    def result(self, status: str, error: str | None = None) -> PackResult:
        members = [m.title for m in self.members]
        return PackResult(self.csp, self.force, self.title, self.output_relpath, status, error,
                          members=members)  # fmt: skip


@dataclass
class PackResult:
    csp: str
    force: str
    title: str
    output_relpath: str
    status: str  # "ok", "failed", "not built"
    error: str | None = None
    seconds: float = 0.0
    members: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "csp": self.csp,
            "force": self.force,
            "title": self.title,
            "output": self.output_relpath if self.status == STATUS_OK else None,
            "status": self.status,
            "error": self.error,
            "seconds": round(self.seconds, 2),
            "reports": self.members,
        }


def plan_packs(
    spec: BoardPackSpec,
    jobs: list[ReportJob],
    entries: dict[str, dict[str, Any]],
    ran: set[str],
    out_dir: Path,
    synthetic: bool,
) -> list[PackJob]:
    """The packs of a batch, each with whether it must be (re)built.

    Parameters
    ----------
    spec : BoardPackSpec
    jobs : list of ReportJob
        Every job of the batch, in batch order (thematic reviews in priority order).
    entries : dict
        Manifest entries by report key (this run's merged over the previous run's).
    ran : set of str
        Keys of the reports that ran in this batch.
    out_dir : Path
        The reports folder.
    synthetic : bool
        The data are the synthetic demonstration data.
    """
    rank = {report_id: i for i, report_id in enumerate(spec.order)}
    by_csp: dict[str, list[ReportJob]] = {}
    for job in jobs:
        if job.csp and job.report in rank:
            by_csp.setdefault(job.csp, []).append(job)
    packs = []
    for csp, members in by_csp.items():
        members.sort(key=lambda j: rank[j.report])  # stable: keeps the priorities' order
        first = members[0]
        fields = {
            "csp": csp,
            "csp_name": first.names.get("csp_name", csp),
            "force": first.force,
            "force_name": first.names.get("force_name", first.force),
            "period": period_label(first.period_end),
        }
        output = spec.output.format(**fields)
        failed = [j for j in members if (entries.get(j.key) or {}).get("status") != STATUS_OK]
        listed = []
        for j in members:
            pdf_missing = not (out_dir / j.output_relpath).with_suffix(".pdf").is_file()
            needs_pdf = j not in failed and (j.key in ran or pdf_missing)
            listed.append(PackMember(j.title, j.output_relpath, needs_pdf))
        stale = (
            any(j.key in ran for j in members)
            or not (out_dir / output).is_file()
            or any(m.needs_pdf for m in listed)
        )
        note = None
        if failed:
            note = f"not built: {len(failed)} of its {len(members)} reports did not publish"
        packs.append(
            PackJob(
                csp=csp,
                force=first.force,
                title=spec.title.format(**fields),
                period=fields["period"][:1].upper() + fields["period"][1:],
                output_relpath=output,
                members=listed,
                synthetic=synthetic,
                build=stale and not failed,
                note=note,
            )
        )
    return packs


def _build_one(job: PackJob, out_dir: str) -> PackResult:
    """Lay out and write one pack (in a pool process). Never raises."""
    from csp_analysis.report.pdf import PackReport, render_pdf, write_board_pack, write_document

    started = time.monotonic()
    result = job.result("failed")
    try:
        # The pack needs every report laid out; a blocked pack only its reports' own PDFs.
        wanted = job.members if job.build else [m for m in job.members if m.needs_pdf]
        reports, documents = [], []
        for member in wanted:
            page = (Path(out_dir) / member.html_relpath).read_text(encoding="utf-8")
            document = render_pdf(page)
            if member.needs_pdf:
                write_document(document, Path(out_dir) / member.pdf_relpath)
            reports.append(PackReport(member.title, page))
            documents.append(document)
        if job.build:
            write_board_pack(
                Path(out_dir) / job.output_relpath,
                job.title,
                job.period,
                reports,
                job.synthetic,
                documents=documents,
            )
            result.status = STATUS_OK
        else:  # never leave a pack that lacks a report's latest run
            (Path(out_dir) / job.output_relpath).unlink(missing_ok=True)
            result.status, result.error = "not built", job.note
    except Exception as exc:  # one pack's failure is reported, never the batch's
        result.error = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
    result.seconds = time.monotonic() - started
    return result


def build_packs(packs: list[PackJob], out_dir: Path, workers: int) -> list[PackResult]:
    """Build the packs that need it in parallel; up-to-date and blocked packs are reported."""
    results: dict[str, PackResult] = {}
    to_build = [p for p in packs if p.build or any(m.needs_pdf for m in p.members)]
    if to_build:
        # "spawn": a clean interpreter per pool process, as for the report workers.
        context = mp.get_context("spawn")
        with ProcessPoolExecutor(max_workers=max(1, min(workers, len(to_build))),
                                 mp_context=context) as pool:  # fmt: skip
            futures = {pool.submit(_build_one, p, str(out_dir)): p for p in to_build}
            for future, pack in futures.items():
                try:
                    result = future.result()
                except Exception as exc:  # the pool process died: this pack failed, go on
                    error = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
                    result = pack.result("failed", error)
                results[result.csp] = result
    out = []
    for pack in packs:
        if pack.csp in results:
            out.append(results[pack.csp])
        else:
            status = STATUS_OK if pack.note is None else "not built"
            if pack.note is not None:  # never leave a pack that lacks a report's latest run
                (out_dir / pack.output_relpath).unlink(missing_ok=True)
            out.append(pack.result(status, pack.note))
    return out
