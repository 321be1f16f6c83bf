"""d2track.export: every per-frame network of the tiny configs, exported and run by onnxruntime,
agrees with PyTorch within 1e-4 at the traced size and at another one."""

import pytest
import torch

from d2track.export import (
    OnnxModelError,
    check_onnx,
    export_networks,
    export_onnx,
    load_session,
    network_names,
    sample_inputs,
)

ATOL = 1e-4
VID = "configs/vid/faster_rcnn_tiny_400it_synthetic.py"
REID = "configs/reid/reid_tiny_400it_synthetic.py"
SOT = "projects/SiamRPNpp/configs/siamese_rpn_tiny_800it_synthetic.py"
# Random weights on raw 0-255 pixels (SiamRPN++'s input) give activations in the thousands,
# where float32 alone is coarser than 1e-4; ImageNet normalisation keeps them O(1), as trained
# weights keep theirs.
SOT_NORMALISED = ("model.pixel_mean=[103.53,116.28,123.675]", "model.pixel_std=[57.4,57.1,58.4]")


def export_and_check(network, frames, path):
    """Export on ``frames[0]``; the diffs on each frame."""
    export_onnx(network, sample_inputs(network, frames[0]), str(path))
    return check_all(network, frames, path)


def check_all(network, frames, path):
    return [check_onnx(str(path), network, sample_inputs(network, f)) for f in frames]


def assert_agree(all_diffs, names):
    for diffs in all_diffs:
        assert [d.name for d in diffs] == names
        for d in diffs:
            assert d.torch_shape == d.onnx_shape, d
            assert d.max_abs_diff <= ATOL, d


def two_sizes(frame):
    """The frame and a crop of it: the second check runs the graph at another H x W."""
    return [frame, frame[:200, :176].copy()]


def test_vid_detector(tiny, synthetic_frames, tmp_path, one_torch_thread):
    _, model, preprocess = tiny(VID, "model.roi_heads.box_predictor.test_score_thresh=0")
    assert network_names(model) == ["detector"]
    network = export_networks(model, preprocess=preprocess)["detector"]
    frames = two_sizes(synthetic_frames[0])
    all_diffs = export_and_check(network, frames, tmp_path / "d.onnx")
    assert_agree(all_diffs, ["boxes", "classes", "scores"])
    assert all_diffs[0][0].torch_shape == (100, 4) and all_diffs[1][0].torch_shape[0] > 0
    sizes = [tuple(sample_inputs(network, f)[0].shape) for f in frames]
    assert sizes == [(3, 256, 256), (3, 200, 176)]


def test_reid(tiny, synthetic_frames, tmp_path, one_torch_thread):
    _, model, preprocess = tiny(REID)
    network = export_networks(model, preprocess=preprocess)["reid"]
    all_diffs = export_and_check(network, synthetic_frames[:2], tmp_path / "reid.onnx")
    assert_agree(all_diffs, ["embeds"])
    assert all_diffs[0][0].torch_shape == (2, 128) and all_diffs[0][0].max_abs_value > 0
    session = load_session(str(tmp_path / "reid.onnx"), network="reid")
    crops = torch.rand(5, 3, 128, 64) * 255  # another batch size than the traced 2
    (embeds,) = session.run(None, {"crops": crops.numpy()})
    with torch.no_grad():
        expected = model.embed(crops).numpy()
    assert embeds.shape == (5, 128) and abs(embeds - expected).max() <= ATOL


def test_siamrpn_template_and_search(tiny, synthetic_frames, tmp_path, one_torch_thread):
    _, model, preprocess = tiny(SOT, *SOT_NORMALISED)
    networks = export_networks(model, preprocess=preprocess)
    assert list(networks) == ["template", "search"]
    levels = [f"template_features_{i}" for i in range(3)]
    frames = synthetic_frames[:2]
    assert_agree(export_and_check(networks["template"], frames, tmp_path / "t.onnx"), levels)
    search = export_and_check(networks["search"], frames, tmp_path / "s.onnx")
    assert_agree(search, ["bbox_deltas", "cls_logits"])
    assert search[0][0].torch_shape == (1, 20, 25, 25) and search[0][1].max_abs_value > 0
    session = load_session(str(tmp_path / "s.onnx"), network="search")
    assert [i.name for i in session.get_inputs()] == levels + ["search"]


def test_masktrack_detector_and_track_head(masktrack, synthetic_frames, tmp_path):
    model, preprocess, path = masktrack
    assert network_names(model) == ["detector", "track_head"]
    networks = export_networks(model, preprocess=preprocess)
    frames = two_sizes(synthetic_frames[1])
    detector = check_all(networks["detector"], frames, path)
    features = [f"feature_p{i}" for i in range(2, 6)]
    assert_agree(detector, ["boxes", "classes", *features, "masks", "scores"])
    assert detector[0][0].torch_shape[0] > 0 and detector[0][-2].torch_shape[1:] == (1, 28, 28)
    head = export_and_check(networks["track_head"], frames, tmp_path / "head.onnx")
    assert_agree(head, ["embeds"])
    assert head[0][0].torch_shape == (4, 256) and head[0][0].max_abs_value > 0


def test_qdtrack_detector_and_track_head(tiny, synthetic_frames, tmp_path, one_torch_thread):
    qdtrack = "projects/QDTrack/configs/qdtrack_faster_rcnn_tiny_800it_synthetic_mot.py"
    _, model, preprocess = tiny(qdtrack, "model.detector_weights=null", confident=True)
    model.load_state_dict(model.state_dict())  # as a whole checkpoint: the track head has weights
    networks = export_networks(model, preprocess=preprocess)
    assert list(networks) == ["detector", "track_head"]
    frames = two_sizes(synthetic_frames[1])
    detector = export_and_check(networks["detector"], frames, tmp_path / "det.onnx")
    assert detector[0][0].torch_shape[0] > 0
    assert_agree(detector, [d.name for d in detector[0]])
    head = export_and_check(networks["track_head"], frames, tmp_path / "head.onnx")
    assert_agree(head, ["embeds"])
    assert head[0][0].torch_shape[0] > 0 and head[0][0].max_abs_value > 0


def test_selsa_single_frame_detector(tiny, synthetic_frames, tmp_path, one_torch_thread):
    selsa = "projects/SELSA/configs/selsa_faster_rcnn_tiny_400it_synthetic.py"
    _, model, preprocess = tiny(selsa, "model.roi_heads.box_predictor.test_score_thresh=0")
    network = export_networks(model, preprocess=preprocess)["detector"]
    frames = two_sizes(synthetic_frames[0])
    all_diffs = export_and_check(network, frames, tmp_path / "selsa.onnx")
    assert_agree(all_diffs, ["boxes", "classes", "scores"])
    assert all_diffs[0][0].torch_shape[0] > 0


def test_network_names_per_model_kind(tiny):
    selsa = "projects/SELSA/configs/selsa_faster_rcnn_tiny_400it_synthetic.py"
    deepsort = "projects/DeepSORT/configs/deepsort_faster_rcnn_tiny_synthetic_mot.py"
    random = ("model.detector_weights=null", "model.reid_weights=null")
    assert network_names(tiny(selsa)[1]) == ["detector"]  # its single-frame detector only
    assert network_names(tiny(deepsort, *random)[1]) == ["detector", "reid"]
    assert network_names(torch.nn.Linear(2, 2)) == []


def test_load_session_errors(tmp_path, masktrack):
    with pytest.raises(FileNotFoundError, match="missing.onnx"):
        load_session(str(tmp_path / "missing.onnx"))
    corrupt = tmp_path / "corrupt.onnx"
    corrupt.write_bytes(b"not a protobuf")
    with pytest.raises(OnnxModelError, match="corrupt.onnx is not a readable ONNX model"):
        load_session(str(corrupt))
    with pytest.raises(OnnxModelError, match="holds the detector network, not the reid"):
        load_session(str(masktrack[2]), network="reid")
    session = load_session(str(masktrack[2]), network="detector")
    meta = session.get_modelmeta().custom_metadata_map
    assert meta["d2track.network"] == "detector" and meta["d2track.input_format"] == "RGB"
