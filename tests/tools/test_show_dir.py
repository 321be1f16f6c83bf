"""tools/lazyconfig_train_net.py --eval-only --show-dir: one drawn image per scored frame.

Every task runs in-process on its tiny config with seeded random weights over a 2-video, 3-frame
synthetic split of 128x96 frames registered here; the drawing functions get hand-made outputs.
"""

import json
import os
import runpy
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from detectron2.config import instantiate
from detectron2.structures import Boxes, Instances

import d2track.engine.show as show
from d2track.config import load_config
from d2track.data.datasets.builtin_synthetic import register_synthetic_videos
from d2track.utils.visualizer import id_color

REPO = Path(__file__).resolve().parents[2]
TOOL = runpy.run_path(str(REPO / "tools" / "lazyconfig_train_net.py"), run_name="train_net")
H, W = 96, 128
# Random weights score about 0.15 (VID, VIS) and 0.5 (MOT): draw every result (threshold 0)
# and keep 5 per frame so that they do not cover the whole frame.
TASKS = {
    "sot": ("projects/SiamRPNpp/configs/siamese_rpn_tiny_800it_synthetic.py", []),
    "vid": (
        "configs/vid/faster_rcnn_tiny_400it_synthetic.py",
        ["model.roi_heads.box_predictor.test_topk_per_image=5"],
    ),
    "mot": (
        "projects/ByteTrack/configs/bytetrack_faster_rcnn_tiny_synthetic_mot.py",
        ["model.detector.roi_heads.box_predictor.test_topk_per_image=5"]
        + ["model.detector.roi_heads.box_predictor.test_score_thresh=0.0"]
        + [f"model.tracker.{k}=0.0" for k in ("high_score_thr", "low_score_thr", "init_track_thr")],
    ),
    "vis": (
        "projects/MaskTrackRCNN/configs/masktrack_rcnn_tiny_800it_synthetic.py",
        ["model.detector.roi_heads.box_predictor.test_topk_per_image=5"],
    ),
}
MASK_BIAS = "detector.roi_heads.mask_head.predictor.bias"
FRAMES = [f"video_000{v}/00000{f}.jpg" for v in (0, 1) for f in (0, 1, 2)]


def _weights(config, opts, path):
    torch.manual_seed(0)
    state = instantiate(load_config(config, opts).model).state_dict()
    if MASK_BIAS in state:  # random mask logits are all negative: make masks cover their boxes
        state[MASK_BIAS].fill_(5.0)
    torch.save({"model": state}, path)
    return path


def _run(task, tmp_path, monkeypatch, *extra, weights=None):
    """Run the tool on ``task``; return the show dir, the output dir and the drawn outputs."""
    name = f"show_dir_{task}"
    register_synthetic_videos(
        name, task=task, split="val", num_videos=2, num_frames=3, height=H, width=W
    )
    config, opts = TASKS[task]
    config = str(REPO / config)
    opts = opts + [f"dataloader.test.dataset_dicts.names={name}", "dataloader.test.num_workers=0"]
    calls, draw_output = [], show.draw_output

    def spy(image, frame, output, **kwargs):  # records exactly what ShowResults draws
        calls.append((frame["file_name"], output))
        return draw_output(image, frame, output, **kwargs)

    monkeypatch.setattr(show, "draw_output", spy)
    weights = weights or _weights(config, opts, tmp_path / "w.pth")
    out, show_dir = tmp_path / "out", tmp_path / "show"
    args = ["--config-file", config, "--eval-only", "--show-dir", str(show_dir), *extra]
    args += [f"train.init_checkpoint={weights}", f"train.output_dir={out}", *opts]
    TOOL["main"](TOOL["parse_args"](args))
    return show_dir, out, calls


def _outline(box, *, width=1):
    """(H, W) bool: the pixels within ``width`` of the edges of ``box`` that lie in the frame."""
    x1, y1, x2, y2 = np.round(np.asarray(box, dtype=np.float64)).astype(int)
    mask = np.zeros((H, W), dtype=bool)
    xs, ys = slice(max(x1, 0), min(x2, W - 1) + 1), slice(max(y1, 0), min(y2, H - 1) + 1)
    for y in (y1, y2):
        if 0 <= y < H:
            mask[max(y - width, 0) : y + width + 1, xs] = True
    for x in (x1, x2):
        if 0 <= x < W:
            mask[ys, max(x - width, 0) : x + width + 1] = True
    return mask


def _diff(drawn_path, raw_path):
    drawn, raw = cv2.imread(str(drawn_path)), cv2.imread(str(raw_path))
    assert drawn is not None and drawn.shape == raw.shape == (H, W, 3)
    return np.abs(drawn.astype(np.int16) - raw.astype(np.int16)).max(axis=2)


def _check_drawn_frames(show_dir, calls):
    """One decodable image per scored frame, named per video and frame, of the frame's size."""
    files = sorted(str(p.relative_to(show_dir)) for p in show_dir.rglob("*") if p.is_file())
    assert files == FRAMES  # and no temporary file left behind
    assert [Path(f).parent.name + "/" + Path(f).name for f, _ in calls] == FRAMES
    return {name: _diff(show_dir / name, file_name) for name, (file_name, _) in zip(FRAMES, calls)}


def _check_boxes(diff, instances):
    """The outline of every box that the frame does not cut to a corner differs from the frame."""
    checked = 0
    for box in instances.pred_boxes.tensor.numpy():
        outline = _outline(box)
        if outline.sum() > 10:
            assert diff[outline].mean() > 20, box
            checked += 1
    return checked


def _check_masks(drawn_path, raw_path, instances):
    """Inside the masks, the image differs from the same tracks drawn without their masks."""
    covered = instances.pred_masks.numpy().any(axis=0)
    fields = {k: v for k, v in instances.get_fields().items() if k != "pred_masks"}
    boxes_only = Instances((H, W), **fields)
    raw = cv2.imread(str(raw_path))[:, :, ::-1]
    expected = show.draw_tracked(raw, boxes_only)[:, :, ::-1].astype(np.int16)
    diff = np.abs(cv2.imread(str(drawn_path)).astype(np.int16) - expected).max(axis=2)
    assert covered.sum() > 100 and diff[covered].mean() > 30  # 10-20 where masks are not drawn


@pytest.mark.parametrize("task", ["vid", "mot", "vis"])
def test_detections_tracks_and_masks_are_drawn(task, tmp_path, monkeypatch, one_torch_thread):
    show_dir, out, calls = _run(task, tmp_path, monkeypatch, "--show-score-thr", "0")
    diffs = _check_drawn_frames(show_dir, calls)
    for name, (file_name, output) in zip(FRAMES, calls):
        instances = output["instances"]
        assert len(instances) > 0 and instances.has("ID") == (task != "vid")
        assert _check_boxes(diffs[name], instances) > 0, name
        if task == "vis":  # the masks cover their boxes (see _weights)
            _check_masks(show_dir / name, file_name, instances)
    results = json.loads((out / "eval_results.json").read_text())
    assert list(results) == [{"vid": "bbox", "mot": "mot", "vis": "segm"}[task]]


def test_single_object_tracks_and_the_scores_still_come(
    tiny_sot_weights, tmp_path, monkeypatch, one_torch_thread
):
    show_dir, out, calls = _run("sot", tmp_path, monkeypatch, weights=tiny_sot_weights)
    diffs = _check_drawn_frames(show_dir, calls)
    for name, (_, output) in zip(FRAMES, calls):
        instances = output["instances"]
        assert instances.has("visible") and len(instances) == 1
        if name.endswith("000000.jpg"):  # initialised on the ground truth: drawn there
            assert diffs[name][_outline(instances.pred_boxes.tensor[0])].mean() > 20
    assert set(json.loads((out / "eval_results.json").read_text())["sot"]) >= {"success"}
    # the scoring evaluator keeps the output_dir that do_test gives it
    assert (out / "inference" / "sot_results" / "video_0000.txt").is_file()


def test_the_score_threshold_hides_low_scores(tmp_path, monkeypatch, one_torch_thread):
    show_dir, _, calls = _run("vid", tmp_path, monkeypatch)  # default 0.3 > every score
    diffs = _check_drawn_frames(show_dir, calls)
    assert max(float(o["instances"].scores.max()) for _, o in calls) < 0.3
    assert all(d.mean() < 3 for d in diffs.values())  # JPEG noise, nothing drawn


def test_show_dir_needs_eval_only(capsys):
    with pytest.raises(SystemExit) as e:
        TOOL["parse_args"](["--config-file", "c.py", "--show-dir", "out/show"])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert "--show-dir draws the frames of an evaluation: it needs --eval-only" in err


GREY = np.full((H, W, 3), 128, dtype=np.uint8)


def _changed(image):
    return np.abs(image.astype(np.int16) - GREY).max(axis=2) > 30


def _instances(boxes, **fields):
    return Instances((H, W), pred_boxes=Boxes(torch.tensor(boxes, dtype=torch.float32)), **fields)


def test_single_targets_lost_dashed_and_ground_truth_dotted_white():
    instances = _instances(
        [[10, 10, 40, 40], [70, 20, 110, 60]],
        scores=torch.tensor([0.9, 0.2]),
        visible=torch.tensor([True, False]),
        ID=torch.tensor([0, 1]),
    )
    drawn = show.draw_single_targets(GREY, instances, gt_region=[12, 55, 30, 30])
    changed = _changed(drawn)
    assert changed[39:42, 12:38].any(axis=0).all()  # the visible box's bottom edge: solid
    assert 0.3 < changed[59:62, 72:108].any(axis=0).mean() < 0.9  # the lost one's: dashed
    assert 0.2 < changed[84:87, 14:40].any(axis=0).mean() < 0.9  # the ground truth's: dotted
    assert (drawn[84:87, 14:40].max(axis=(0, 1)) == 191).all()  # white at alpha 0.5 on grey


def test_tracks_below_the_threshold_are_hidden_and_masks_take_their_id_colour():
    masks = torch.zeros(2, H, W, dtype=torch.bool)
    masks[0, 50:90, 60:120] = True  # away from its box, so that only the mask is there
    instances = _instances(
        [[10, 10, 40, 40], [50, 5, 60, 15]],
        scores=torch.tensor([0.9, 0.1]),
        ID=torch.tensor([7, 8]),
        pred_masks=masks,
    )
    drawn = show.draw_tracked(GREY, instances, score_thr=0.3)
    colour = 0.5 * 128 + 0.5 * 255 * np.array(id_color(7))  # blended at alpha 0.5
    assert np.abs(drawn[55:85, 65:115].reshape(-1, 3).mean(axis=0) - colour).max() < 3
    assert not _changed(drawn)[3:17, 48:62].any()  # the 0.1 track
    assert _changed(drawn)[39:42, 12:38].any(axis=0).all()


def test_vot_frames_without_a_box_say_their_code_over_the_ground_truth_polygon():
    frame = {"gt_region": np.array([12.0, 55.0, 42.0, 55.0, 42.0, 85.0, 12.0, 85.0])}
    changed = _changed(show.draw_output(GREY, frame, {"vot_code": 2}))
    assert changed[:20, :60].mean() > 0.3  # "VOT failure"
    assert changed[84:87, 14:40].any(axis=0).all()  # the polygon's bottom edge
    assert not changed[20:50].any()


def test_frame_paths_name_the_video_and_the_frame():
    path = show.ShowResults(output_dir="d").frame_path
    frame = {"video_name": "a/b", "video_id": 3, "frame_id": 4, "file_name": "/x/img/0005.png"}
    assert path(frame) == os.path.join("d", "a_b", "0005.jpg")
    assert path({"video_id": 3, "file_name": "f.jpg"}) == os.path.join("d", "video_3", "f.jpg")
    with pytest.raises(KeyError, match="'file_name'"):
        path({"video_id": 3, "frame_id": 4})
