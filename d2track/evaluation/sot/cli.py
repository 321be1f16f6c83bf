"""``tools/evaluate_results.py sot`` (one-pass evaluation) and ``vot`` (reset-based VOT)."""

import os

from tabulate import tabulate

from ..results_cli import ResultCommand, format_number
from .ope_files import evaluate_sot_files
from .vot_files import evaluate_vot_files
from .vot_metrics import VOT_INTERVALS

__all__ = ["COMMANDS"]

SOT_COLUMNS = ("success", "precision", "norm_precision")


def _add_sot_arguments(parser):
    parser.add_argument("--gt", required=True, help="folder of <video>.txt")
    parser.add_argument("--results", required=True, help="folder of <video>.txt")
    parser.add_argument("--visible", help="folder of <video>.txt visibility flags (0/1)")
    parser.add_argument("--protocol", choices=("mmtracking", "lasot"), default="mmtracking")
    parser.add_argument("--plots", metavar="DIR", help="write success/precision plots (PNG) here")
    parser.add_argument("--name", help="tracker name in the plots (default: results folder name)")


def _write_plots(out, args):
    from .plots import plot_precision, plot_success

    curves = {args.name or os.path.basename(os.path.normpath(args.results)): out}
    plot_success(curves, os.path.join(args.plots, "success.png"))
    plot_precision(curves, os.path.join(args.plots, "precision.png"))
    plot_precision(curves, os.path.join(args.plots, "norm_precision.png"), normalized=True)


def _run_sot(args):
    out = evaluate_sot_files(
        args.gt, args.results, visible_dir=args.visible, protocol=args.protocol
    )
    if args.plots:
        _write_plots(out, args)
    rows = dict(out["per_video"], OVERALL=out)
    table = [[name] + [format_number(row[k]) for k in SOT_COLUMNS] for name, row in rows.items()]
    return out, tabulate(table, headers=("video",) + SOT_COLUMNS)


def _add_vot_arguments(parser):
    parser.add_argument("--gt", required=True, help="folder of <seq>.txt or <seq>/groundtruth.txt")
    parser.add_argument(
        "--results", required=True, help="folder of <seq>.txt or <seq>/<seq>_001.txt"
    )
    parser.add_argument("--dataset", required=True, choices=sorted(VOT_INTERVALS))
    parser.add_argument("--image-sizes", metavar="FILE", help='json {"<seq>": [W, H]}')
    parser.add_argument("--burnin", type=int, default=10)


def _run_vot(args):
    out = evaluate_vot_files(
        args.gt,
        args.results,
        dataset=args.dataset,
        image_sizes_path=args.image_sizes,
        burnin=args.burnin,
    )
    table = [
        [name, format_number(v["accuracy"]), v["num_failures"], v["num_frames"]]
        for name, v in out["per_video"].items()
    ]
    overall = [
        "OVERALL",
        format_number(out["accuracy"]),
        out["num_failures"],
        None,
        format_number(out["eao"]),
    ]
    headers = ("sequence", "accuracy", "failures", "frames", "EAO")
    text = tabulate(table + [overall], headers=headers)
    return out, text + f"\nrobustness {out['robustness']:.3f} (failures per 100 frames)"


COMMANDS = (
    ResultCommand("sot", "one-pass evaluation of x,y,w,h txt files", _add_sot_arguments, _run_sot),
    ResultCommand(
        "vot", "reset-based VOT results (EAO, accuracy, robustness)", _add_vot_arguments, _run_vot
    ),
)
