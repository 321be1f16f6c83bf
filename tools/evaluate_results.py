#!/usr/bin/env python
"""Score result files already on disk (MOT, SOT, VOT, VIS, VID) and print a table.

Examples::

    tools/evaluate_results.py mot --gt datasets/MOT17/train --results out/mot --benchmark MOT17
    tools/evaluate_results.py sot --gt lasot/gt --results out/lasot --visible lasot/visible \\
        --protocol lasot --plots out/plots
    tools/evaluate_results.py vot --gt datasets/vot2018/data --results out/vot --dataset vot2018
    tools/evaluate_results.py vis --gt ytvis/valid.json --results out/submission.zip
    tools/evaluate_results.py vid --gt vid/val_cocovid.json --results out/dets.json --json m.json

``--json OUT`` writes every number under the reference tool's metric names, with a
``"reference"`` field naming the tool and convention they match (see
``d2track/evaluation/result_files.py``). Bad input (a missing or malformed file) prints one line
naming the file and line and exits with status 2; ``--debug`` shows the traceback instead.
"""

import d2track  # noqa: F401  (first: installs the Detectron2 compat layer)

# isort: split
import argparse
import os
import sys

from tabulate import tabulate

from d2track.evaluation import result_files
from d2track.evaluation.mot_data import BENCHMARKS
from d2track.evaluation.mot_evaluator import to_percent
from d2track.evaluation.mot_metrics import CONVENTIONS
from d2track.evaluation.vot_metrics import VOT_INTERVALS
from d2track.evaluation.ytvis_eval import STAT_NAMES
from d2track.utils.file_io import dump_json

MOT_COLUMNS = (
    ("HOTA", "HOTA"),
    ("DetA", "DetA"),
    ("AssA", "AssA"),
    ("MOTA", "MOTA"),
    ("MOTP", "MOTP"),
    ("IDF1", "IDF1"),
    ("IDSW", "IDSW"),
    ("MT", "MT"),
    ("ML", "ML"),
    ("FP", "CLR_FP"),
    ("FN", "CLR_FN"),
)
SOT_COLUMNS = ("success", "precision", "norm_precision")


def _common(parser):
    parser.add_argument("--json", metavar="OUT", help="also write all numbers to this json file")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on bad input")


def build_parser():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="task", required=True)
    mot = sub.add_parser("mot", help="MOTChallenge txt files (TrackEval layout)")
    mot.add_argument("--gt", required=True, help="folder of <seq>/gt/gt.txt (+ seqinfo.ini)")
    mot.add_argument("--results", required=True, help="folder of <seq>.txt")
    mot.add_argument("--benchmark", choices=BENCHMARKS, default="MOT17")
    mot.add_argument("--no-preproc", action="store_true", help="no distractor preprocessing")
    mot.add_argument("--convention", choices=CONVENTIONS, default="trackeval")
    sot = sub.add_parser("sot", help="one-pass evaluation of x,y,w,h txt files")
    sot.add_argument("--gt", required=True, help="folder of <video>.txt")
    sot.add_argument("--results", required=True, help="folder of <video>.txt")
    sot.add_argument("--visible", help="folder of <video>.txt visibility flags (0/1)")
    sot.add_argument("--protocol", choices=("mmtracking", "lasot"), default="mmtracking")
    sot.add_argument("--plots", metavar="DIR", help="write success/precision plots (PNG) here")
    sot.add_argument("--name", help="tracker name in the plots (default: results folder name)")
    vot = sub.add_parser("vot", help="reset-based VOT results (EAO, accuracy, robustness)")
    vot.add_argument("--gt", required=True, help="folder of <seq>.txt or <seq>/groundtruth.txt")
    vot.add_argument("--results", required=True, help="folder of <seq>.txt or <seq>/<seq>_001.txt")
    vot.add_argument("--dataset", required=True, choices=sorted(VOT_INTERVALS))
    vot.add_argument("--image-sizes", metavar="FILE", help='json {"<seq>": [W, H]}')
    vot.add_argument("--burnin", type=int, default=10)
    vis = sub.add_parser("vis", help="YouTube-VIS results json (or CodaLab zip)")
    vis.add_argument("--gt", required=True, help="YouTube-VIS ground-truth json")
    vis.add_argument("--results", required=True, help="results.json or a zip holding it")
    vis.add_argument("--per-category", action="store_true")
    vis.add_argument("--iou-type", choices=("segm", "bbox"), default="segm")
    vid = sub.add_parser("vid", help="COCO detections of a CocoVID ground truth")
    vid.add_argument("--gt", required=True, help="CocoVID (or COCO) json")
    vid.add_argument("--results", required=True, help="COCO results json (list of detections)")
    vid.add_argument("--max-dets", choices=sorted(result_files.VID_MAX_DETS), default="mmdet")
    vid.add_argument("--per-category", action="store_true")
    for task in (mot, sot, vot, vis, vid):
        _common(task)
    return parser


def _fmt(value):
    return f"{value:.3f}" if isinstance(value, float) else value


def run_mot(args):
    out = result_files.evaluate_mot_files(
        args.gt,
        args.results,
        benchmark=args.benchmark,
        do_preproc=not args.no_preproc,
        convention=args.convention,
    )
    rows = dict(out["per_sequence"], COMBINED=out["combined"])
    percent = {name: to_percent(row) for name, row in rows.items()}
    table = [[name] + [_fmt(row[key]) for _, key in MOT_COLUMNS] for name, row in percent.items()]
    return out, tabulate(table, headers=["sequence"] + [h for h, _ in MOT_COLUMNS])


def _write_plots(out, args):
    from d2track.evaluation.sot_plots import plot_precision, plot_success

    curves = {args.name or os.path.basename(os.path.normpath(args.results)): out}
    plot_success(curves, os.path.join(args.plots, "success.png"))
    plot_precision(curves, os.path.join(args.plots, "precision.png"))
    plot_precision(curves, os.path.join(args.plots, "norm_precision.png"), normalized=True)


def run_sot(args):
    out = result_files.evaluate_sot_files(
        args.gt, args.results, visible_dir=args.visible, protocol=args.protocol
    )
    if args.plots:
        _write_plots(out, args)
    rows = dict(out["per_video"], OVERALL=out)
    table = [[name] + [_fmt(row[k]) for k in SOT_COLUMNS] for name, row in rows.items()]
    return out, tabulate(table, headers=("video",) + SOT_COLUMNS)


def run_vot(args):
    out = result_files.evaluate_vot_files(
        args.gt,
        args.results,
        dataset=args.dataset,
        image_sizes_path=args.image_sizes,
        burnin=args.burnin,
    )
    table = [
        [name, _fmt(v["accuracy"]), v["num_failures"], v["num_frames"]]
        for name, v in out["per_video"].items()
    ]
    overall = ["OVERALL", _fmt(out["accuracy"]), out["num_failures"], None, _fmt(out["eao"])]
    headers = ("sequence", "accuracy", "failures", "frames", "EAO")
    text = tabulate(table + [overall], headers=headers)
    return out, text + f"\nrobustness {out['robustness']:.3f} (failures per 100 frames)"


def _key_value_table(out, keys):
    return tabulate([[k, _fmt(out[k])] for k in keys], headers=("metric", "value"))


def run_vis(args):
    out = result_files.evaluate_vis_files(
        args.gt, args.results, per_category=args.per_category, iou_type=args.iou_type
    )
    keys = list(STAT_NAMES) + [k for k in out if k.startswith("AP-")]
    return out, _key_value_table(out, keys)


def run_vid(args):
    out = result_files.evaluate_vid_files(
        args.gt, args.results, max_dets=args.max_dets, per_category=args.per_category
    )
    keys = [k for k in out if k.startswith("bbox_") or k.startswith("AP-")]
    return out, _key_value_table(out, keys)


RUNNERS = {"mot": run_mot, "sot": run_sot, "vot": run_vot, "vis": run_vis, "vid": run_vid}


def main(argv=None):
    """Run the tool; returns the exit status (0, or 2 on bad input)."""
    args = build_parser().parse_args(argv)
    try:
        out, table = RUNNERS[args.task](args)
    except (ValueError, OSError) as e:  # InputFileError included: names file and line
        if args.debug:
            raise
        print(f"error: {e}".replace("\n", " "), file=sys.stderr)
        return 2
    for name in out.get("ignored_results", []):
        print(f"warning: result {name!r} has no ground truth; not scored", file=sys.stderr)
    print(table)
    print(f"reference: {out['reference']}")
    if args.json:
        dump_json(out, args.json)
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
