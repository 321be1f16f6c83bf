"""evaluate_mot against TrackEval and py-motmetrics (both run here), and hand-computed cases."""

import contextlib
import io
import math
import os
import shutil

import numpy as np
import pytest
import trackeval

from d2track.evaluation.mot.metrics import evaluate_mot
from d2track.evaluation.mot.motmetrics_compat import import_motmetrics

mm = import_motmetrics()
TUD = {"TUD-Campus": 71, "TUD-Stadtmitte": 179}
MM_DATA = os.path.join(os.path.dirname(mm.__file__), "data")
HOTA_ARRAYS = ("HOTA", "DetA", "AssA", "DetRe", "DetPr", "AssRe", "AssPr", "LocA", "OWTA")
# evaluate_mot name -> py-motmetrics name, for metrics on which the two tools agree.
AGREE = {
    "MOTA": "mota",
    "CLR_TP": "num_detections",
    "CLR_FP": "num_false_positives",
    "CLR_FN": "num_misses",
    "IDSW": "num_switches",
    "ML": "mostly_lost",
    "CLR_Re": "recall",
    "CLR_Pr": "precision",
    "IDF1": "idf1",
    "IDP": "idp",
    "IDR": "idr",
    "IDTP": "idtp",
    "IDFN": "idfn",
    "IDFP": "idfp",
}
DIFFER = {"MOTP": "motp", "MT": "mostly_tracked", "PT": "partially_tracked"}
DIFFER["Frag"] = "num_fragmentations"
MM_METRICS = list(AGREE.values()) + list(DIFFER.values())


def _layout(root, seqs):
    """TrackEval's MOTChallenge layout: root/gt/<seq>/gt/gt.txt and root/tr/trk/data/<seq>.txt."""
    for seq, (gt_file, tr_file) in seqs.items():
        os.makedirs(os.path.join(root, "gt", seq, "gt"), exist_ok=True)
        os.makedirs(os.path.join(root, "tr", "trk", "data"), exist_ok=True)
        shutil.copy(gt_file, os.path.join(root, "gt", seq, "gt", "gt.txt"))
        shutil.copy(tr_file, os.path.join(root, "tr", "trk", "data", f"{seq}.txt"))


def _dataset(root, lengths):
    config = {
        "GT_FOLDER": os.path.join(root, "gt"),
        "TRACKERS_FOLDER": os.path.join(root, "tr"),
        "OUTPUT_FOLDER": os.path.join(root, "out"),
        "TRACKERS_TO_EVAL": ["trk"],
        "BENCHMARK": "MOT15",
        "SKIP_SPLIT_FOL": True,
        "SEQ_INFO": dict(lengths),
        "PRINT_CONFIG": False,
    }
    return trackeval.datasets.MotChallenge2DBox(config)


def _trackeval_data(dataset, seqs):
    out = {}
    for seq in seqs:
        raw = dataset.get_raw_seq_data("trk", seq)
        out[seq] = dataset.get_preprocessed_seq_data(raw, "pedestrian")
    return out


def _motmetrics(seqs):
    """py-motmetrics summary rows per sequence and 'OVERALL', as dicts."""
    accs = []
    for gt_file, tr_file in seqs.values():
        gt = mm.io.loadtxt(gt_file, fmt="mot15-2D", min_confidence=1)
        ts = mm.io.loadtxt(tr_file, fmt="mot15-2D")
        accs.append(mm.utils.compare_to_groundtruth(gt, ts, "iou", distth=0.5))
    summary = mm.metrics.create().compute_many(
        accs, names=list(seqs), metrics=MM_METRICS, generate_overall=True
    )
    return {name: summary.loc[name].to_dict() for name in summary.index}


@pytest.fixture(scope="module")
def tud(tmp_path_factory):
    root = str(tmp_path_factory.mktemp("tud"))
    files = {s: (f"{MM_DATA}/{s}/gt.txt", f"{MM_DATA}/{s}/test.txt") for s in TUD}
    _layout(root, files)
    dataset = _dataset(root, TUD)
    metrics = [
        trackeval.metrics.HOTA(),
        trackeval.metrics.CLEAR({"PRINT_CONFIG": False}),
        trackeval.metrics.Identity({"PRINT_CONFIG": False}),
    ]
    config = {"PRINT_RESULTS": False, "PRINT_CONFIG": False, "TIME_PROGRESS": False}
    config.update(OUTPUT_SUMMARY=False, OUTPUT_DETAILED=False, PLOT_CURVES=False, LOG_ON_ERROR=None)
    with contextlib.redirect_stdout(io.StringIO()):
        res, _ = trackeval.Evaluator(config).evaluate([dataset], metrics)
    reference = {
        seq: {k: v for m in r["pedestrian"].values() for k, v in m.items()}
        for seq, r in res["MotChallenge2DBox"]["trk"].items()
    }
    return _trackeval_data(dataset, TUD), reference, _motmetrics(files)


def _trackeval_value(ref, key):
    value = ref[key]
    return float(np.mean(value)) if key in HOTA_ARRAYS else float(value)


def _assert_close(actual, expected, where):
    if math.isnan(expected):
        assert math.isnan(actual), where
    else:
        assert actual == pytest.approx(expected, abs=1e-9, rel=0), where


def test_tud_equals_trackeval(tud):
    datas, reference, _ = tud
    out = evaluate_mot(datas)
    assert out["convention"] == "trackeval" and out["not_reproduced"] == ()
    rows = dict(out["per_sequence"], COMBINED_SEQ=out["combined"])
    assert set(rows) == set(reference)
    for seq, row in rows.items():
        assert {"HOTA", "DetA", "AssA", "LocA", "MOTA", "MOTP", "IDF1", "Frag"} <= set(row)
        for key, value in row.items():
            _assert_close(value, _trackeval_value(reference[seq], key), (seq, key))
    combined = out["combined"]
    assert (combined["CLR_TP"], combined["CLR_FP"], combined["CLR_FN"]) == (913, 58, 602)
    assert (combined["IDSW"], combined["MT"], combined["PT"], combined["ML"]) == (14, 6, 10, 2)
    assert isinstance(combined["IDSW"], int) and isinstance(combined["MOTA"], float)


@pytest.mark.parametrize("convention", ["trackeval", "motmetrics"])
def test_tud_equals_motmetrics(tud, convention):
    datas, _, reference = tud
    out = evaluate_mot(datas, convention=convention)
    rows = dict(out["per_sequence"], OVERALL=out["combined"])
    names = dict(AGREE, **DIFFER) if convention == "motmetrics" else AGREE
    for seq, row in rows.items():
        for key, mm_key in names.items():
            _assert_close(row[key], float(reference[seq][mm_key]), (seq, key))
    # On TUD the two conventions differ only by MOTP; every other metric is TrackEval's.
    other = evaluate_mot(datas, convention=({"trackeval", "motmetrics"} - {convention}).pop())
    other_rows = dict(other["per_sequence"], OVERALL=other["combined"])
    for seq, row in rows.items():
        assert row["MOTP"] == pytest.approx(1 - other_rows[seq]["MOTP"], abs=1e-12)
        for key, value in row.items():
            if key != "MOTP":
                _assert_close(value, other_rows[seq][key], (seq, key))
    assert out["convention"] == convention


def test_metric_subset_and_threshold(tud):
    datas, _, _ = tud
    out = evaluate_mot(datas, metrics=("Identity",))
    assert set(out["combined"]) == {"IDF1", "IDP", "IDR", "IDTP", "IDFN", "IDFP"}
    assert set(out["convention_differences"]) == {"zero_division"}
    data = dict(_tiny(), num_tracker_ids=0, num_tracker_dets=0)
    data["tracker_ids"] = [np.zeros(0, int)] * 2
    data["similarity_scores"] = [np.zeros((1, 0))] * 2
    row = evaluate_mot({"s": data}, metrics=("Identity",), convention="motmetrics")["combined"]
    assert math.isnan(row["IDP"]) and (row["IDR"], row["IDF1"], row["IDFN"]) == (0, 0, 2)
    strict = evaluate_mot(datas, metrics="CLEAR", threshold=0.9)["combined"]
    assert strict["CLR_TP"] < 913 and strict["CLR_TP"] + strict["CLR_FN"] == 1515


# ------------------------------------------------------------------------------------------------
# Hand-made sequences, written as MOT15 files and read by TrackEval and py-motmetrics.

BOX = (1, 1, 10, 10)


def _rows_to_file(path, rows, conf):
    with open(path, "w") as f:
        for frame, obj, x, y, w, h in rows:
            f.write(f"{frame},{obj},{x},{y},{w},{h},{conf},-1,-1,-1\n")


def _case(tmp_path, gt_rows, tr_rows, num_frames, **kwargs):
    """(evaluate_mot's row, py-motmetrics' row) for one sequence 'seq'."""
    gt_file, tr_file = str(tmp_path / "gt_in.txt"), str(tmp_path / "tr_in.txt")
    _rows_to_file(gt_file, gt_rows, 1)
    _rows_to_file(tr_file, tr_rows, -1)
    files = {"seq": (gt_file, tr_file)}
    _layout(str(tmp_path), files)
    datas = _trackeval_data(_dataset(str(tmp_path), {"seq": num_frames}), files)
    return evaluate_mot(datas, **kwargs), _motmetrics(files)["seq"]


def test_empty_tracker(tmp_path):
    gt = [(t, i, 1 + 20 * i, 1, 10, 10) for t in (1, 2, 3) for i in (1, 2)]
    out, ref = _case(tmp_path, gt, [], 3)
    row = out["combined"]
    assert (row["CLR_TP"], row["CLR_FN"], row["CLR_FP"], row["IDSW"]) == (0, 6, 0, 0)
    assert (row["MT"], row["PT"], row["ML"], row["Frag"]) == (0, 0, 2, 0)
    assert (row["MOTA"], row["MOTP"], row["CLR_Pr"], row["IDP"], row["IDF1"]) == (0, 0, 0, 0, 0)
    assert (row["HOTA"], row["DetA"], row["AssA"], row["LocA"]) == (0, 0, 0, 1)
    mmrow, _ = _case(tmp_path, gt, [], 3, convention="motmetrics")
    mmrow = mmrow["combined"]
    assert math.isnan(mmrow["MOTP"]) and math.isnan(mmrow["CLR_Pr"]) and math.isnan(mmrow["IDP"])
    for key, mm_key in dict(AGREE, **DIFFER).items():
        _assert_close(mmrow[key], float(ref[mm_key]), key)


def test_empty_gt(tmp_path):
    tr = [(1, 7, *BOX), (2, 7, *BOX)]
    out, ref = _case(tmp_path, [], tr, 2)
    row = out["combined"]
    assert (row["CLR_TP"], row["CLR_FN"], row["CLR_FP"], row["IDFP"]) == (0, 0, 2, 2)
    assert (row["MOTA"], row["CLR_Re"], row["IDR"], row["HOTA"]) == (-2.0, 0, 0, 0)
    mmrow = _case(tmp_path, [], tr, 2, convention="motmetrics")[0]["combined"]
    assert mmrow["MOTA"] == -math.inf and math.isnan(mmrow["CLR_Re"]) and mmrow["CLR_Pr"] == 0
    for key, mm_key in dict(AGREE, **DIFFER).items():
        _assert_close(mmrow[key], float(ref[mm_key]), key)


def test_one_frame_exact_threshold_tie(tmp_path):
    # gt 1 vs pred 5: IoU = 50 / 100 = 0.5 exactly (a match at threshold 0.5); pred 6 hits nothing.
    gt = [(1, 1, 1, 1, 10, 10), (1, 2, 51, 1, 10, 10)]
    tr = [(1, 5, 1, 1, 10, 5), (1, 6, 101, 1, 10, 10)]
    out, ref = _case(tmp_path, gt, tr, 1)
    row = out["combined"]
    assert (row["CLR_TP"], row["CLR_FN"], row["CLR_FP"], row["IDSW"]) == (1, 1, 1, 0)
    assert (row["MOTA"], row["MOTP"], row["CLR_Re"], row["IDF1"]) == (0.0, 0.5, 0.5, 0.5)
    assert (row["MT"], row["PT"], row["ML"], row["CLR_Frames"]) == (1, 0, 1, 1)
    # HOTA: alphas 0.05..0.5 (10 of 19) match with DetA = 1/3, AssA = 1; the 9 above do not.
    assert row["DetA"] == pytest.approx(10 / 19 / 3, abs=1e-12)
    assert row["HOTA"] == pytest.approx(10 / 19 * math.sqrt(1 / 3), abs=1e-12)
    assert row["HOTA(0)"] == pytest.approx(math.sqrt(1 / 3), abs=1e-12)
    assert row["LocA(0)"] == pytest.approx(0.5, abs=1e-12)
    for key, mm_key in AGREE.items():
        _assert_close(row[key], float(ref[mm_key]), key)
    assert float(ref["motp"]) == 0.5


def test_equal_iou_tie_keeps_previous_id(tmp_path):
    # Frame 2: preds 1 and 2 overlap gt 1 with the same IoU 80/120; both tools keep pred 1.
    gt = [(1, 1, 11, 1, 10, 10), (2, 1, 11, 1, 10, 10)]
    tr = [(1, 1, 11, 1, 10, 10), (2, 2, 9, 1, 10, 10), (2, 1, 13, 1, 10, 10)]
    out, ref = _case(tmp_path, gt, tr, 2)
    row = out["combined"]
    assert (row["CLR_TP"], row["CLR_FP"], row["IDSW"], row["IDTP"]) == (2, 1, 0, 2)
    assert row["MOTP"] == pytest.approx((1 + 2 / 3) / 2, abs=1e-12)
    for key, mm_key in AGREE.items():
        _assert_close(row[key], float(ref[mm_key]), key)


def test_id_switch(tmp_path):
    gt = [(t, 1, 1, 1, 10, 10) for t in (1, 2, 3, 4)]
    tr = [(t, 1 if t <= 2 else 2, 1, 1, 10, 10) for t in (1, 2, 3, 4)]
    out, ref = _case(tmp_path, gt, tr, 4)
    row = out["combined"]
    assert (row["CLR_TP"], row["IDSW"], row["Frag"], row["MT"]) == (4, 1, 0, 1)
    assert (row["MOTA"], row["IDTP"], row["IDFN"], row["IDFP"], row["IDF1"]) == (0.75, 2, 2, 2, 0.5)
    assert row["AssA"] == pytest.approx(0.5, abs=1e-12) and row["DetA"] == 1.0
    for key, mm_key in dict(AGREE, **DIFFER).items():
        if key != "MOTP":
            _assert_close(row[key], float(ref[mm_key]), key)


def _two_objects(frames_a, frames_b):
    return [(t, 1, 1, 1, 10, 10) for t in frames_a] + [(t, 2, 51, 1, 10, 10) for t in frames_b]


def test_leave_and_reenter_frag(tmp_path):
    # Object 1 is absent in frame 3 and perfectly tracked otherwise; object 2 is always tracked.
    gt = _two_objects((1, 2, 4, 5), range(1, 6))
    out, ref = _case(tmp_path, gt, gt, 5)
    row = out["combined"]
    assert (row["CLR_TP"], row["IDSW"], row["MT"], row["MOTA"]) == (9, 0, 2, 1.0)
    assert row["Frag"] == 1 and ref["num_fragmentations"] == 0
    mmrow, _ = _case(tmp_path, gt, gt, 5, convention="motmetrics")
    assert mmrow["combined"]["Frag"] == 0


def test_missed_then_retracked_frag(tmp_path):
    # Object 1 is missed in frame 3 (its prediction is absent): one fragmentation in both tools.
    gt = _two_objects(range(1, 5), range(1, 5))
    tr = _two_objects((1, 2, 4), range(1, 5))
    out, ref = _case(tmp_path, gt, tr, 4)
    assert out["combined"]["Frag"] == 1 == ref["num_fragmentations"]
    assert (out["combined"]["MT"], out["combined"]["PT"]) == (1, 1)  # ratios 4/4 and 3/4
    assert (ref["mostly_tracked"], ref["partially_tracked"]) == (1, 1)


def test_frame_without_predictions_frag(tmp_path):
    # No prediction at all in frame 3: TrackEval skips the frame for Frag, py-motmetrics does not.
    gt = _two_objects(range(1, 5), range(1, 5))
    tr = _two_objects((1, 2, 4), (1, 2, 4))
    out, ref = _case(tmp_path, gt, tr, 4)
    assert (out["combined"]["Frag"], ref["num_fragmentations"]) == (0, 2)
    assert (out["combined"]["CLR_FN"], out["combined"]["PT"]) == (2, 2)
    mmrow, _ = _case(tmp_path, gt, tr, 4, convention="motmetrics")
    assert (mmrow["combined"]["Frag"], mmrow["combined"]["PT"]) == (2, 2)


def test_mostly_tracked_at_exactly_080(tmp_path):
    gt = [(t, 1, 1, 1, 10, 10) for t in range(1, 6)]
    tr = [(t, 1, 1, 1, 10, 10) for t in range(1, 5)]
    out, ref = _case(tmp_path, gt, tr, 5)
    assert (out["combined"]["MT"], out["combined"]["PT"]) == (0, 1)
    assert (ref["mostly_tracked"], ref["partially_tracked"]) == (1, 0)
    mmrow, _ = _case(tmp_path, gt, tr, 5, convention="motmetrics")
    assert (mmrow["combined"]["MT"], mmrow["combined"]["PT"], mmrow["combined"]["MTR"]) == (1, 0, 1)


def test_matching_difference_is_reported_not_faked(tmp_path):
    # Frame 2 misses object 1; in frame 3 its old prediction 1 (IoU 2/3) competes with prediction 2
    # (IoU 1). py-motmetrics keeps 1 (no switch), TrackEval picks 2 (one switch).
    gt = [(t, 1, 11, 1, 10, 10) for t in (1, 2, 3)]
    tr = [(1, 1, 11, 1, 10, 10), (2, 2, 201, 1, 10, 10), (3, 1, 13, 1, 10, 10)]
    tr.append((3, 2, 11, 1, 10, 10))
    out, ref = _case(tmp_path, gt, tr, 3, convention="motmetrics")
    assert out["combined"]["IDSW"] == 1 and ref["num_switches"] == 0
    assert out["not_reproduced"] and "matching" in out["not_reproduced"][0]
    assert out["combined"]["MOTP"] == pytest.approx(0.0, abs=1e-12)
    assert float(ref["motp"]) == pytest.approx(1 / 6, abs=1e-12)


# ------------------------------------------------------------------------------------------------
# Bad input.


def _tiny():
    return {
        "num_timesteps": 2,
        "num_gt_ids": 1,
        "num_tracker_ids": 1,
        "num_gt_dets": 2,
        "num_tracker_dets": 1,
        "gt_ids": [np.array([0]), np.array([0])],
        "tracker_ids": [np.array([0]), np.array([], int)],
        "similarity_scores": [np.array([[0.9]]), np.zeros((1, 0))],
    }


def test_tiny_dict_without_files():
    row = evaluate_mot({"tiny": _tiny()})["combined"]
    assert (row["CLR_TP"], row["CLR_FN"], row["MOTP"], row["Frag"]) == (1, 1, 0.9, 0)


@pytest.mark.parametrize(
    "edit, match",
    [
        (lambda d: d.pop("similarity_scores"), "'similarity_scores': missing"),
        (lambda d: d["gt_ids"].pop(), "'gt_ids': has 1 timesteps, num_timesteps is 2"),
        (lambda d: d.update(num_gt_dets=3), "'num_gt_dets': is 3 but gt_ids holds 2"),
        (lambda d: d.update(num_timesteps=2.0), "'num_timesteps': expected a non-negative int"),
        (lambda d: d["gt_ids"].__setitem__(1, np.array([1])), r"'gt_ids': timestep 1: ids must"),
        (
            lambda d: d.update(num_gt_ids=2),
            r"'gt_ids': ids must be contiguous 0..1; never used: \[1\]",
        ),
        (lambda d: d["tracker_ids"].__setitem__(0, np.array([0.5])), "'tracker_ids': timestep 0"),
        (
            lambda d: d["similarity_scores"].__setitem__(0, np.zeros((2, 1))),
            r"'similarity_scores': timestep 0: shape \(2, 1\)",
        ),
    ],
)
def test_bad_input_names_sequence_and_key(edit, match):
    data = _tiny()
    edit(data)
    with pytest.raises(ValueError, match="sequence 'bad': key " + match):
        evaluate_mot({"bad": data})


def test_bad_options():
    with pytest.raises(ValueError, match="convention"):
        evaluate_mot({"tiny": _tiny()}, convention="mot")
    with pytest.raises(ValueError, match="metrics"):
        evaluate_mot({"tiny": _tiny()}, metrics=("MOTA",))
    with pytest.raises(ValueError, match="at least one sequence"):
        evaluate_mot({})
