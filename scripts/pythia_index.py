"""Write the index of the Pythia evaluation files, ``data/pythia_evals/pythia_evals.csv``.

``data.load("pythia_evals")`` reads 432 third-party JSON files (EleutherAI/pythia,
``evals/pythia-v1/<model>/zero-shot/<size>_step<N>.json``, Apache-2.0).  They are never
committed; the project commits this index instead — one row per file with its path in the
mirror and the cache (``file``), commit-pinned ``url``, ``sha256`` and size in ``bytes`` — and
pins the index's own hash in the registry, so no file can change or go missing silently.

The rows come from the offline mirror's ``MANIFEST.json`` (``../shared/data/third_party``, or
``$SCALING_UTILS_DATA_MIRROR``); the script checks each listed file's hash in the mirror,
that every URL points at the pinned commit and that every model has all 27 checkpoints, then
writes the CSV sorted by file.  Re-pin after a reviewed change:
``python scripts/pin_data.py pythia_evals``.

Usage: ``python scripts/pythia_index.py [--manifest PATH]``.
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "data" / "pythia_evals" / "pythia_evals.csv"
COMMIT = "a19eecb807ec2c79a39ebf18108816e6ffffc1d5"
URL_PREFIX = f"https://raw.githubusercontent.com/EleutherAI/pythia/{COMMIT}/evals/pythia-v1/"
STEPS = 27
MODELS = 16


def default_manifest() -> Path:
    mirror = os.environ.get("SCALING_UTILS_DATA_MIRROR") or str(ROOT.parent / "shared" / "data" / "third_party")
    return Path(mirror) / "MANIFEST.json"


def index_rows(manifest: Path) -> list[dict]:
    """The Pythia rows of ``manifest``, checked against the files beside it."""
    listed = json.loads(manifest.read_text())["files"]
    rows = []
    for item in listed:
        if not item["file"].startswith("pythia/"):
            continue
        path = manifest.parent / item["file"]
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest != item["sha256"]:
            raise SystemExit(f"{path}: SHA-256 {digest}, the manifest says {item['sha256']}")
        if item["url"] != URL_PREFIX + item["file"].removeprefix("pythia/"):
            raise SystemExit(f"{item['file']}: URL {item['url']} is not under {URL_PREFIX}")
        rows.append({"file": item["file"], "url": item["url"], "sha256": item["sha256"],
                     "bytes": path.stat().st_size})
    per_model = Counter(row["file"].split("/")[1] for row in rows)
    if len(per_model) != MODELS or set(per_model.values()) != {STEPS}:
        raise SystemExit(f"expected {MODELS} models with {STEPS} files each, found {dict(per_model)}")
    return sorted(rows, key=lambda row: row["file"])


def write(rows: list[dict], out: Path = OUT) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["file", "url", "sha256", "bytes"], lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--manifest", type=Path, default=None,
                        help="the mirror's MANIFEST.json (default: $SCALING_UTILS_DATA_MIRROR or ../shared)")
    args = parser.parse_args(argv)
    rows = index_rows(args.manifest or default_manifest())
    write(rows)
    print(f"wrote {OUT.relative_to(ROOT)}: {len(rows)} files; re-pin with "
          "`python scripts/pin_data.py pythia_evals`")


if __name__ == "__main__":
    main()
