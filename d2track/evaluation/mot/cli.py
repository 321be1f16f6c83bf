"""``tools/evaluate_results.py mot``: MOTChallenge txt files in TrackEval's layout."""

from tabulate import tabulate

from ..results_cli import ResultCommand, format_number
from .data import BENCHMARKS
from .evaluator import to_percent
from .files import evaluate_mot_files
from .metrics import CONVENTIONS

__all__ = ["COMMANDS"]

#: (column header, TrackEval metric name) of the printed table.
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


def _add_arguments(parser):
    parser.add_argument("--gt", required=True, help="folder of <seq>/gt/gt.txt (+ seqinfo.ini)")
    parser.add_argument("--results", required=True, help="folder of <seq>.txt")
    parser.add_argument("--benchmark", choices=BENCHMARKS, default="MOT17")
    parser.add_argument("--no-preproc", action="store_true", help="no distractor preprocessing")
    parser.add_argument("--convention", choices=CONVENTIONS, default="trackeval")


def _run(args):
    out = evaluate_mot_files(
        args.gt,
        args.results,
        benchmark=args.benchmark,
        do_preproc=not args.no_preproc,
        convention=args.convention,
    )
    rows = dict(out["per_sequence"], COMBINED=out["combined"])
    percent = {name: to_percent(row) for name, row in rows.items()}
    table = [
        [name] + [format_number(row[key]) for _, key in MOT_COLUMNS]
        for name, row in percent.items()
    ]
    return out, tabulate(table, headers=["sequence"] + [h for h, _ in MOT_COLUMNS])


COMMANDS = (
    ResultCommand("mot", "MOTChallenge txt files (TrackEval layout)", _add_arguments, _run),
)
