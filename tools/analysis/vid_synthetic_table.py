#!/usr/bin/env python
"""Train and evaluate the single-frame baseline and each VID method on ``synthetic_vid``.

Every config runs ``tools/lazyconfig_train_net.py`` with the same 400-iteration CPU schedule and
seed (``configs/common/cpu_schedule_400it.py``), then its ``eval_results.json`` is collected into
a markdown table (printed) and ``<output>/table.json``. This is the command behind the results
tables of ``projects/{DFF,FGFA,SELSA,TemporalRoIAlign}/README.md``::

    .venv/bin/python tools/analysis/vid_synthetic_table.py --output output/vid_table

``--only NAME`` runs some of the methods, ``--seeds 0 1 2`` repeats each with other
``train.seed`` values (the table then shows mean ± standard deviation); results already in
``<output>/<name>[_seed<k>]/`` are reused unless ``--rerun``.
"""

import d2track  # noqa: F401  (first: installs the Detectron2 compat layer)

# isort: split
import argparse
import json
import statistics
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


def run(short, config, output, seed, rerun):
    """Train + evaluate ``config`` with ``seed``; return (results, seconds or None if reused).

    Seed 0 goes to ``output/<short>``, seed k to ``output/<short>_seed<k>``.
    """
    out_dir = output / (short if seed == 0 else f"{short}_seed{seed}")
    results = out_dir / "eval_results.json"
    if results.is_file() and not rerun:
        return json.loads(results.read_text()), None
    start = time.time()
    command = [sys.executable, str(REPO / "tools/lazyconfig_train_net.py")]
    command += ["--config-file", str(REPO / config), f"train.output_dir={out_dir}"]
    command += [f"train.seed={seed}"]
    subprocess.run(command, check=True, cwd=REPO)
    return json.loads(results.read_text()), time.time() - start


def _cell(values):
    """The value for one seed, ``mean ± sample standard deviation`` for several.

    ``n/a`` if a seed's value is ``null`` in eval_results.json (undefined on its data).
    """
    if any(value is None for value in values):
        return "n/a"
    if len(values) == 1:
        return f"{values[0]:.1f}"
    return f"{statistics.mean(values):.1f} ± {statistics.stdev(values):.1f}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--output", default="output/vid_table", type=Path)
    parser.add_argument("--only", nargs="+", choices=sorted(CONFIGS))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0], help="train.seed values")
    parser.add_argument("--rerun", action="store_true", help="retrain even if results exist")
    args = parser.parse_args(argv)
    rows = []
    for short, (name, config) in CONFIGS.items():
        if args.only and short not in args.only:
            continue
        runs = [run(short, config, args.output, seed, args.rerun) for seed in args.seeds]
        rows.append(
            dict(
                method=name,
                config=config,
                seeds=list(args.seeds),
                mAP=[r["bbox"]["bbox_mAP"] for r, _ in runs],
                mAP_50=[r["bbox"]["bbox_mAP_50"] for r, _ in runs],
                seconds=[s for _, s in runs],
            )
        )
    print("| method | mAP | mAP@50 | config |\n|---|---:|---:|---|")
    for r in rows:
        print(f"| {r['method']} | {_cell(r['mAP'])} | {_cell(r['mAP_50'])} | `{r['config']}` |")
    dump_json(rows, str(args.output / "table.json"))


if __name__ == "__main__":
    main()
