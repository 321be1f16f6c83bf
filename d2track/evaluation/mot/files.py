"""Scoring MOTChallenge result files laid out as TrackEval expects (TrackEval 1.3
``MotChallenge2DBox`` preprocessing, HOTA/CLEAR/Identity; py-motmetrics' definitions as an option).
"""

from ..results_io import list_txt_names, plain_numbers, unscored_names
from .data import BENCHMARKS, load_trackeval_layout, preprocess_sequence
from .metrics import evaluate_mot

__all__ = ["evaluate_mot_files"]

_MOT_REFERENCE = {
    "trackeval": "TrackEval 1.3 MotChallenge2DBox + HOTA/CLEAR/Identity",
    "motmetrics": "py-motmetrics 1.4 definitions (on TrackEval's matching; see not_reproduced)",
}


def evaluate_mot_files(
    gt_dir, results_dir, *, benchmark="MOT17", do_preproc=True, convention="trackeval"
):
    """Score MOTChallenge result files laid out as TrackEval expects.

    Args:
        gt_dir (str): ``<gt_dir>/<seq>/gt/gt.txt`` (+ ``<seq>/seqinfo.ini``) per sequence.
        results_dir (str): ``<results_dir>/<seq>.txt`` per sequence.
        benchmark (str): one of MOT15/16/17/20 (MOT15 is never preprocessed).
        do_preproc (bool): TrackEval's distractor preprocessing.
        convention (str): ``"trackeval"`` or ``"motmetrics"`` (see docs/evaluation.md#mot).

    Returns:
        dict: :func:`~d2track.evaluation.mot.metrics.evaluate_mot`'s output (``per_sequence``,
        ``combined``, ``convention``, ``convention_differences``, ``not_reproduced``; TrackEval's
        metric names, rates as fractions) plus ``reference``, ``benchmark``, ``do_preproc`` and
        ``ignored_results``.
    """
    if benchmark not in BENCHMARKS:
        raise ValueError(f"benchmark must be one of {BENCHMARKS}, got {benchmark!r}")
    sequences = load_trackeval_layout(gt_dir, results_dir)
    datas = {
        name: preprocess_sequence(seq, benchmark=benchmark, do_preproc=do_preproc)
        for name, seq in sequences.items()
    }
    out = evaluate_mot(datas, convention=convention)
    out.update(
        reference=_MOT_REFERENCE[convention],
        benchmark=benchmark,
        do_preproc=bool(do_preproc),
        ignored_results=unscored_names(list_txt_names(results_dir), sequences),
    )
    return plain_numbers(out)
