import importlib.util
import os
from pathlib import Path

import cv2
import numpy as np
import pytest

from d2track.evaluation.mot.errors import FN_COLOR, FP_COLOR, IDSW_COLOR
from d2track.utils.testing import count_video_frames
from d2track.utils.video_io import atomic_video_writer

REPO = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location(
    "mot_error_visualize", REPO / "tools/analysis/mot_error_visualize.py"
)
tool = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tool)

H, W, GREY = 80, 120, 100
# Ground truth: objects 1 and 2 in every frame, object 3 only in frame 4 (never tracked: an FN).
GT = [(t, 1, 10, 10, 20, 20) for t in range(1, 6)] + [(t, 2, 60, 10, 20, 20) for t in range(1, 6)]
GT += [(4, 3, 30, 50, 20, 20)]
# Results: track 1 follows object 1; object 2 is track 2 then track 3 from frame 3 (an ID switch);
# track 9 in frame 2 covers nothing (an FP).
RES = [(t, 1, 11, 10, 20, 20) for t in range(1, 6)]
RES += [(t, 2 if t < 3 else 3, 60, 11, 20, 20) for t in range(1, 6)]
RES += [(2, 9, 90, 50, 20, 20)]
# Extra gt that MOTChallenge's preprocessing removes: a zero-marked static person (class 7) that
# result 8 matches (removed from the results, not an FP), a zero-marked pedestrian and a car
# (class 3), neither tracked (not FNs).
EXTRA_GT = ["2,5,30,50,20,20,0,7,1", "5,6,30,50,20,20,0,1,1", "3,7,90,50,20,20,1,3,1"]
EXTRA_RES = ["2,8,30,50,20,20,1,-1,-1,-1"]


def write_txt(path, rows, extra=(), *, gt):
    tail = ",1,1,1" if gt else ",1,-1,-1,-1"
    lines = [",".join(str(v) for v in row) + tail for row in rows] + list(extra)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return path


def frame_image(t):
    image = np.full((H, W, 3), GREY, dtype=np.uint8)
    image[H - 4 :, :4] = 10 * t  # a per-frame mark, away from every box
    return image


def make_sequence(root, *, num_frames=5, seq_length=None, extra=False):
    """MOTChallenge sequence folder ``root/SEQ`` and a results file ``root/res.txt``."""
    seq = root / "SEQ"
    (seq / "img1").mkdir(parents=True)
    for t in range(1, num_frames + 1):
        cv2.imwrite(str(seq / "img1" / f"{t:06d}.png"), frame_image(t))
    write_txt(seq / "gt" / "gt.txt", GT, EXTRA_GT if extra else (), gt=True)
    length = num_frames if seq_length is None else seq_length
    (seq / "seqinfo.ini").write_text(f"[Sequence]\nname=SEQ\nseqLength={length}\n")
    res = write_txt(root / "res.txt", RES, EXTRA_RES if extra else (), gt=False)
    return seq, res


@pytest.fixture(autouse=True)
def no_window(monkeypatch):
    """--show without a display: record what would be shown."""
    shown = []
    monkeypatch.setattr(cv2, "imshow", lambda name, image: shown.append(image))
    monkeypatch.setattr(cv2, "waitKey", lambda delay: -1)
    return shown


def run_tool(capsys, *argv):
    tool.main([str(a) for a in argv])
    return capsys.readouterr().out


def run_failing(capsys, *argv):
    with pytest.raises(SystemExit) as info:
        tool.main([str(a) for a in argv])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.startswith("mot_error_visualize.py: error: ")
    return err


def test_summary_and_pngs(tmp_path, capsys):
    seq, res = make_sequence(tmp_path)
    out = run_tool(capsys, "--gt", seq, "--results", res, "--output", tmp_path / "out")
    assert "SEQ (frames 1-5 of 5): FP 1, FN 1, IDSw 1" in out
    assert "frames with most errors: 2 (1: FP 1, FN 0, IDSw 0), 3 (1: FP 0, FN 0, IDSw 1), " in out
    assert "4 (1: FP 0, FN 1, IDSw 0)" in out
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == [f"{t:06d}.png" for t in range(1, 6)]
    drawn = {t: cv2.imread(str(tmp_path / "out" / f"{t:06d}.png")) for t in range(1, 6)}
    # Frames without errors are the input frames, unchanged.
    assert np.array_equal(drawn[1], frame_image(1)) and np.array_equal(drawn[5], frame_image(5))
    # Left edges, half way down: FP (track 9, frame 2), IDSw (track 3, frame 3), FN (object 3).
    assert tuple(drawn[2][60, 90]) == FP_COLOR
    assert tuple(drawn[3][21, 60]) == IDSW_COLOR
    assert tuple(drawn[4][60, 30]) == FN_COLOR
    # Nothing else is drawn in those frames: the tracked boxes stay grey.
    assert tuple(drawn[2][20, 11]) == (GREY,) * 3 and tuple(drawn[4][21, 60]) == (GREY,) * 3
    assert not any(p.name.startswith(".") for p in (tmp_path / "out").iterdir())


def test_only_errors_and_frame_range(tmp_path, capsys):
    seq, res = make_sequence(tmp_path)
    run_tool(capsys, "--gt", seq, "--results", res, "--output", tmp_path / "a", "--only-errors")
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == [
        "000002.png",
        "000003.png",
        "000004.png",
    ]
    out = run_tool(
        capsys, "--gt", seq, "--results", res, "--output", tmp_path / "b", "--frames", "3:"
    )
    # The switch in frame 3 is still found: errors use the frames before the range.
    assert "SEQ (frames 3-5 of 5): FP 0, FN 1, IDSw 1" in out
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == [
        "000003.png",
        "000004.png",
        "000005.png",
    ]
    out = run_tool(
        capsys,
        *("--gt", seq, "--results", res, "--output", tmp_path / "c"),
        *("--frames", "5:9", "--only-errors"),
    )
    assert "SEQ (none): FP 0, FN 0, IDSw 0" in out and "nothing written" in out
    assert not (tmp_path / "c").exists()


def test_mp4_output_and_mp4_input(tmp_path, capsys):
    seq, res = make_sequence(tmp_path)
    out = tmp_path / "v" / "errors.mp4"
    run_tool(capsys, "--gt", seq, "--results", res, "--output", out, "--fps", "5")
    assert count_video_frames(out) == 5
    assert [p.name for p in out.parent.iterdir()] == ["errors.mp4"]
    run_tool(capsys, "--gt", seq, "--results", res, "--output", out, "--only-errors")
    assert count_video_frames(out) == 3
    # The frames given as a video (gt as a file: the length comes from the video).
    video = tmp_path / "frames.mp4"
    with atomic_video_writer(str(video), fps=5, frame_size=(W, H)) as writer:
        for t in range(1, 6):
            writer.write(frame_image(t))
    gt = seq / "gt" / "gt.txt"
    printed = run_tool(
        capsys, "--gt", gt, "--results", res, "--images", video, "--output", tmp_path / "p"
    )
    assert "gt (frames 1-5 of 5): FP 1, FN 1, IDSw 1" in printed
    assert len(list((tmp_path / "p").iterdir())) == 5
    fp_frame = cv2.imread(str(tmp_path / "p" / "000002.png"))
    assert tuple(fp_frame[60, 90]) == FP_COLOR  # drawn after decoding: exact


def test_preprocessing_removes_distractor_matches(tmp_path, capsys):
    seq, res = make_sequence(tmp_path, extra=True)
    out = run_tool(capsys, "--gt", seq, "--results", res, "--output", tmp_path / "a")
    assert "FP 1, FN 1, IDSw 1" in out  # result 8 matched a distractor; gt 6 and 7 ignored
    assert tuple(cv2.imread(str(tmp_path / "a" / "000002.png"))[60, 30]) == (GREY,) * 3
    out = run_tool(capsys, "--gt", seq, "--results", res, "--show", "--no-preproc")
    # Without preprocessing result 8 is an FP (the zero-marked distractor is still dropped) and
    # the car (class 3) is a miss; the zero-marked pedestrian is dropped either way.
    assert "FP 2, FN 2, IDSw 1" in out


def test_show_displays_every_selected_frame(tmp_path, capsys, no_window):
    seq, res = make_sequence(tmp_path)
    shown = no_window
    run_tool(capsys, "--gt", seq, "--results", res, "--show", "--only-errors")
    assert len(shown) == 3 and tuple(shown[0][60, 90]) == FP_COLOR


def test_iou_threshold(tmp_path, capsys):
    seq, res = make_sequence(tmp_path)
    # Track 1 is 1 px off object 1 (IoU 380/420 = 0.905): at --iou 0.95 it misses in every frame.
    out = run_tool(capsys, "--gt", seq, "--results", res, "--show", "--iou", "0.95")
    assert "FP 11, FN 11, IDSw 0" in out


def test_frame_count_mismatch_names_both(tmp_path, capsys):
    seq, res = make_sequence(tmp_path, seq_length=6)
    err = run_failing(capsys, "--gt", seq, "--results", res, "--output", tmp_path / "o")
    assert f"{seq / 'seqinfo.ini'}: seqLength is 6 but {seq / 'img1'} has 5 frames" in err
    assert not (tmp_path / "o").exists()
    # A gt file against a 4-image folder: gt frame 5 is past the end.
    os.remove(seq / "img1" / "000005.png")
    gt = seq / "gt" / "gt.txt"
    err = run_failing(
        capsys, "--gt", gt, "--results", res, "--images", seq / "img1", "--output", tmp_path / "o"
    )
    assert f"{gt}:5: frame 5 is past the last frame 4 of {seq / 'img1'}" in err


def test_malformed_results_name_file_and_line(tmp_path, capsys):
    seq, res = make_sequence(tmp_path)
    lines = res.read_text().splitlines()
    lines[2] = "3,2,60,x,20,20,1,-1,-1,-1"
    res.write_text("\n".join(lines) + "\n")
    err = run_failing(capsys, "--gt", seq, "--results", res, "--output", tmp_path / "o")
    assert f"{res}:3: non-numeric value 'x'" in err
    res.write_text("1,1,10,10,20,20,1,-1,-1,-1\n1,1,10,10,20,20,1,-1,-1,-1\n")
    err = run_failing(capsys, "--gt", seq, "--results", res, "--show")
    assert f"{res}:2: id 1 twice in frame 1 (also line 1)" in err


def test_missing_inputs_and_bad_options(tmp_path, capsys):
    seq, res = make_sequence(tmp_path)
    err = run_failing(capsys, "--gt", tmp_path / "nope", "--results", res, "--show")
    assert str(tmp_path / "nope") in err
    err = run_failing(capsys, "--gt", seq / "gt" / "gt.txt", "--results", res, "--show")
    assert "needs --images" in err
    err = run_failing(
        capsys, "--gt", seq, "--results", res, "--images", tmp_path / "none.mp4", "--show"
    )
    assert f"{tmp_path / 'none.mp4'}: missing frame folder or video file" in err
    err = run_failing(capsys, "--gt", seq, "--results", tmp_path / "r.txt", "--show")
    assert str(tmp_path / "r.txt") in err
    err = run_failing(capsys, "--gt", seq, "--results", res, "--show", "--frames", "0:3")
    assert "--frames '0:3': the sequence has frames 1..5" in err
    with pytest.raises(SystemExit) as info:
        tool.main(["--gt", str(seq), "--results", str(res)])
    assert info.value.code == 2 and "give --output, --show or both" in capsys.readouterr().err


def test_empty_results_are_all_misses(tmp_path, capsys):
    seq, res = make_sequence(tmp_path)
    res.write_text("")
    out = run_tool(capsys, "--gt", seq, "--results", res, "--show", "--frames", ":1")
    assert "SEQ (frames 1-1 of 5): FP 0, FN 2, IDSw 0" in out


def shared_clip():
    shared = os.environ.get("D2TRACK_SHARED", REPO.parent / "shared")
    clip = Path(shared) / "data" / "demo.mp4"
    if not clip.is_file():
        pytest.skip(f"{clip} is not present (set $D2TRACK_SHARED to the shared folder)")
    return clip


def test_real_mot17_clip(tmp_path, capsys):
    """The shared MOT17 demo clip (8 frames, 1920x1080) with fabricated gt and results."""
    clip = shared_clip()
    boxes = {1: (100, 200, 80, 200), 2: (700, 300, 90, 220), 3: (1500, 250, 100, 240)}
    gt = [(t, i, *(b[0] + 5 * t, *b[1:])) for t in range(1, 9) for i, b in boxes.items()]
    # Track 3 is dropped (8 misses) and object 2's box is shifted by a whole width in frame 4
    # (an FP and a miss there).
    res = [row if row[0] != 4 or row[1] != 2 else (4, 2, 800, *row[3:]) for row in gt]
    res = [row for row in res if row[1] != 3]
    gt_path = write_txt(tmp_path / "gt.txt", gt, gt=True)
    res_path = write_txt(tmp_path / "res.txt", res, gt=False)
    out = run_tool(
        capsys,
        *("--gt", gt_path, "--results", res_path, "--images", clip),
        *("--output", tmp_path / "out", "--frames", "1:10"),
    )
    assert "gt (frames 1-8 of 8): FP 1, FN 9, IDSw 0" in out
    assert "frames with most errors: 4 (3: FP 1, FN 2, IDSw 0), 1 (1: FP 0, FN 1" in out
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == [f"{t:06d}.png" for t in range(1, 9)]
    frame4 = cv2.imread(str(tmp_path / "out" / "000004.png"))
    assert frame4.shape == (1080, 1920, 3)
    assert tuple(frame4[400, 800]) == FP_COLOR and tuple(frame4[370, 1520]) == FN_COLOR
    run_tool(
        capsys,
        *("--gt", gt_path, "--results", res_path, "--images", clip),
        *("--output", tmp_path / "e.mp4", "--frames", "3:4"),
    )
    assert count_video_frames(tmp_path / "e.mp4") == 2


def test_totals_match_trackeval_clear(tmp_path):
    """With the distractor rows, the tool's totals equal TrackEval's CLEAR FP, FN and IDSW."""
    import trackeval

    from d2track.evaluation.mot.data import preprocess_sequence

    seq_dir, res = make_sequence(tmp_path, extra=True)
    inputs = tool.resolve_inputs(str(seq_dir), None)
    seq = tool.load_sequence(inputs, results_path=str(res))
    totals = tool.error_counts(tool.sequence_errors(seq)).sum(axis=0).tolist()
    clear = trackeval.metrics.CLEAR().eval_sequence(preprocess_sequence(seq))
    assert totals == [clear["CLR_FP"], clear["CLR_FN"], clear["IDSW"]] == [1, 1, 1]


def custom_sequence(root, num_frames, gt_lines, res_lines):
    for t in range(1, num_frames + 1):
        (root / "img1").mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(root / "img1" / f"{t:06d}.png"), frame_image(t))
    (root / "gt").mkdir(exist_ok=True)
    (root / "gt" / "gt.txt").write_text("".join(f"{line}\n" for line in gt_lines))
    (root / "res.txt").write_text("".join(f"{line}\n" for line in res_lines))
    return root, root / "res.txt"


def test_one_frame_sequence_with_empty_gt(tmp_path, capsys):
    seq, res = custom_sequence(tmp_path / "one", 1, [], ["1,4,10,10,20,20,1"])
    out = run_tool(capsys, "--gt", seq, "--results", res, "--output", tmp_path / "o.mp4")
    assert "one (frames 1-1 of 1): FP 1, FN 0, IDSw 0" in out
    assert count_video_frames(tmp_path / "o.mp4") == 1
    (tmp_path / "one" / "res.txt").write_text("")
    out = run_tool(
        capsys, "--gt", seq, "--results", res, "--output", tmp_path / "p", "--only-errors"
    )
    assert "FP 0, FN 0, IDSw 0" in out and "frames with most errors: none" in out
    assert not (tmp_path / "p").exists()


def test_object_leaving_and_reentering(tmp_path, capsys):
    # Object 1 is absent from frame 2; tracked as 1 again in frame 3 (no switch), then as 2 in
    # frame 5 after leaving frame 4 (a switch: py-motmetrics remembers the last match).
    frames = (1, 3, 5)
    gt = [f"{t},1,10,10,20,20,1,1,1" for t in frames]
    res = [f"{t},{1 if t < 5 else 2},10,10,20,20,1" for t in frames]
    seq, res = custom_sequence(tmp_path / "gap", 5, gt, res)
    out = run_tool(capsys, "--gt", seq, "--results", res, "--output", tmp_path / "o")
    assert "gap (frames 1-5 of 5): FP 0, FN 0, IDSw 1" in out
    assert "frames with most errors: 5 (1: FP 0, FN 0, IDSw 1)" in out
    assert tuple(cv2.imread(str(tmp_path / "o" / "000005.png"))[20, 10]) == IDSW_COLOR
