"""MOT metrics (HOTA, CLEAR, Identity) computed by TrackEval's metric classes.

:func:`evaluate_mot` calls TrackEval 1.3's ``trackeval.metrics.HOTA``, ``CLEAR`` and ``Identity``
(``trackeval/metrics/hota.py``, ``clear.py``, ``identity.py``; ``eval_sequence`` and
``combine_sequences``, not re-implemented) on the data dicts of :mod:`d2track.evaluation.mot.data`.
``convention="motmetrics"`` gives py-motmetrics 1.4's definitions (cheind/py-motmetrics,
``motmetrics/metrics.py``) where the two tools disagree, from TrackEval's per-frame matching.

Conventions: docs/evaluation.md#mot
"""

import contextlib
import io
from typing import Mapping, Sequence

import numpy as np
from scipy.optimize import linear_sum_assignment

__all__ = ["evaluate_mot", "MOT_METRICS", "CONVENTIONS"]

MOT_METRICS = ("HOTA", "CLEAR", "Identity")
CONVENTIONS = ("trackeval", "motmetrics")

_COUNT_KEYS = ("num_timesteps", "num_gt_ids", "num_tracker_ids", "num_gt_dets", "num_tracker_dets")
_LIST_KEYS = ("gt_ids", "tracker_ids", "similarity_scores")
_NOT_REPRODUCED = (
    "per-frame matching: CLR_TP/CLR_FN/CLR_FP, IDSW, MOTA, MT/PT/ML and Frag use TrackEval's "
    "matching (continue the previous frame's match, maximise 1000 * continuations + IoU sum), not "
    "py-motmetrics' (continue the last match from any earlier frame, maximise the number of "
    "matches, then minimise 1 - IoU); the two agree unless an object's old prediction competes "
    "with a better-overlapping one after a miss, or fewer high-IoU matches beat more matches"
)


def evaluate_mot(
    sequences: Mapping[str, dict],
    *,
    metrics: Sequence[str] = MOT_METRICS,
    convention: str = "trackeval",
    threshold: float = 0.5,
) -> dict:
    """Evaluate MOT results with TrackEval's HOTA, CLEAR and Identity metrics.

    Args:
        sequences: sequence name -> TrackEval ``data`` dict with ``num_timesteps``,
            ``num_gt_ids``, ``num_tracker_ids``, ``num_gt_dets``, ``num_tracker_dets`` (ints) and,
            per timestep t, ``gt_ids[t]`` (G_t,) and ``tracker_ids[t]`` (P_t,) contiguous 0-based
            ints and ``similarity_scores[t]`` (G_t, P_t) IoUs. Other keys are ignored.
        metrics: any of ``"HOTA"``, ``"CLEAR"``, ``"Identity"``.
        convention: ``"trackeval"`` or ``"motmetrics"`` (see docs/evaluation.md#mot).
        threshold: IoU needed for a CLEAR / Identity match.

    Returns:
        dict with ``"per_sequence"`` ({name: {metric: value}}), ``"combined"`` ({metric: value}),
        ``"convention"`` (the convention used), ``"convention_differences"`` ({metric: text} for
        the metrics whose definition depends on it) and ``"not_reproduced"`` (tuple of texts; empty
        for ``"trackeval"``). Metric names are TrackEval's (HOTA, DetA, AssA, ..., MOTA, MOTP,
        CLR_FP, CLR_FN, IDSW, MT, PT, ML, Frag, ..., IDF1, IDP, IDR, IDTP, IDFN, IDFP); counts
        are ints, rates floats.

    Raises:
        ValueError: on an unknown metric or convention, no sequences, or a malformed data dict
            (the message names the sequence and the key).
    """
    metrics = _check_options(sequences, metrics, convention)
    datas = {name: _validated(name, data) for name, data in sequences.items()}
    classes = _metric_classes(metrics, threshold)
    per_seq = {name: {} for name in datas}
    combined = {}
    for metric in classes.values():
        with contextlib.redirect_stdout(io.StringIO()):
            raw = {name: metric.eval_sequence(data) for name, data in datas.items()}
            raw_combined = metric.combine_sequences(raw)
        for name, res in raw.items():
            per_seq[name].update(_flatten(metric, res))
        combined.update(_flatten(metric, raw_combined))
    not_reproduced = ()
    if convention == "motmetrics":
        not_reproduced = _apply_motmetrics_convention(datas, per_seq, combined, threshold)
    return {
        "per_sequence": per_seq,
        "combined": combined,
        "convention": convention,
        "convention_differences": _differences(metrics),
        "not_reproduced": not_reproduced,
    }


def _check_options(sequences, metrics, convention):
    if convention not in CONVENTIONS:
        raise ValueError(f"convention must be one of {CONVENTIONS}, got {convention!r}")
    if isinstance(metrics, str):
        metrics = (metrics,)
    unknown = [m for m in metrics if m not in MOT_METRICS]
    if unknown or not metrics:
        raise ValueError(f"metrics must be a non-empty subset of {MOT_METRICS}, got {metrics!r}")
    if not sequences:
        raise ValueError("evaluate_mot needs at least one sequence")
    return tuple(m for m in MOT_METRICS if m in metrics)


def _validated(name, data):
    """A copy of ``data`` with numpy arrays; ValueError naming the sequence and key if bad."""

    def fail(key, message):
        raise ValueError(f"sequence {name!r}: key {key!r}: {message}")

    if not isinstance(data, Mapping):
        raise ValueError(f"sequence {name!r}: expected a dict, got {type(data).__name__}")
    for key in _COUNT_KEYS + _LIST_KEYS:
        if key not in data:
            fail(key, "missing")
    counts = {}
    for key in _COUNT_KEYS:
        value = data[key]
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
            fail(key, f"expected a non-negative int, got {value!r}")
        counts[key] = int(value)
    out = dict(counts)
    num_t = counts["num_timesteps"]
    for key in _LIST_KEYS:
        if len(data[key]) != num_t:
            fail(key, f"has {len(data[key])} timesteps, num_timesteps is {num_t}")
    out["gt_ids"] = _ids(data["gt_ids"], counts["num_gt_ids"], lambda m: fail("gt_ids", m))
    out["tracker_ids"] = _ids(
        data["tracker_ids"], counts["num_tracker_ids"], lambda m: fail("tracker_ids", m)
    )
    out["similarity_scores"] = _similarities(
        data["similarity_scores"], out, lambda m: fail("similarity_scores", m)
    )
    for ids_key, num_key in (("gt_ids", "num_gt_dets"), ("tracker_ids", "num_tracker_dets")):
        total = sum(len(ids) for ids in out[ids_key])
        if total != counts[num_key]:
            fail(num_key, f"is {counts[num_key]} but {ids_key} holds {total} detections")
    return out


def _ids(per_frame, num_ids, fail):
    out = []
    for t, ids in enumerate(per_frame):
        ids = np.asarray(ids)
        if ids.ndim != 1 or (ids.size and not np.issubdtype(ids.dtype, np.integer)):
            fail(f"timestep {t}: expected a 1-D int array, got dtype {ids.dtype} shape {ids.shape}")
        ids = ids.astype(np.int64)
        if ids.size and (ids.min() < 0 or ids.max() >= num_ids):
            fail(f"timestep {t}: ids must lie in [0, {num_ids}), got {ids.min()}..{ids.max()}")
        if np.unique(ids).size != ids.size:
            fail(f"timestep {t}: repeated id")
        out.append(ids)
    # TrackEval relabels ids to 0..n-1; an unused id would count as a mostly-lost track.
    used = np.unique(np.concatenate(out)) if out else np.zeros(0, np.int64)
    if used.size != num_ids:
        missing = np.setdiff1d(np.arange(num_ids), used)[:5].tolist()
        fail(f"ids must be contiguous 0..{num_ids - 1}; never used: {missing}")
    return out


def _similarities(per_frame, out, fail):
    sims = []
    for t, sim in enumerate(per_frame):
        sim = np.asarray(sim, dtype=np.float64)
        shape = (len(out["gt_ids"][t]), len(out["tracker_ids"][t]))
        if sim.size == 0 and 0 in shape:
            sim = np.zeros(shape)
        if sim.shape != shape:
            fail(
                f"timestep {t}: shape {sim.shape}, expected (len(gt_ids), len(tracker_ids)) {shape}"
            )
        if not np.isfinite(sim).all():
            fail(f"timestep {t}: non-finite similarity")
        sims.append(sim)
    return sims


def _metric_classes(metrics, threshold):
    import trackeval

    config = {"THRESHOLD": float(threshold), "PRINT_CONFIG": False}
    with contextlib.redirect_stdout(io.StringIO()):
        build = {
            "HOTA": lambda: trackeval.metrics.HOTA(),
            "CLEAR": lambda: trackeval.metrics.CLEAR(dict(config)),
            "Identity": lambda: trackeval.metrics.Identity(dict(config)),
        }
        return {name: build[name]() for name in metrics}


def _flatten(metric, res):
    """TrackEval's result dict -> {name: python scalar}; arrays over alpha are averaged."""
    out = {}
    for field in metric.float_array_fields:
        out[field] = float(np.mean(res[field]))
    for field in metric.float_fields:
        out[field] = float(res[field])
    for field in metric.integer_fields:
        out[field] = int(round(float(res[field])))
    return out


def _differences(metrics):
    out = {}
    if "CLEAR" in metrics:
        out["MOTP"] = "trackeval: mean IoU of matches; motmetrics: mean 1 - IoU (NaN if none)"
        out["MT"] = "trackeval: tracked ratio > 0.8; motmetrics: ratio >= 0.8"
        out["PT"] = "trackeval: 0.2 <= ratio <= 0.8; motmetrics: 0.2 <= ratio < 0.8"
        out["Frag"] = (
            "trackeval: re-matches after an unmatched (or absent) previous evaluated frame; "
            "motmetrics: tracked -> missed transitions inside the tracked span, absent frames "
            "skipped"
        )
    if "CLEAR" in metrics or "Identity" in metrics:
        out["zero_division"] = (
            "trackeval: rates with a 0 denominator are 0; motmetrics: NaN for 0/0 and "
            "MOTA = -inf without gt but with false positives"
        )
    return out


# ------------------------------------------------------------------------------------------------
# py-motmetrics convention, from TrackEval's CLEAR matching.


def _apply_motmetrics_convention(datas, per_seq, combined, threshold):
    """Overwrite the differing metrics in place; returns the ``not_reproduced`` texts."""
    if "CLR_TP" not in combined:
        for res in list(per_seq.values()) + [combined]:
            res.update(_motmetrics_id_rates(res))
        return ()
    totals = {}
    for name, data in datas.items():
        res = per_seq[name]
        mm_counts = _motmetrics_counts(data, threshold)
        _check_replay(name, res, mm_counts)
        res.update(_motmetrics_rates(res, mm_counts))
        for key, value in mm_counts.items():
            totals[key] = totals.get(key, 0) + value
    combined.update(_motmetrics_rates(combined, totals))
    return (_NOT_REPRODUCED,)


def _check_replay(name, res, counts):
    """The replayed matching must reproduce TrackEval's own counts (guards against drift)."""
    for key in ("CLR_TP", "IDSW", "Frag"):
        if counts[f"trackeval_{key}"] != res[key]:
            raise RuntimeError(
                f"sequence {name!r}: replayed CLEAR matching gives {key}="
                f"{counts[f'trackeval_{key}']}, TrackEval gives {res[key]}"
            )


def _divide(a, b):
    """py-motmetrics' ``quiet_divide``: NaN for 0/0, +-inf for x/0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.true_divide(float(a), float(b)))


def _motmetrics_id_rates(res):
    if "IDTP" not in res:
        return {}
    idtp, idfn, idfp = res["IDTP"], res["IDFN"], res["IDFP"]
    return {
        "IDP": _divide(idtp, idtp + idfp),
        "IDR": _divide(idtp, idtp + idfn),
        "IDF1": _divide(2 * idtp, 2 * idtp + idfn + idfp),
    }


def _motmetrics_rates(res, counts):
    """py-motmetrics' definitions of the metrics that differ, from counts and TrackEval fields."""
    tp, fn, fp = res["CLR_TP"], res["CLR_FN"], res["CLR_FP"]
    num_ids = counts["MT"] + counts["PT"] + counts["ML"]
    out = {key: counts[key] for key in ("MT", "PT", "ML", "Frag")}
    out["MOTP"] = _divide(tp - res["MOTP_sum"], tp)
    out["MOTA"] = 1.0 - _divide(fn + res["IDSW"] + fp, tp + fn)
    out["CLR_Re"] = _divide(tp, tp + fn)
    out["CLR_Pr"] = _divide(tp, tp + fp)
    for key in ("MT", "PT", "ML"):
        out[f"{key}R"] = _divide(counts[key], num_ids)
    out.update(_motmetrics_id_rates(res))
    return out


def _motmetrics_counts(data, threshold):
    """MT/PT/ML/Frag with py-motmetrics' rules over TrackEval's CLEAR matching."""
    gid, tracked, te = _replay_clear_matching(data, threshold)
    num_gt_ids = data["num_gt_ids"]
    present = np.bincount(gid, minlength=num_gt_ids)
    hits = np.bincount(gid, weights=tracked, minlength=num_gt_ids)
    ratio = hits[present > 0] / present[present > 0]
    mt = int(np.sum(ratio >= 0.8))
    pt = int(np.sum((ratio >= 0.2) & (ratio < 0.8)))
    counts = {
        "MT": mt,
        "PT": pt,
        "ML": num_gt_ids - mt - pt,
        "Frag": _motmetrics_frag(gid, tracked),
    }
    counts.update({f"trackeval_{k}": v for k, v in te.items()})
    return counts


def _motmetrics_frag(gid, tracked):
    """Tracked -> missed transitions before the object's last match.

    Args:
        gid: (M,) gt id of every gt detection, sorted by id then time (stable).
        tracked: (M,) bool, whether that detection was matched.
    """
    if gid.size == 0:
        return 0
    pos = np.arange(gid.size)
    last_hit = np.full(gid.max() + 1, -1)
    np.maximum.at(last_hit, gid[tracked], pos[tracked])
    starts_miss = np.zeros(gid.size, bool)
    starts_miss[1:] = (gid[1:] == gid[:-1]) & tracked[:-1] & ~tracked[1:]
    return int(np.sum(starts_miss & (pos < last_hit[gid])))


def _replay_clear_matching(data, threshold):
    """Per-frame assignment of ``trackeval.metrics.CLEAR.eval_sequence``, replayed.

    TrackEval does not expose its matches, so this repeats its rule: Hungarian on
    ``1000 * (continues previous frame's match) + IoU`` with IoU < threshold zeroed; frames without
    gt or without predictions leave the previous-frame state untouched.

    Returns:
        gid (M,) gt ids of all gt detections sorted by (id, time); tracked (M,) bool in the same
        order; and TrackEval's CLR_TP / IDSW / Frag from this replay, for the consistency check.
    """
    eps = np.finfo("float").eps
    num_gt_ids = data["num_gt_ids"]
    prev_any = np.full(num_gt_ids, np.nan)  # last matched tracker id, any frame back
    prev_frame = np.full(num_gt_ids, np.nan)  # matched tracker id in the previous evaluated frame
    frag_starts = np.zeros(num_gt_ids, int)
    gids, hits, tp, idsw = [], [], 0, 0
    for gt_ids, tr_ids, sim in zip(data["gt_ids"], data["tracker_ids"], data["similarity_scores"]):
        hit = np.zeros(len(gt_ids), bool)
        gids.append(gt_ids)
        hits.append(hit)
        if len(gt_ids) == 0 or len(tr_ids) == 0:
            continue
        score = 1000.0 * (tr_ids[None, :] == prev_frame[gt_ids][:, None]) + sim
        score[sim < threshold - eps] = 0
        rows, cols = linear_sum_assignment(-score)
        keep = score[rows, cols] > eps
        rows, cols = rows[keep], cols[keep]
        matched_gt, matched_tr = gt_ids[rows], tr_ids[cols]
        before = prev_any[matched_gt]
        idsw += int(np.sum(~np.isnan(before) & (before != matched_tr)))
        frag_starts[matched_gt] += np.isnan(prev_frame[matched_gt])
        prev_any[matched_gt] = matched_tr
        prev_frame[:] = np.nan
        prev_frame[matched_gt] = matched_tr
        hit[rows] = True
        tp += len(rows)
    gid = np.concatenate(gids) if gids else np.zeros(0, int)
    tracked = np.concatenate(hits) if hits else np.zeros(0, bool)
    order = np.argsort(gid, kind="stable")
    frag = int(np.sum(np.maximum(frag_starts - 1, 0)))
    return gid[order], tracked[order], {"CLR_TP": tp, "IDSW": idsw, "Frag": frag}
