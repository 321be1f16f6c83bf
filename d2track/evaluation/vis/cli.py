"""``tools/evaluate_results.py vis``: a YouTube-VIS results json or CodaLab zip."""

from ..results_cli import ResultCommand, key_value_table
from .files import evaluate_vis_files
from .ytvis_eval import STAT_NAMES

__all__ = ["COMMANDS"]


def _add_arguments(parser):
    parser.add_argument("--gt", required=True, help="YouTube-VIS ground-truth json")
    parser.add_argument("--results", required=True, help="results.json or a zip holding it")
    parser.add_argument("--per-category", action="store_true")
    parser.add_argument("--iou-type", choices=("segm", "bbox"), default="segm")


def _run(args):
    out = evaluate_vis_files(
        args.gt, args.results, per_category=args.per_category, iou_type=args.iou_type
    )
    keys = list(STAT_NAMES) + [k for k in out if k.startswith("AP-")]
    return out, key_value_table(out, keys)


COMMANDS = (
    ResultCommand("vis", "YouTube-VIS results json (or CodaLab zip)", _add_arguments, _run),
)
