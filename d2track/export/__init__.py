"""ONNX export of d2track's per-frame networks, checked with onnxruntime.

* :mod:`.wrappers`: what each model exports (detector, ReID, track head, SiamRPN++ template and
  search branches) as :class:`ExportNetwork` objects that Detectron2's ``TracingAdapter`` traces;
* :mod:`.onnx`: :func:`export_onnx` (``torch.onnx.export``, TorchScript exporter) and
  :func:`check_onnx` (onnxruntime vs PyTorch, max |difference| per output);
* :mod:`.runtime`: :func:`use_onnx_detector`, a tracking model whose detector is an exported graph
  (the trackers stay in numpy).

The command line is ``tools/deploy/export_onnx.py``.
"""

from .onnx import (
    OPSET,
    OnnxModelError,
    OutputDiff,
    check_onnx,
    export_onnx,
    load_session,
    network_metadata,
    sample_inputs,
)
from .runtime import OnnxRCNN, use_onnx_detector
from .wrappers import ExportNetwork, export_networks, frame_preprocessor, network_names

__all__ = [
    "OPSET",
    "ExportNetwork",
    "OnnxModelError",
    "OnnxRCNN",
    "OutputDiff",
    "check_onnx",
    "export_networks",
    "export_onnx",
    "load_session",
    "network_metadata",
    "network_names",
    "sample_inputs",
    "frame_preprocessor",
    "use_onnx_detector",
]
