#!/usr/bin/env python
"""Train and evaluate the single-frame baseline and each VID method on ``synthetic_vid``.

Every config runs ``tools/lazyconfig_train_net.py`` with the same 400-iteration CPU schedule and
seed (``configs/common/cpu_schedule_400it.py``), then its ``eval_results.json`` is collected into
a markdown table (printed) and ``<output>/table.json``. This is the command behind the results
tables of ``projects/{DFF,FGFA,SELSA,TemporalRoIAlign}/README.md``::

    .venv/bin/python tools/analysis/vid_synthetic_table.py --output output/vid_table

``--only NAME`` runs some of the methods; results already in ``<output>/<name>/`` are reused
unless ``--rerun``.
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
# short name: (method, config)
CONFIGS = {
    "faster_rcnn": (
        "Faster R-CNN (single frame)",
        "configs/vid/faster_rcnn_tiny_400it_synthetic.py",
    ),
    "dff": ("DFF", "projects/DFF/configs/dff_faster_rcnn_tiny_400it_synthetic.py"),
    "fgfa": ("FGFA", "projects/FGFA/configs/fgfa_faster_rcnn_tiny_400it_synthetic.py"),
    "selsa": ("SELSA", "projects/SELSA/configs/selsa_faster_rcnn_tiny_400it_synthetic.py"),
    "troi": (
        "Temporal RoI Align",
        "projects/TemporalRoIAlign/configs/selsa_troialign_faster_rcnn_tiny_400it_synthetic.py",
    ),
}


def run(short, config, output, rerun):
    """Train + evaluate ``config`` into ``output/<short>``; return (results, seconds or None)."""
    out_dir = output / short
    results = out_dir / "eval_results.json"
    if results.is_file() and not rerun:
        return json.loads(results.read_text()), None
    start = time.time()
    command = [sys.executable, str(REPO / "tools/lazyconfig_train_net.py")]
    command += ["--config-file", str(REPO / config), f"train.output_dir={out_dir}"]
    subprocess.run(command, check=True, cwd=REPO)
    return json.loads(results.read_text()), time.time() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--output", default="output/vid_table", type=Path)
    parser.add_argument("--only", nargs="+", choices=sorted(CONFIGS))
    parser.add_argument("--rerun", action="store_true", help="retrain even if results exist")
    args = parser.parse_args(argv)
    rows = []
    for short, (name, config) in CONFIGS.items():
        if args.only and short not in args.only:
            continue
        results, seconds = run(short, config, args.output, args.rerun)
        bbox = results["bbox"]
        rows.append(
            dict(
                method=name,
                config=config,
                mAP=bbox["bbox_mAP"],
                mAP_50=bbox["bbox_mAP_50"],
                seconds=seconds,
            )
        )
    print("| method | mAP | mAP@50 | config |\n|---|---:|---:|---|")
    for r in rows:
        print(f"| {r['method']} | {r['mAP']:.1f} | {r['mAP_50']:.1f} | `{r['config']}` |")
    dump_json(rows, str(args.output / "table.json"))


if __name__ == "__main__":
    main()
