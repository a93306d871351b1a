"""Ways a careless or hostile user damages a CSV file, as functions on its raw lines.

Used by the property-based tests (hypothesis draws the damage) and by the corpus script
(``tests/corpus/make_corpus.py``), which applies each to copies of the real published files.
A file is handled as its header line plus data lines, as bytes without line ends.
"""

from __future__ import annotations

#: Damages that apply to one data line: name -> function(line bytes, position) -> list of lines.
LINE_DAMAGE = {
    "stray quote": lambda line, at: [line[:at] + b'"' + line[at:]],
    "closing quote only": lambda line, at: [line + b'"'],
    "blank line before": lambda line, at: [b"", line],
    "field dropped": lambda line, at: [line.replace(b",", b"", 1)],
    "field added": lambda line, at: [line + b",surplus"],
    "not utf-8": lambda line, at: [line[:at] + b"\xff\xfe" + line[at:]],
    "duplicated": lambda line, at: [line, line],
    "truncated": lambda line, at: [line[: max(1, at)]],
    "formula text": lambda line, at: [line.replace(b",", b',=HYPERLINK(""x""),', 1)],
    "markup text": lambda line, at: [line.replace(b",", b",<img src=x onerror=alert(1)>,", 1)],
    "whitespace only": lambda line, at: [b"   "],
}
#: Damages to the whole file's line ends.
LINE_ENDS = {"lf": b"\n", "crlf": b"\r\n", "cr only": b"\r"}


def split(data: bytes) -> tuple[bytes, list[bytes]]:
    """Header and data lines of a clean file (LF or CRLF)."""
    lines = data.replace(b"\r\n", b"\n").split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return lines[0], lines[1:]


def join(header: bytes, lines: list[bytes], ends: bytes = b"\n", final: bool = True) -> bytes:
    return ends.join([header, *lines]) + (ends if final else b"")


def damage(lines: list[bytes], edits: list[tuple[str, int, int]]) -> list[bytes]:
    """Apply ``(damage name, line index, position)`` edits in order (indices wrap around)."""
    out = list(lines)
    for name, index, at in edits:
        if not out:
            break
        i = index % len(out)
        line = out[i]
        out[i : i + 1] = LINE_DAMAGE[name](line, at % max(1, len(line)))
    return out


def physical_rows(data: bytes) -> int:
    """Ground truth of rows read: non-blank lines after the header, counting line ends as the
    csv module does (LF, CRLF, or CR alone)."""
    text = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    lines = text.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return sum(1 for line in lines[1:] if line.strip())
