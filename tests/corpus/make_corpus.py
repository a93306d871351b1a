"""Build the damaged-input corpus from the real published files, into a folder of your choice.

    .venv/bin/python -m tests.corpus.make_corpus OUT_DIR [--shared ../shared/data]

Reads the real files in place and writes damaged copies (never into the repository: the
corpus is rebuilt by the tests in a temporary folder). For each source file, its first
``ROWS`` data lines are taken and every damage in :mod:`tests.corpus.damage` is applied at a
few lines, plus each kind of line ending and an over-long line; each copy is named by its
source and damage, e.g. ``police_uk--stray-quote-at-11.csv``. Returns the files written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tests.corpus.damage import LINE_DAMAGE, LINE_ENDS, damage, join, split

ROWS = 60
AT_LINES = (0, 10, 59)
#: The real files damaged: corpus name -> (path under ../shared/data, file name to write as).
SOURCES = {
    "police_uk": ("police_uk/west-mercia/2025-03-west-mercia-street.csv",
                  "2025-03-west-mercia-street.csv"),
    "home_office": ("home_office/prc-pfa-201718_new.csv", "prc-pfa-201718.csv"),
}  # fmt: skip


def slug(text: str) -> str:
    return "-".join(text.lower().replace("-", " ").split())


def build(out_dir: Path, shared: Path, long_line_bytes: int) -> list[tuple[str, str, Path]]:
    """Write the corpus; ``(source, damage, path)`` for every file written."""
    written = []
    for source, (relative, file_name) in SOURCES.items():
        data = (shared / relative).read_bytes()
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        header, lines = split(data)
        lines = lines[:ROWS]
        cases = {}
        for name in LINE_DAMAGE:
            for at in AT_LINES:
                cases[f"{name} at {at + 2}"] = join(header, damage(lines, [(name, at, 7)]))
        for name, ends in LINE_ENDS.items():
            cases[f"{name} line ends"] = join(header, lines, ends)
        cases["no final line end"] = join(header, lines, final=False)
        cases["over-long line at 12"] = join(
            header, lines[:10] + [b"x" * (long_line_bytes + 1)] + lines[10:]
        )
        cases["header only"] = join(header, [])
        for case, content in cases.items():
            folder = out_dir / source / slug(case)
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / file_name
            path.write_bytes(content)
            written.append((source, case, path))
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--shared", type=Path, default=Path("..") / "shared" / "data")
    parser.add_argument("--long-line-bytes", type=int, default=1 << 20)
    args = parser.parse_args(argv)
    written = build(args.out, args.shared, args.long_line_bytes)
    print(f"wrote {len(written)} damaged files to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
