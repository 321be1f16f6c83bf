"""Environment report: ``python -m d2track.utils.collect_env [--detectron2]``.

Says which Detectron2 is used and from where, whether its ops are compiled or d2track's
pure-PyTorch fallbacks, which compat fixes are active, and the versions that matter for
reproducing a result. Paste it into bug reports.
"""

import argparse
import importlib
import importlib.metadata as md
import importlib.util
import os
import platform
import sys

__all__ = ["collect_env_info", "cpu_name", "detectron2_ops_info"]

_PACKAGES = (
    "numpy",
    "Pillow",
    "opencv-python-headless",
    "pycocotools",
    "scipy",
    "lap",
    "motmetrics",
    "trackeval",
    "fvcore",
    "iopath",
    "omegaconf",
    "hydra-core",
    "setuptools",
    "pip",
)


def cpu_name():
    """The CPU model (``/proc/cpuinfo``'s "model name", else ``platform.processor()``)."""
    try:
        with open("/proc/cpuinfo") as f:
            return next(
                line.split(":", 1)[1].strip() for line in f if line.startswith("model name")
            )
    except (OSError, StopIteration):
        return platform.processor() or "cpu"


def _version(dist):
    try:
        return md.version(dist)
    except md.PackageNotFoundError:
        return "not installed"


def _torch_rows():
    import torch
    import torchvision

    cuda = torch.cuda.is_available()
    rows = [("torch", f"{torch.__version__} @ {os.path.dirname(torch.__file__)}")]
    rows.append(("torchvision", torchvision.__version__))
    rows.append(("CUDA available", f"{cuda} (torch built with CUDA {torch.version.cuda})"))
    if cuda:
        rows.append(("GPU 0", torch.cuda.get_device_name(0)))
    return rows


def _detectron2_rows():
    spec = importlib.util.find_spec("detectron2")
    if spec is None:
        return [("detectron2", "NOT INSTALLED: run `make setup`")]
    import detectron2

    rows = [("detectron2", f"{detectron2.__version__} @ {os.path.dirname(detectron2.__file__)}")]
    rows.append(("detectron2 distribution", _version("detectron2")))
    return rows + detectron2_ops_info()


def detectron2_ops_info():
    """Rows (name, status) saying, for each compiled op, whether it is native or a fallback."""
    import detectron2._C as C
    from detectron2.evaluation import coco_evaluation

    deform_conv = importlib.import_module("detectron2.layers.deform_conv")
    roi_align_rotated = importlib.import_module("detectron2.layers.roi_align_rotated")
    stub = getattr(C, "IS_STUB", False)
    where = "d2track fallback" if stub else "compiled"
    rows = [
        ("detectron2._C", f"d2track stub ({C.__file__})" if stub else f"compiled ({C.__file__})")
    ]
    rows.append(("deform_conv / modulated", f"{where} ({deform_conv.deform_conv.__module__})"))
    rows.append(("box_iou_rotated", f"{where} (torchvision)" if stub else where))
    rows.append(("nms_rotated", f"{where}"))
    rows.append(
        ("roi_align_rotated", f"{where} ({roi_align_rotated.roi_align_rotated.__module__})")
    )
    fast = coco_evaluation.COCOeval_opt
    rows.append(("COCOEvaluator fast path", f"{fast.__module__}.{fast.__name__}"))
    return rows


def _compat_rows():
    finders = [f for f in sys.meta_path if hasattr(f, "d2_compat_version")]
    if not finders:
        return [("compat layer", "not installed")]
    f = finders[0]
    return [("compat layer", f"{f.package} v{f.d2_compat_version}")]


def collect_env_info(with_detectron2=False):
    """Return the report as a string (a table)."""
    from tabulate import tabulate

    import d2track

    rows = [("sys.platform", sys.platform), ("Python", sys.version.replace("\n", " "))]
    rows.append(("d2track", f"{d2track.__version__} @ {os.path.dirname(d2track.__file__)}"))
    rows += _torch_rows() + _detectron2_rows() + _compat_rows()
    rows += [(name, _version(name)) for name in _PACKAGES]
    report = tabulate(rows)
    if with_detectron2:
        from detectron2.utils.collect_env import collect_env_info as d2_info

        report += "\n\nDetectron2's own report:\n" + d2_info()
    return report


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--detectron2", action="store_true", help="append Detectron2's report")
    args = parser.parse_args(argv)
    print(collect_env_info(with_detectron2=args.detectron2))


if __name__ == "__main__":
    main()
