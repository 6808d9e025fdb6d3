"""Pin the SHA-256 of committed tables in the dataset registry (``scaling_utils/data.py``).

Every transcribed and generated table (``data/<name>/<name>.csv``) is registered with the
SHA-256 of its bytes, and :func:`scaling_utils.data.load` refuses a file that does not
match.  After a **deliberate, reviewed** change to a committed CSV, rewrite its pin with::

    python scripts/pin_data.py <name> [<name> ...]    # one or more tables
    python scripts/pin_data.py --all                  # every committed table (make pin-data)

``make data`` reruns the generators and then re-pins the tables they rewrote.  The script
edits only the ``sha256="..."`` string literal of the named entries (found with :mod:`ast`,
so the rest of the file is left byte for byte as it was) and prints the old and new hash
of each, so the diff shows exactly which pins moved.  Third-party files are not pinned
here: their hash is that of the upstream file, changed only with its URL.

A new table is registered with ``sha256=""`` and pinned with this script.

Run from the repository root.  ``--registry`` and ``--data-dir`` point the script at a
copy of the registry module and of ``data/`` (the tests use them).
"""
from __future__ import annotations

import argparse
import ast
import csv
import hashlib
import sys
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[1]
REGISTRY = ROOT / "scaling_utils" / "data.py"
DATA_DIR = ROOT / "data"
#: Registry classes whose entries are committed CSVs with a pinned hash.
COMMITTED_KINDS = ("TranscribedTable", "GeneratedTable", "ThirdPartyCollection")


class Pin(NamedTuple):
    """Where one entry's ``sha256`` literal sits in the registry source."""

    name: str
    kind: str
    sha256: str
    start: int  # byte offsets of the string literal (quotes included)
    end: int


def _keyword(call: ast.Call, key: str) -> ast.expr | None:
    return next((kw.value for kw in call.keywords if kw.arg == key), None)


def _byte_offset(line_starts: list[int], lineno: int, col: int) -> int:
    """Byte offset of an ast position (``col`` is a UTF-8 byte offset, as ast gives)."""
    return line_starts[lineno - 1] + col


def find_pins(source: bytes) -> dict[str, Pin]:
    """Every committed entry of the registry source, by dataset name."""
    tree = ast.parse(source)
    line_starts = [0]
    for line in source.splitlines(keepends=True):
        line_starts.append(line_starts[-1] + len(line))
    pins = {}
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id in COMMITTED_KINDS):
            continue
        name, sha = _keyword(node, "name"), _keyword(node, "sha256")
        if not (isinstance(name, ast.Constant) and isinstance(name.value, str)):
            continue
        if not (isinstance(sha, ast.Constant) and isinstance(sha.value, str)
                and sha.lineno == sha.end_lineno):
            raise SystemExit(
                f"{node.func.id}(name={name.value!r}) in the registry has no one-line "
                'sha256="..." string; add sha256="", to the entry and rerun.'
            )
        pins[name.value] = Pin(
            name=name.value,
            kind=node.func.id,
            sha256=sha.value,
            start=_byte_offset(line_starts, sha.lineno, sha.col_offset),
            end=_byte_offset(line_starts, sha.end_lineno, sha.end_col_offset),
        )
    return pins


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def describe_csv(path: Path) -> str:
    """``'24 rows; columns: a, b, c'``, so the person re-pinning sees what they pin."""
    with open(path, newline="", encoding="utf-8", errors="replace") as fh:
        rows = list(csv.reader(fh))
    header = ", ".join(rows[0]) if rows else "(empty file)"
    return f"{max(len(rows) - 1, 0)} rows; columns: {header}"


def pin(names: list[str], *, registry: Path = REGISTRY, data_dir: Path = DATA_DIR) -> list[str]:
    """Rewrite the pinned hash of each named table; return one report line per table."""
    source = registry.read_bytes()
    pins = find_pins(source)
    unknown = [n for n in names if n not in pins]
    if unknown:
        raise SystemExit(
            f"Not a committed (transcribed or generated) table in {registry}: "
            f"{', '.join(unknown)}. Known: {', '.join(sorted(pins))}. Third-party files "
            "are pinned by their upstream hash and are not re-pinned by this script."
        )
    missing = [str(data_dir / n / f"{n}.csv") for n in names
               if not (data_dir / n / f"{n}.csv").is_file()]
    if missing:
        raise SystemExit(f"No such file: {', '.join(missing)}; nothing was pinned.")
    report, edits = [], []
    for name in dict.fromkeys(names):
        path = data_dir / name / f"{name}.csv"
        new, old = sha256_of(path), pins[name].sha256
        if new == old:
            report.append(f"{name}: unchanged {new}")
            continue
        edits.append((pins[name], new))
        report.append(f"{name}: {old or '(unpinned)'} -> {new} ({describe_csv(path)})")
    for entry, new in sorted(edits, key=lambda e: e[0].start, reverse=True):
        source = source[: entry.start] + f'"{new}"'.encode() + source[entry.end:]
    if edits:
        repinned = find_pins(source)  # re-parse: the edit must leave valid Python
        wrong = [n for n in names if repinned[n].sha256 != sha256_of(data_dir / n / f"{n}.csv")]
        if wrong:
            raise SystemExit(f"Internal error re-pinning {wrong}; {registry} was not changed.")
        registry.write_bytes(source)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="dataset names to re-pin")
    parser.add_argument("--all", action="store_true", help="re-pin every committed table")
    parser.add_argument("--registry", type=Path, default=REGISTRY,
                        help="registry module to rewrite (default: scaling_utils/data.py)")
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR,
                        help="folder holding <name>/<name>.csv (default: data/)")
    args = parser.parse_args(argv)
    if args.all == bool(args.names):
        parser.error("pass one or more dataset names, or --all (not both)")
    names = args.names or sorted(find_pins(args.registry.read_bytes()))
    for line in pin(names, registry=args.registry, data_dir=args.data_dir):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
