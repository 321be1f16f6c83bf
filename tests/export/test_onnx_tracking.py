"""d2track.export.use_onnx_detector: a tracking model whose detector is an exported graph tracks
as with the PyTorch detector; models that need more of the detector are refused."""

import copy

import pytest
import torch

from d2track.engine.track_stream import track_stream
from d2track.export import OnnxModelError, OnnxRCNN, use_onnx_detector

TRACKTOR = "projects/Tracktor/configs/tracktor_faster_rcnn_tiny_synthetic_mot.py"


def tracks(model, frames):
    return [instances for _, instances in track_stream(frames, model, image_format="RGB")]


def test_masktrack_tracks_the_same_with_the_onnx_detector(
    masktrack, synthetic_frames, one_torch_thread
):
    model, _, path = masktrack
    onnx_model = use_onnx_detector(copy.deepcopy(model), str(path))
    assert isinstance(onnx_model.detector, OnnxRCNN)
    with torch.no_grad():
        expected, found = tracks(model, synthetic_frames), tracks(onnx_model, synthetic_frames)
    assert [len(t) for t in expected] == [len(t) for t in found]
    assert min(len(t) for t in expected) > 0  # there were tracks to compare in every frame
    assert sum(len(t) for t in expected) > len(set(torch.cat([t.ID for t in expected]).tolist()))
    for a, b in zip(expected, found):
        assert a.ID.tolist() == b.ID.tolist()
        assert (a.pred_boxes.tensor - b.pred_boxes.tensor).abs().max() <= 1e-3
        assert b.pred_masks.shape == a.pred_masks.shape == (len(a), 256, 256)
        # pasted at threshold 0.5: a float32 difference may flip a pixel on a mask's edge
        assert (a.pred_masks != b.pred_masks).float().mean() < 1e-4


def test_refuses_what_a_detector_graph_cannot_do(tiny, masktrack, tmp_path):
    _, tracktor, _ = tiny(TRACKTOR, "model.detector_weights=null", "model.reid_weights=null")
    with pytest.raises(ValueError, match="TracktorTracker regresses boxes with the detector's box"):
        use_onnx_detector(tracktor, str(masktrack[2]))
    with pytest.raises(TypeError, match="Linear is not a tracking model"):
        use_onnx_detector(torch.nn.Linear(2, 2), str(masktrack[2]))


def test_file_errors(masktrack, tmp_path):
    model = masktrack[0]
    with pytest.raises(FileNotFoundError, match="missing.onnx does not exist"):
        use_onnx_detector(model, str(tmp_path / "missing.onnx"))
    corrupt = tmp_path / "corrupt.onnx"
    corrupt.write_bytes(b"\x08\x07garbage")
    with pytest.raises(OnnxModelError, match="not a readable ONNX model"):
        use_onnx_detector(model, str(corrupt))
    assert not isinstance(model.detector, OnnxRCNN)  # left as it was
