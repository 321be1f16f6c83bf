"""Dataset loaders and the builtin splits (registered on import, reading no files)."""

from . import builtin  # noqa: F401  (registers the builtin splits)
from .builtin import BENCHMARK_SPLITS, BenchmarkSplit, datasets_root, register_benchmark
from .builtin_meta import MOTCHALLENGE_CLASSES, get_builtin_metadata
from .cocovid import CocoVidFormatError, load_cocovid_json, register_cocovid_instances
from .synthetic_shapes import SHAPE_CLASSES, load_synthetic_shapes
from .video_index import VideoIndex, build_video_index

__all__ = [
    "BENCHMARK_SPLITS",
    "BenchmarkSplit",
    "CocoVidFormatError",
    "MOTCHALLENGE_CLASSES",
    "SHAPE_CLASSES",
    "VideoIndex",
    "build_video_index",
    "datasets_root",
    "get_builtin_metadata",
    "load_cocovid_json",
    "load_synthetic_shapes",
    "register_benchmark",
    "register_cocovid_instances",
]
