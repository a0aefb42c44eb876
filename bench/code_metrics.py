"""Size and complexity of the portal's own source, for refactoring decisions.

Prints the source files over a size threshold and the most complex functions
(cyclomatic complexity by radon), leaving out migrations, tests and generated fixtures.

    .venv/bin/python bench/code_metrics.py [--top 10] [--lines 400] [--max-cc 15]

The duplicates report is a separate tool (see CONTRIBUTING.md).
"""

from __future__ import annotations

import argparse
import pathlib

from radon.complexity import cc_visit

ROOT = pathlib.Path(__file__).resolve().parent.parent
SOURCE_DIRS = ("evaluations", "institutions", "spbe_portal")
SKIP_PARTS = {"migrations", "fixtures", "__pycache__"}


def source_files() -> list[pathlib.Path]:
    files = []
    for top in SOURCE_DIRS:
        for path in sorted((ROOT / top).rglob("*.py")):
            if not SKIP_PARTS & set(path.relative_to(ROOT).parts):
                files.append(path)
    return files


def functions(path: pathlib.Path):
    """(complexity, name, line) of every function and method in a file."""
    rows = []

    def walk(block, prefix=""):
        name = f"{prefix}{block.name}"
        if block.letter in ("F", "M"):
            rows.append((block.complexity, name, block.lineno))
        for child in getattr(block, "closures", []) + getattr(block, "methods", []):
            walk(child, f"{name}.")

    for block in cc_visit(path.read_text()):
        walk(block)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=10)
    parser.add_argument("--lines", type=int, default=400)
    parser.add_argument("--max-cc", type=int, default=15)
    args = parser.parse_args()
    files = source_files()
    sizes = sorted(((len(p.read_text().splitlines()), p) for p in files), reverse=True)
    print(f"{len(files)} source files, {sum(n for n, _ in sizes)} lines")
    print(f"files over {args.lines} lines:")
    for n, path in sizes:
        if n > args.lines:
            print(f"  {n:5d}  {path.relative_to(ROOT)}")
    rows = sorted(
        (
            (cc, str(p.relative_to(ROOT)), name, line)
            for p in files
            for cc, name, line in functions(p)
        ),
        reverse=True,
    )
    print(f"the {args.top} most complex functions:")
    for cc, path, name, line in rows[: args.top]:
        print(f"  {cc:3d}  {path}:{line}  {name}")
    over = [r for r in rows if r[0] > args.max_cc]
    print(f"functions over complexity {args.max_cc}: {len(over)}")


if __name__ == "__main__":
    main()
