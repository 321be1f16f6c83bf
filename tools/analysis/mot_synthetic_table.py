#!/usr/bin/env python
"""Track ``synthetic_mot_val`` with SORT, DeepSORT, Tracktor and ByteTrack behind one detector.

Trains the tiny pedestrian detector (``configs/mot/faster_rcnn_tiny_400it_synthetic_mot.py``) and
the tiny ReID model (``configs/reid/reid_tiny_400it_synthetic.py``) once, then runs
``tools/lazyconfig_train_net.py --eval-only`` with each tracker's synthetic config and those
weights, and prints HOTA, MOTA, IDF1 (TrackEval's numbers) as a markdown table; also written to
``<output>/table.json``. This is the command behind the results tables of
``projects/{SORT,DeepSORT,Tracktor,ByteTrack}/README.md``::

    .venv/bin/python tools/analysis/mot_synthetic_table.py --output output/mot_table

Trained weights and results already in ``<output>`` are reused unless ``--rerun``.
"""

import d2track  # noqa: F401  (first: installs the Detectron2 compat layer)

# isort: split
import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from d2track.utils.file_io import dump_json

REPO = Path(__file__).resolve().parents[2]
DETECTOR = "configs/mot/faster_rcnn_tiny_400it_synthetic_mot.py"
REID = "configs/reid/reid_tiny_400it_synthetic.py"
# short name: (method, config, uses the ReID model)
TRACKERS = {
    "sort": ("SORT", "projects/SORT/configs/sort_faster_rcnn_tiny_synthetic_mot.py", False),
    "deepsort": (
        "DeepSORT",
        "projects/DeepSORT/configs/deepsort_faster_rcnn_tiny_synthetic_mot.py",
        True,
    ),
    "tracktor": (
        "Tracktor",
        "projects/Tracktor/configs/tracktor_faster_rcnn_tiny_synthetic_mot.py",
        True,
    ),
    "bytetrack": (
        "ByteTrack",
        "projects/ByteTrack/configs/bytetrack_faster_rcnn_tiny_synthetic_mot.py",
        False,
    ),
}
COLUMNS = ("HOTA", "DetA", "AssA", "MOTA", "IDF1", "IDSW")


def train_net(*args):
    command = [sys.executable, str(REPO / "tools/lazyconfig_train_net.py"), *map(str, args)]
    subprocess.run(command, check=True, cwd=REPO)


def trained(config, out_dir, rerun):
    """``out_dir/model_final.pth`` of ``config``, trained now if missing (or ``rerun``)."""
    weights = out_dir / "model_final.pth"
    if rerun or not weights.is_file():
        train_net("--config-file", REPO / config, f"train.output_dir={out_dir}")
    return weights


def track(short, output, detector, reid, rerun):
    """Results of one tracker; (results, seconds or None if reused)."""
    _, config, uses_reid = TRACKERS[short]
    out_dir = output / short
    results = out_dir / "eval_results.json"
    if results.is_file() and not rerun:
        return json.loads(results.read_text()), None
    start = time.time()
    overrides = [f"model.detector_weights={detector}", f"train.output_dir={out_dir}"]
    if uses_reid:
        overrides.append(f"model.reid_weights={reid}")
    train_net("--eval-only", "--config-file", REPO / config, *overrides)
    return json.loads(results.read_text()), time.time() - start


def _cell(value, column):
    """A table cell; ``null`` in eval_results.json (an undefined metric) is ``n/a``."""
    if value is None:
        return "n/a"
    return str(value) if column == "IDSW" else f"{value:.1f}"


def markdown_table(rows):
    lines = ["| tracker | " + " | ".join(COLUMNS) + " |", "|---|" + "---:|" * len(COLUMNS)]
    for name, mot in rows:
        cells = [_cell(mot[c], c) for c in COLUMNS]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", default="output/mot_table", type=Path)
    parser.add_argument("--only", nargs="+", choices=sorted(TRACKERS))
    parser.add_argument("--rerun", action="store_true", help="retrain and rerun even if present")
    args = parser.parse_args(argv)
    output = args.output.resolve()
    detector = trained(DETECTOR, output / "detector", args.rerun)
    names = args.only or list(TRACKERS)
    reid = None
    if any(TRACKERS[n][2] for n in names):
        reid = trained(REID, output / "reid", args.rerun)
    rows, record = [], {}
    for short in names:
        results, seconds = track(short, output, detector, reid, args.rerun)
        rows.append((TRACKERS[short][0], results["mot"]))
        record[short] = {"results": results, "seconds": seconds}
    table = markdown_table(rows)
    print(table)
    dump_json({"table": table, "runs": record}, output / "table.json")
    return rows


if __name__ == "__main__":
    main()
