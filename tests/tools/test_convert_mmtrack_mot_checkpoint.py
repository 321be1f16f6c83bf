"""``tools/convert_mmtrack_checkpoint.py --method mot_detector / reid`` end to end."""

import importlib.util
import re
from pathlib import Path

import torch
from detectron2.config import LazyConfig, instantiate

REPO = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location(
    "convert_mmtrack_checkpoint", REPO / "tools/convert_mmtrack_checkpoint.py"
)
tool = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tool)
TRACKTOR_MOT20 = (
    REPO / "projects/Tracktor/configs/tracktor_faster_rcnn_r50_fpn_mot20_halfval_private.py"
)


def mmtrack_reid_key(key):
    """d2track ReID key -> MMTracking BaseReID key (tests/checkpoint/test_mmtrack_mot.py has the
    commented version)."""
    key = key.replace("stem.conv1.norm.", "bn1.").replace("stem.conv1.", "conv1.")
    key = re.sub(r"res(\d)\.", lambda m: f"layer{int(m.group(1)) - 1}.", key)
    key = key.replace("shortcut.norm.", "downsample.1.").replace("shortcut.", "downsample.0.")
    key = re.sub(r"conv(\d)\.norm\.", r"bn\1.", key)
    if m := re.fullmatch(r"head\.fcs\.(\d+)\.(\w+)", key):
        block, layer = divmod(int(m.group(1)), 3)
        return f"head.fcs.{block}.{'fc' if layer == 0 else 'bn'}.{m.group(2)}"
    return key


def run(capsys, argv):
    code = tool.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_mot_detector_method(tmp_path, capsys):
    """MMDetection keys without ``detector.``; RPN rows are not permuted (one anchor scale)."""
    state = {
        "backbone.conv1.weight": torch.randn(64, 3, 7, 7),
        "backbone.bn1.running_var": torch.rand(64),
        "backbone.bn1.num_batches_tracked": torch.tensor(3),
        "neck.lateral_convs.3.conv.weight": torch.randn(256, 2048, 1, 1),
        "rpn_head.rpn_cls.bias": torch.arange(3.0),
        "roi_head.bbox_head.fc_cls.weight": torch.randn(2, 1024),
    }
    torch.save({"meta": {"epoch": 4}, "state_dict": state}, tmp_path / "det.pth")
    argv = [tmp_path / "det.pth", tmp_path / "det_d2.pth", "--method", "mot_detector", "--strict"]
    code, out, err = run(capsys, argv)
    assert code == 0 and err == ""
    assert "5 tensors converted, 1 dropped (BatchNorm counters, classifier), 0 unmapped" in out
    saved = torch.load(tmp_path / "det_d2.pth", weights_only=True)
    assert saved["__author__"] == "mmtracking"
    assert sorted(saved["model"]) == [
        "backbone.bottom_up.stem.conv1.norm.running_var",
        "backbone.bottom_up.stem.conv1.weight",
        "backbone.fpn_lateral5.weight",
        "proposal_generator.rpn_head.objectness_logits.bias",
        "roi_heads.box_predictor.cls_score.weight",
    ]
    assert saved["model"]["proposal_generator.rpn_head.objectness_logits.bias"].tolist() == [
        0.0, 1.0, 2.0]  # fmt: skip

    state["motion.warp"] = torch.zeros(2)  # not a detector key: listed, never guessed
    torch.save({"state_dict": state}, tmp_path / "det2.pth")
    argv = [tmp_path / "det2.pth", tmp_path / "det2_d2.pth", "--method", "mot_detector", "--strict"]
    code, out, _ = run(capsys, argv)
    assert code == 1 and "1 unmapped" in out and "motion.warp" in out


def test_reid_method_loads_into_a_tracking_config(tmp_path, capsys):
    """A whole MMTracking ReID checkpoint (real shapes) -> ``model.reid_weights`` of a tracking
    config, whose ReID model has no identity classifier: those weights are left unused."""
    cfg = LazyConfig.load(str(TRACKTOR_MOT20))
    reference = instantiate(LazyConfig.load(str(REPO / "configs/common/models/reid_r50.py")).model)
    torch.manual_seed(0)
    for p in reference.parameters():
        p.data.normal_()
    state = {f"reid.{mmtrack_reid_key(k)}": v for k, v in reference.state_dict().items()}
    torch.save({"state_dict": state}, tmp_path / "reid.pth")
    argv = [tmp_path / "reid.pth", tmp_path / "reid_d2.pth", "--method", "reid", "--strict"]
    code, out, _ = run(capsys, argv)
    assert code == 0 and f"{len(state)} tensors converted, 0 dropped" in out
    cfg.model.reid_weights = str(tmp_path / "reid_d2.pth")
    cfg.model.detector_weights = None
    model = instantiate(cfg.model)
    assert not hasattr(model.reid.head, "classifier")
    for key, value in model.reid.state_dict().items():
        assert torch.equal(value, reference.state_dict()[key]), key
