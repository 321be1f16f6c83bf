"""Export a network (:class:`~d2track.export.ExportNetwork`) to ONNX and check it with onnxruntime.

Example::

    networks = export_networks(model, preprocess=preprocess)
    inputs = sample_inputs(networks["detector"], frame_bgr)
    export_onnx(networks["detector"], inputs, "detector.onnx")
    for diff in check_onnx("detector.onnx", networks["detector"], inputs):
        print(diff.name, diff.max_abs_diff)

Graphs are traced by Detectron2's ``TracingAdapter`` and written by PyTorch's TorchScript-based
exporter (``torch.onnx.export(..., dynamo=False)``) at opset :data:`OPSET` (>= 16 for
torchvision's ``roi_align`` with ``aligned=True``; NMS and top-k are ONNX operators). The file
carries metadata (``d2track.network``, ``d2track.version``, ``d2track.input_format``) that
:func:`load_session` users check before running it. Files are written atomically.
"""

import contextlib
import importlib
import io
import math
import os
import warnings
from dataclasses import dataclass

import numpy as np
import torch
from detectron2.export import TracingAdapter
from detectron2.export.flatten import flatten_to_tuple

from ..utils.file_io import atomic_open

__all__ = [
    "OPSET",
    "OnnxModelError",
    "OutputDiff",
    "check_onnx",
    "export_onnx",
    "load_session",
    "network_metadata",
    "sample_inputs",
]

#: The ONNX opset of exported graphs.
OPSET = 17
_NETWORK_KEY = "d2track.network"


class OnnxModelError(RuntimeError):
    """An ONNX file that cannot be read, or holds another network than the one asked for."""


@dataclass
class OutputDiff:
    """One output of a graph compared with PyTorch.

    Attributes:
        name (str): the output's name.
        torch_shape, onnx_shape (tuple): the shapes of both results.
        max_abs_diff (float): max |PyTorch - ONNX| over the output (0 if empty; inf if the
            shapes differ).
        max_abs_value (float): max |PyTorch| (0 if empty), the scale the difference is on.
    """

    name: str
    torch_shape: tuple
    onnx_shape: tuple
    max_abs_diff: float
    max_abs_value: float


@contextlib.contextmanager
def _quiet_tracing():
    """Tracing warns about every Python bool/int it freezes; the check against onnxruntime,
    not these warnings, tells whether the graph generalises."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=torch.jit.TracerWarning)
        warnings.filterwarnings("ignore", module=r"torch\.onnx.*")
        # dynamo=False on purpose: the dynamo exporter needs onnxscript, not a dependency here
        warnings.filterwarnings("ignore", message=r"You are using the legacy TorchScript")
        # detectron2's script_if_tracing helpers and anchor grids, once per trace
        warnings.filterwarnings("ignore", message=r".*torch\.jit\.script. is deprecated")
        warnings.filterwarnings("ignore", message=r"torch\.meshgrid")
        yield


def _require(module):
    """onnx and onnxruntime are the ``deploy`` extra's, imported when used."""
    try:
        return importlib.import_module(module)
    except ImportError as e:
        raise ImportError(
            f"{module} is needed for ONNX export: pip install 'd2track[deploy]'"
        ) from e


def sample_inputs(network, frame_bgr):
    """``network.sample_inputs(frame_bgr)`` without gradients."""
    with torch.no_grad():
        return network.sample_inputs(frame_bgr)


def _adapter(network, inputs):
    """The ``TracingAdapter`` of ``network`` on ``inputs``, its outputs (flat) and their names."""
    adapter = TracingAdapter(network.module, inputs, network.inference).eval()
    with _quiet_tracing():
        outputs = adapter(*adapter.flattened_inputs)  # also records the output schema
    return adapter, outputs, list(adapter.outputs_schema.keys)


def network_metadata(network, **extra):
    """The metadata written into the ONNX file of ``network`` (str -> str)."""
    import d2track

    input_format = getattr(network.module, "input_format", None)
    info = {_NETWORK_KEY: network.name, "d2track.version": d2track.__version__}
    if input_format:
        info["d2track.input_format"] = str(input_format)
    return {**info, **{k: str(v) for k, v in extra.items()}}


def export_onnx(network, inputs, path, *, opset=OPSET, metadata=None):
    """Trace ``network`` on ``inputs`` and write its ONNX graph to ``path`` (atomically).

    Args:
        network (ExportNetwork): the network; its module in eval mode.
        inputs (tuple): from :func:`sample_inputs`.
        path (str): the .onnx file.
        opset (int): ONNX opset (>= 16).
        metadata (dict or None): extra ``key: value`` metadata (e.g. the config file).

    Returns:
        list[str]: the graph's output names.
    """
    onnx = _require("onnx")
    adapter, _, output_names = _adapter(network, inputs)
    model = onnx.load_from_string(_trace_to_onnx(adapter, network, output_names, opset))
    onnx.helper.set_model_props(model, network_metadata(network, **(metadata or {})))
    onnx.checker.check_model(model)
    with atomic_open(path, "wb") as f:
        f.write(model.SerializeToString())
    return output_names


def _trace_to_onnx(adapter, network, output_names, opset):
    """The serialised graph ``torch.onnx.export`` (TorchScript exporter) makes of ``adapter``."""
    names = network.input_names + output_names
    buffer = io.BytesIO()
    with _quiet_tracing(), torch.no_grad():
        torch.onnx.export(
            adapter,
            adapter.flattened_inputs,
            buffer,
            input_names=network.input_names,
            output_names=output_names,
            dynamic_axes={k: v for k, v in network.dynamic_axes.items() if k in names},
            opset_version=opset,
            dynamo=False,
        )
    return buffer.getvalue()


def load_session(path, *, network=None):
    """An onnxruntime CPU session of an exported graph.

    Args:
        path (str): the .onnx file.
        network (str or None): the network it must hold (its ``d2track.network`` metadata).

    Raises:
        FileNotFoundError: no such file. OnnxModelError: not a readable ONNX model, or another
            network than ``network``.
    """
    ort = _require("onnxruntime")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"ONNX file {path} does not exist")
    try:
        session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    except Exception as e:  # onnxruntime raises its own classes for bad protobufs and graphs
        raise OnnxModelError(f"{path} is not a readable ONNX model: {e}") from e
    found = session.get_modelmeta().custom_metadata_map.get(_NETWORK_KEY)
    if network is not None and found != network:
        what = f"the {found} network" if found else "no d2track network metadata"
        raise OnnxModelError(
            f"{path} holds {what}, not the {network}: export it with "
            f"tools/deploy/export_onnx.py --network {network}"
        )
    return session


def _compare(name, reference, result):
    shapes = tuple(reference.shape), tuple(result.shape)
    if reference.size == 0:
        return OutputDiff(name, *shapes, 0.0 if shapes[0] == shapes[1] else math.inf, 0.0)
    reference = reference.astype(np.float64)
    scale = float(np.abs(reference).max())
    if shapes[0] != shapes[1]:
        return OutputDiff(name, *shapes, math.inf, scale)
    return OutputDiff(name, *shapes, float(np.abs(reference - result).max()), scale)


def check_onnx(path, network, inputs):
    """Run the graph at ``path`` with onnxruntime (CPU) and PyTorch on the same inputs.

    Args:
        path (str): what :func:`export_onnx` wrote for ``network``.
        network (ExportNetwork): the network, with the weights the file was exported from.
        inputs (tuple): as :func:`sample_inputs` makes them (other sizes than the traced ones
            test the dynamic axes).

    Returns:
        list[OutputDiff]: one per output, in the graph's order.

    Raises:
        OnnxModelError: the file's inputs or outputs are not those of ``network``.
    """
    session = load_session(path, network=network.name)
    _, reference, names = _adapter(network, inputs)
    flat, _ = flatten_to_tuple(inputs)
    graph_inputs = [i.name for i in session.get_inputs()]
    graph_outputs = [o.name for o in session.get_outputs()]
    if graph_inputs != network.input_names or graph_outputs != names:
        raise OnnxModelError(
            f"{path}: inputs {graph_inputs} and outputs {graph_outputs}, expected "
            f"{network.input_names} and {names} for the {network.name}"
        )
    feed = {name: x.detach().cpu().numpy() for name, x in zip(graph_inputs, flat)}
    results = session.run(None, feed)
    return [
        _compare(name, ref.cpu().numpy(), out) for name, ref, out in zip(names, reference, results)
    ]
