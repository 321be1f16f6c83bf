import dataclasses
import importlib.util
import os
import shutil

import numpy as np
import pytest
from trackeval.datasets import MotChallenge2DBox
from trackeval.metrics import CLEAR, HOTA, Identity

from d2track.evaluation.mot.data import (
    MOTSequence,
    box_iou_xywh,
    load_trackeval_layout,
    preprocess_sequence,
    read_mot_txt,
    read_seqinfo,
    write_mot_txt,
)
from d2track.utils.input_files import InputFileError

MOTMETRICS_DATA = os.path.join(
    os.path.dirname(importlib.util.find_spec("motmetrics").origin), "data"
)
SEQINFO = "[Sequence]\nname={name}\nseqLength={length}\nimWidth=640\nimHeight=480\n"


def _rows_text(rows):
    return "".join(",".join(f"{v:g}" for v in row) + "\n" for row in rows)


def _layout(root, sequences, *, seqinfo=True):
    """sequences: {name: (gt_text, results_text, length)} -> (gt_dir, results_dir)."""
    gt_dir, results_dir = root / "gt", root / "trackers" / "trk"
    results_dir.mkdir(parents=True, exist_ok=True)
    for name, (gt_text, results_text, length) in sequences.items():
        (gt_dir / name / "gt").mkdir(parents=True)
        (gt_dir / name / "gt" / "gt.txt").write_text(gt_text)
        if seqinfo:
            (gt_dir / name / "seqinfo.ini").write_text(SEQINFO.format(name=name, length=length))
        if results_text is not None:
            (results_dir / f"{name}.txt").write_text(results_text)
    return gt_dir, results_dir


def _trackeval_dataset(gt_dir, results_dir, seq, *, benchmark, do_preproc=True):
    config = {
        "GT_FOLDER": str(gt_dir),
        "TRACKERS_FOLDER": str(results_dir.parent),
        "TRACKERS_TO_EVAL": [results_dir.name],
        "TRACKER_SUB_FOLDER": "",
        "SKIP_SPLIT_FOL": True,
        "BENCHMARK": benchmark,
        "SPLIT_TO_EVAL": "train",
        "SEQ_INFO": {seq: None},  # length read from seqinfo.ini
        "DO_PREPROC": do_preproc,
        "PRINT_CONFIG": False,
    }
    return MotChallenge2DBox(config)


def _trackeval(gt_dir, results_dir, seq, *, benchmark, do_preproc=True):
    dataset = _trackeval_dataset(
        gt_dir, results_dir, seq, benchmark=benchmark, do_preproc=do_preproc
    )
    raw = dataset.get_raw_seq_data(results_dir.name, seq)
    return dataset.get_preprocessed_seq_data(raw, "pedestrian")


def _assert_same(ours, ref):
    assert set(ref) <= set(ours)
    for key, expected in ref.items():
        if not isinstance(expected, list):
            assert ours[key] == expected, key
            continue
        assert len(ours[key]) == len(expected), key
        for t, (mine, theirs) in enumerate(zip(ours[key], expected)):
            assert mine.shape == theirs.shape and mine.dtype == theirs.dtype, (key, t)
            if key == "similarity_scores":
                np.testing.assert_allclose(mine, theirs, rtol=0, atol=1e-12, err_msg=f"{key} {t}")
            else:
                np.testing.assert_array_equal(mine, theirs, err_msg=f"{key} {t}")


def _assert_same_metrics(ours, ref):
    quiet = {"PRINT_CONFIG": False}
    for metric in (CLEAR(quiet), Identity(quiet), HOTA(quiet)):
        mine, theirs = metric.eval_sequence(ours), metric.eval_sequence(ref)
        for field, value in theirs.items():
            np.testing.assert_allclose(mine[field], value, rtol=0, atol=1e-9, err_msg=field)


# --- real data: py-motmetrics' TUD sequences through TrackEval (MOT15) ---------------------


@pytest.mark.parametrize("name,length", [("TUD-Campus", 71), ("TUD-Stadtmitte", 179)])
def test_tud_matches_trackeval(tmp_path, name, length):
    gt_text = open(os.path.join(MOTMETRICS_DATA, name, "gt.txt")).read()
    results_text = open(os.path.join(MOTMETRICS_DATA, name, "test.txt")).read()
    gt_dir, results_dir = _layout(tmp_path, {name: (gt_text, results_text, length)})
    seq = load_trackeval_layout(gt_dir, results_dir)[name]
    assert (
        seq.num_frames
        == length
        == int(read_mot_txt(gt_dir / name / "gt" / "gt.txt", is_gt=True)[:, 0].max())
    )
    ours = preprocess_sequence(seq, benchmark="MOT15")
    ref = _trackeval(gt_dir, results_dir, name, benchmark="MOT15")
    _assert_same(ours, ref)
    _assert_same_metrics(ours, ref)
    assert ours["num_gt_dets"] == len(gt_text.splitlines())
    assert ours["num_tracker_dets"] == len(results_text.splitlines())


def test_tud_campus_counts_and_orig_ids(tmp_path):
    shutil.copytree(os.path.join(MOTMETRICS_DATA, "TUD-Campus"), tmp_path / "src")
    rows = read_mot_txt(tmp_path / "src" / "gt.txt", is_gt=True)
    assert rows.shape == (359, 10)
    seq = MOTSequence.from_rows(
        "TUD-Campus", 71, rows, read_mot_txt(tmp_path / "src" / "test.txt", is_gt=False)
    )
    data = preprocess_sequence(seq, benchmark="MOT15")
    assert (data["num_gt_ids"], data["num_gt_dets"]) == (8, 359)
    assert (data["num_tracker_ids"], data["num_tracker_dets"]) == (
        len(np.unique(seq.tracker_rows()[:, 1])),
        222,
    )
    orig = np.unique(np.concatenate(data["gt_ids_orig"]))
    for ids, ids_orig in zip(data["gt_ids"], data["gt_ids_orig"]):
        np.testing.assert_array_equal(orig[ids], ids_orig)


# --- fabricated MOT17/MOT20 sequence where preprocessing matters --------------------------

# frame, id, x, y, w, h, conf, class, vis
GT_ROWS = [
    # frame 1: one gt per class situation, 10x10 boxes spaced 20 px apart
    [1, 1, 0, 0, 10, 10, 1, 1, 1.0],  # pedestrian
    [1, 2, 20, 0, 10, 10, 0, 2, 1.0],  # person_on_vehicle (distractor)
    [1, 3, 40, 0, 10, 10, 0, 7, 0.5],  # static_person (distractor): result at IoU exactly 0.5
    [1, 4, 60, 0, 10, 10, 1, 3, 1.0],  # car: not a distractor, kept only without preproc
    [1, 5, 80, 0, 10, 10, 0, 1, 1.0],  # zero-marked pedestrian
    [1, 6, 100, 0, 10, 10, 0, 12, 1.0],  # reflection (distractor)
    [1, 7, 120, 0, 10, 10, 0, 8, 1.0],  # distractor: result just below IoU 0.5
    [1, 8, 140, 0, 10, 10, 0, 6, 1.0],  # non_mot_vehicle: distractor for MOT20 only
    [1, 9, 160, 0, 10, 10, 0.5, 1, 1.0],  # conf 0.5 truncates to 0: zero marked
    [1, 10, 180, 0, 10, 10, -1, 1, 1.0],  # conf -1 is not zero marked
    # frame 2: exact IoU ties
    [2, 1, 0, 0, 10, 10, 1, 1, 1.0],  # pedestrian and distractor on the same box
    [2, 2, 0, 0, 10, 10, 0, 8, 1.0],
    [2, 7, 50, 0, 10, 10, 0, 8, 1.0],  # one distractor under two identical results
    # frame 3: nothing; frame 4: gt only
    [4, 1, 0, 0, 10, 10, 1, 1, 1.0],
    # frame 6: Hungarian, not greedy: X overlaps B more, but X-A + Y-B is the better matching
    [6, 1, 0, 0, 10, 10, 1, 1, 1.0],  # A, pedestrian
    [6, 2, 3, 0, 10, 10, 0, 2, 1.0],  # B, distractor
    # frame 7: object 1 re-enters
    [7, 1, 0, 0, 10, 10, 1, 1, 1.0],
]
# frame, id, x, y, w, h, conf
RESULT_ROWS = [
    [1, 11, 0, 0, 10, 10, 0.9],  # on the pedestrian: kept
    [1, 12, 20, 0, 10, 10, 0.9],  # on person_on_vehicle: removed
    [1, 13, 40, 0, 10, 5, 0.9],  # IoU exactly 0.5 with static_person: removed
    [1, 14, 60, 0, 10, 10, 0.9],  # on the car: kept
    [1, 15, 80, 0, 10, 10, 0.9],  # on the zero-marked pedestrian: kept
    [1, 16, 100, 0, 10, 10, 0.9],  # on reflection: removed
    [1, 17, 120, 0, 10, 4.99, 0.9],  # IoU 0.499 with distractor: kept
    [1, 18, 140, 0, 10, 10, 0.9],  # on non_mot_vehicle: removed for MOT20 only
    [2, 11, 0, 0, 10, 10, 0.8],
    [2, 21, 50, 0, 10, 10, 0.8],
    [2, 22, 50, 0, 10, 10, 0.7],
    [5, 11, 0, 0, 10, 10, 0.8],  # results only
    [6, 31, 2, 0, 10, 10, 0.8],  # X: IoU 8/12 with A, 9/11 with B
    [6, 32, 4, 0, 10, 10, 0.8],  # Y: IoU 9/11 with B, 6/14 with A
]
LENGTH = 8  # frame 8 is empty too


def _fabricated(tmp_path, gt_rows=GT_ROWS, result_rows=RESULT_ROWS):
    results = _rows_text([list(r) + [-1, -1, -1] for r in result_rows])
    gt_dir, results_dir = _layout(tmp_path, {"FAB-01": (_rows_text(gt_rows), results, LENGTH)})
    return gt_dir, results_dir, load_trackeval_layout(gt_dir, results_dir)["FAB-01"]


@pytest.mark.parametrize("benchmark", ["MOT15", "MOT16", "MOT17", "MOT20"])
@pytest.mark.parametrize("do_preproc", [True, False])
def test_fabricated_matches_trackeval(tmp_path, benchmark, do_preproc):
    gt_dir, results_dir, seq = _fabricated(tmp_path)
    ours = preprocess_sequence(seq, benchmark=benchmark, do_preproc=do_preproc)
    ref = _trackeval(gt_dir, results_dir, "FAB-01", benchmark=benchmark, do_preproc=do_preproc)
    _assert_same(ours, ref)
    _assert_same_metrics(ours, ref)


@pytest.mark.parametrize(
    "benchmark,removed_frame1", [("MOT17", {12, 13, 16}), ("MOT20", {12, 13, 16, 18})]
)
def test_fabricated_hand_computed(tmp_path, benchmark, removed_frame1):
    _, _, seq = _fabricated(tmp_path)
    data = preprocess_sequence(seq, benchmark=benchmark)
    assert set(data["tracker_ids_orig"][0].tolist()) == set(range(11, 19)) - removed_frame1
    assert data["gt_ids_orig"][0].tolist() == [1, 10]  # pedestrians that are not zero marked
    # frame 2: the tie is broken by scipy; exactly one of the two identical results survives
    assert len(set(data["tracker_ids_orig"][1].tolist()) & {21, 22}) == 1
    assert data["tracker_ids_orig"][5].tolist() == [31]  # Hungarian keeps X, removes Y
    assert [len(ids) for ids in data["gt_ids"]] == [2, 1, 0, 1, 0, 1, 1, 0]
    assert data["num_gt_ids"] == 2 and data["gt_ids"][6].tolist() == [0]  # re-entering id 1
    np.testing.assert_allclose(data["similarity_scores"][5], [[8 / 12]], rtol=0, atol=1e-15)
    no_preproc = preprocess_sequence(seq, benchmark=benchmark, do_preproc=False)
    assert no_preproc["gt_ids_orig"][0].tolist() == [1, 4, 10]  # the car stays
    assert no_preproc["num_tracker_dets"] == len(RESULT_ROWS)


def test_mot15_never_preprocesses(tmp_path):
    _, _, seq = _fabricated(tmp_path)
    mot15 = preprocess_sequence(seq, benchmark="MOT15")
    no_preproc = preprocess_sequence(seq, benchmark="MOT17", do_preproc=False)
    _assert_same(mot15, no_preproc)


def test_threshold_option(tmp_path):
    _, _, seq = _fabricated(tmp_path)
    data = preprocess_sequence(seq, benchmark="MOT17", iou_threshold=0.4)
    assert 17 not in data["tracker_ids_orig"][0].tolist()  # IoU 0.499 now matches the distractor


@pytest.mark.parametrize("which", ["no_results", "no_gt", "neither"])
def test_empty_files_match_trackeval(tmp_path, which):
    gt_rows = [] if which in ("no_gt", "neither") else GT_ROWS
    result_rows = [] if which in ("no_results", "neither") else RESULT_ROWS
    gt_dir, results_dir, seq = _fabricated(tmp_path, gt_rows, result_rows)
    for benchmark in ("MOT17", "MOT20", "MOT15"):
        ours = preprocess_sequence(seq, benchmark=benchmark)
        _assert_same(ours, _trackeval(gt_dir, results_dir, "FAB-01", benchmark=benchmark))
    assert ours["num_timesteps"] == LENGTH
    assert ours["num_gt_dets"] == (0 if gt_rows == [] else 7)  # MOT15: every row with conf != 0
    assert ours["num_tracker_dets"] == len(result_rows)


def test_one_frame_video():
    seq = MOTSequence.from_rows("one", 1, [[1, 5, 0, 0, 4, 4, 1, 1, 1]], [[1, 9, 2, 0, 4, 4, 0.5]])
    data = preprocess_sequence(seq)
    assert (data["num_gt_ids"], data["num_tracker_ids"], data["num_timesteps"]) == (1, 1, 1)
    assert data["gt_ids"][0].tolist() == [0] and data["tracker_ids_orig"][0].tolist() == [9]
    np.testing.assert_allclose(data["similarity_scores"][0], [[8 / 24]], rtol=0, atol=1e-15)


def test_from_rows_defaults_and_rows_round_trip():
    gt = np.array([[2, 3, 1, 2, 3, 4], [1, 4, 5, 6, 7, 8]], dtype=float)
    seq = MOTSequence.from_rows("s", 2, gt, None)
    assert seq.gt_classes[0].tolist() == [1] and seq.gt_conf[1].tolist() == [1.0]
    assert seq.gt_rows().tolist() == [
        [1, 4, 5, 6, 7, 8, 1, 1, -1, -1],
        [2, 3, 1, 2, 3, 4, 1, 1, -1, -1],
    ]
    assert seq.tracker_rows().shape == (0, 10)
    assert preprocess_sequence(seq)["num_gt_dets"] == 2


def test_box_iou_hand_computed():
    ious = box_iou_xywh(
        [[0, 0, 10, 10], [0, 0, 0, 5]], [[5, 0, 10, 10], [20, 20, 1, 1], [0, 0, 10, 10]]
    )
    np.testing.assert_allclose(ious, [[50 / 150, 0, 1], [0, 0, 0]], rtol=0, atol=1e-15)
    assert box_iou_xywh(np.zeros((0, 4)), [[0, 0, 1, 1]]).shape == (0, 1)


# --- writing ------------------------------------------------------------------------------


def test_write_format(tmp_path):
    path = tmp_path / "out" / "SEQ.txt"
    write_mot_txt(
        path,
        [[2, 5, 10.5, 20, 30.25, 40, 0.9], [1, 7, -1, 2, 3, 4, 1], [1, 2, 0, 0, 1, 1, 0.1 + 0.2]],
    )
    assert path.read_text() == (
        "1,2,0,0,1,1,0.30000000000000004,-1,-1,-1\n"
        "1,7,-1,2,3,4,1,-1,-1,-1\n"
        "2,5,10.5,20,30.25,40,0.9,-1,-1,-1\n"
    )
    assert [p.name for p in path.parent.iterdir()] == ["SEQ.txt"]  # no temporary left behind


def test_write_read_round_trip_exact(tmp_path):
    rng = np.random.default_rng(0)
    frames = np.repeat(np.arange(1, 6), 7)
    ids = np.tile(np.arange(7), 5) * 3 + 1
    boxes = np.column_stack([rng.uniform(-50, 600, (35, 2)), rng.uniform(0, 200, (35, 2))])
    boxes[0] = [1 / 3, 1e-7, 12345.678901234567, 2.0**-20]
    conf = rng.uniform(0, 1, 35)
    rows = np.column_stack([frames, ids, boxes, conf])[rng.permutation(35)]
    gt_dir, results_dir = _layout(tmp_path, {"RT": ("", None, 5)})
    write_mot_txt(results_dir / "RT.txt", rows)
    first_line = (results_dir / "RT.txt").read_text().splitlines()[0]
    assert first_line.startswith("1,1,0.3333333333333333,1e-07,12345.678901234567,")
    back = read_mot_txt(results_dir / "RT.txt", is_gt=False, num_frames=5)
    expected = rows[np.lexsort((rows[:, 1], rows[:, 0]))]
    np.testing.assert_array_equal(back[:, :7], expected)
    np.testing.assert_array_equal(back[:, 7:], -1)
    seq = load_trackeval_layout(gt_dir, results_dir)["RT"]
    np.testing.assert_array_equal(seq.tracker_rows(), back)
    dataset = _trackeval_dataset(gt_dir, results_dir, "RT", benchmark="MOT17")
    raw = dataset.get_raw_seq_data("trk", "RT")
    for t in range(5):
        np.testing.assert_array_equal(raw["tracker_dets"][t], seq.tracker_boxes[t])
        np.testing.assert_array_equal(raw["tracker_confidences"][t], seq.tracker_scores[t])
        np.testing.assert_array_equal(raw["tracker_ids"][t], seq.tracker_ids[t])


def test_write_rejects_bad_rows(tmp_path):
    with pytest.raises(ValueError, match="row 1: id 1 twice in frame 1"):
        write_mot_txt(tmp_path / "x.txt", [[1, 1, 0, 0, 1, 1, 1], [1, 1, 0, 0, 1, 1, 1]])
    assert not (tmp_path / "x.txt").exists()


# --- bad input ----------------------------------------------------------------------------

GOOD = "1,1,0,0,10,10,1,1,1\n"


@pytest.mark.parametrize(
    "text,is_gt,line,message",
    [
        (GOOD + "0,2,0,0,10,10,1,1,1\n", True, 2, "frame 0 is not an integer >= 1"),
        (GOOD + "1.5,2,0,0,10,10,1,1,1\n", True, 2, "frame 1.5 is not an integer >= 1"),
        (GOOD + "2,2.5,0,0,10,10,1,1,1\n", True, 2, "id 2.5 is not an integer"),
        (GOOD + "2,-3,0,0,10,10,1,1,1\n", True, 2, "id -3 is not an integer >= 0"),
        (GOOD + "2,2,0,abc,10,10,1,1,1\n", True, 2, "non-numeric value 'abc'"),
        (GOOD + "2,2,0,,10,10,1,1,1\n", True, 2, "non-numeric value ''"),
        (GOOD + "2,2,0,0,10,10,1\n", True, 2, "ground truth need 8 to 10 columns, got 7"),
        ("1,1,0,0,10\n", False, 1, "results need 6 to 10 columns, got 5"),
        ("1,1,0,0,10,10,1,-1,-1,-1,7\n", False, 1, "results need 6 to 10 columns, got 11"),
        (GOOD + "2,2,0,0,-1,10,1,1,1\n", True, 2, "negative width or height"),
        (GOOD + "2,2,0,0,1,-10,1,1,1\n", True, 2, "negative width or height"),
        (GOOD + "\n2,2,nan,0,1,10,1,1,1\n", True, 3, "non-finite value"),
        (
            GOOD + "2,1,0,0,10,10,1,1,1\n1,1,5,5,10,10,1,1,1\n",
            True,
            3,
            "id 1 twice in frame 1 (also line 1)",
        ),
        (
            "1,1,0,0,10,10,1,-1\n1,1,0,0,10,10,1,-1\n",
            False,
            2,
            "id 1 twice in frame 1 (also line 1)",
        ),
        (GOOD + "4,2,0,0,10,10,1,1,1\n", True, 2, "frame 4 > length 3"),
        ("1,1,0,0,10,10,1,2,-1,-1\n", False, 1, "result class column 2 > 1"),
    ],
)
def test_malformed_lines(tmp_path, text, is_gt, line, message):
    path = tmp_path / "bad.txt"
    path.write_text(text)
    with pytest.raises(InputFileError) as info:
        read_mot_txt(path, is_gt=is_gt, num_frames=3)
    assert str(info.value).startswith(f"{path}:{line}: {message}")
    assert info.value.line == line


def test_reader_accepts_variants(tmp_path):
    path = tmp_path / "ok.txt"
    path.write_text("1, 1, 0, 0, 10, 10, 0.5,\n\n2 3 1 2 3 4 0.25\n")
    rows = read_mot_txt(path, is_gt=False)
    np.testing.assert_array_equal(
        rows[:, :7], [[1, 1, 0, 0, 10, 10, 0.5], [2, 3, 1, 2, 3, 4, 0.25]]
    )
    np.testing.assert_array_equal(rows[:, 7:], -1)
    (tmp_path / "six.txt").write_text("1,1,0,0,10,10\n")
    assert read_mot_txt(tmp_path / "six.txt", is_gt=False)[0, 6] == -1
    (tmp_path / "empty.txt").write_text("")
    assert read_mot_txt(tmp_path / "empty.txt", is_gt=False).shape == (0, 10)


@pytest.mark.parametrize(
    "text,message",
    [
        ("[Other]\nseqLength=3\n", "missing section [Sequence]"),
        ("[Sequence]\nname=a\n", "missing key [Sequence] seqLength"),
        ("[Sequence]\nseqLength=abc\n", "[Sequence] seqLength = 'abc' is not an integer >= 1"),
        ("[Sequence]\nseqLength=3\nimWidth=-640\n", "[Sequence] imWidth = '-640' is not"),
        ("seqLength=3\n", "not a valid ini file"),
    ],
)
def test_bad_seqinfo(tmp_path, text, message):
    path = tmp_path / "seqinfo.ini"
    path.write_text(text)
    with pytest.raises(InputFileError, match=f"^{path}: ") as info:
        read_seqinfo(path)
    assert message in str(info.value)


def test_seqinfo_values(tmp_path):
    path = tmp_path / "seqinfo.ini"
    path.write_text(SEQINFO.format(name="MOT17-02", length=600) + "frameRate=30\n")
    assert read_seqinfo(path) == {"name": "MOT17-02", "length": 600, "width": 640, "height": 480}


def test_layout_errors_and_fallback(tmp_path):
    gt_dir, results_dir = _layout(
        tmp_path, {"A": (GOOD + "5,1,0,0,1,1,1,1,1\n", None, 5)}, seqinfo=False
    )
    with pytest.raises(InputFileError, match=f"^{results_dir / 'A.txt'}: missing results file"):
        load_trackeval_layout(gt_dir, results_dir)
    (results_dir / "A.txt").write_text("6,1,0,0,1,1,1\n")
    with pytest.raises(InputFileError, match=f"^{results_dir / 'A.txt'}:1: frame 6 > length 5"):
        load_trackeval_layout(gt_dir, results_dir)
    (results_dir / "A.txt").write_text("")
    seq = load_trackeval_layout(gt_dir, results_dir, sequences=["A"])["A"]
    assert seq.num_frames == 5  # no seqinfo.ini: the largest gt frame
    with pytest.raises(InputFileError, match="B/gt/gt.txt: missing ground-truth file"):
        load_trackeval_layout(gt_dir, results_dir, sequences=["B"])
    (gt_dir / "A" / "gt" / "gt.txt").write_text("")
    with pytest.raises(InputFileError, match="empty and no seqinfo.ini"):
        load_trackeval_layout(gt_dir, results_dir)


def test_layout_orders_sequences(tmp_path):
    gt_dir, results_dir = _layout(tmp_path, {n: (GOOD, "", 2) for n in ["B", "A", "C"]})
    assert list(load_trackeval_layout(gt_dir, results_dir)) == ["A", "B", "C"]
    assert list(load_trackeval_layout(gt_dir, results_dir, sequences=["C", "A"])) == ["C", "A"]


def test_from_rows_errors():
    with pytest.raises(
        ValueError, match=r"^s tracker_rows row 1: id 4 twice in frame 2 \(also row 0\)"
    ):
        MOTSequence.from_rows("s", 2, None, [[2, 4, 0, 0, 1, 1], [2, 4, 0, 0, 1, 1]])
    with pytest.raises(ValueError, match=r"^s gt_rows row 0: frame 3 > length 2"):
        MOTSequence.from_rows("s", 2, [[3, 4, 0, 0, 1, 1]], None)
    with pytest.raises(ValueError, match=r"expected an \(R, 6..10\) array"):
        MOTSequence.from_rows("s", 2, [[1, 4, 0, 0, 1]], None)


def test_direct_construction_checks_lengths():
    seq = MOTSequence.from_rows("s", 3, None, None)
    fields = dataclasses.asdict(seq)
    fields["gt_ids"] = fields["gt_ids"][:2]
    with pytest.raises(ValueError, match="s: gt_ids needs one entry per frame"):
        MOTSequence(**fields)


def test_preprocess_errors():
    # frame 2 has no results: TrackEval would not check it and would silently drop the gt row
    seq = MOTSequence.from_rows("s", 2, [[2, 1, 0, 0, 1, 1, 1, 14]], [[1, 1, 0, 0, 1, 1, 1]])
    with pytest.raises(ValueError, match=r"s frame 2: gt classes \[14\] are not MOTChallenge"):
        preprocess_sequence(seq, benchmark="MOT17")
    assert preprocess_sequence(seq, benchmark="MOT17", do_preproc=False)["num_gt_dets"] == 1
    with pytest.raises(ValueError, match="benchmark must be one of"):
        preprocess_sequence(seq, benchmark="MOT18")
