"""``tools/evaluate_results.py vid``: COCO detections of a CocoVID ground truth."""

from ..results_cli import ResultCommand, key_value_table
from .files import VID_MAX_DETS, evaluate_vid_files

__all__ = ["COMMANDS"]


def _add_arguments(parser):
    parser.add_argument("--gt", required=True, help="CocoVID (or COCO) json")
    parser.add_argument("--results", required=True, help="COCO results json (list of detections)")
    parser.add_argument("--max-dets", choices=sorted(VID_MAX_DETS), default="mmdet")
    parser.add_argument("--per-category", action="store_true")


def _run(args):
    out = evaluate_vid_files(
        args.gt, args.results, max_dets=args.max_dets, per_category=args.per_category
    )
    keys = [k for k in out if k.startswith("bbox_") or k.startswith("AP-")]
    return out, key_value_table(out, keys)


COMMANDS = (
    ResultCommand("vid", "COCO detections of a CocoVID ground truth", _add_arguments, _run),
)
