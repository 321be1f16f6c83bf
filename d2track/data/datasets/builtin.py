"""Builtin dataset splits, registered on ``import d2track.data`` (reading no files).

Roots resolve under ``$DETECTRON2_DATASETS`` (default ``datasets/``), as in Detectron2, when a
split is loaded, not at import. Benchmark splits are CocoVID jsons (see :mod:`.cocovid`) written
by ``datasets/prepare_<dataset>.py`` (``datasets/README.md``) at these paths, relative to
``$DETECTRON2_DATASETS`` (``<s>``: split, ``<N>``: MOT edition, ``<Y>``: YouTube-VIS year):

======================== ============================================================ ========
name                     json, then image root (and the values of the placeholders)   classes
======================== ============================================================ ========
imagenet_vid_<s>         ILSVRC/annotations/imagenet_vid_<s>.json                     30 vid
                         ILSVRC/Data/VID (<s>: train, val)
imagenet_det_train       ILSVRC/annotations/imagenet_det_30plus1cls.json              31 coco
                         ILSVRC/Data/DET
imagenet_det_train_30cls the same json and images; class 31 dropped (VID+DET mixes)   30 coco
mot<N>_<s>               MOT<N>/annotations/<s'>_cocoformat.json                       1 mot
                         MOT<N>/train, MOT<N>/test for test (<N>: 15, 16, 17, 20;
                         <s>: train, test, half_train, half_val; <s'>: with "-" for "_")
crowdhuman_<s>           crowdhuman/annotations/crowdhuman_<s>.json                    1 coco
                         crowdhuman/<s> (<s>: train, val)
lasot_<s>                lasot/annotations/lasot_<s>.json                              1 sot
                         lasot/LaSOTBenchmark (<s>: train, test)
uav123_test              uav123/annotations/uav123_test.json                           1 sot
                         uav123/data_seq/UAV123
trackingnet_<s>          trackingnet/annotations/trackingnet_<s>.json                  1 sot
                         trackingnet (<s>: train, test)
otb100_test              otb100/annotations/otb100_test.json                           1 sot
                         otb100/data
got10k_<s>               got10k/annotations/got10k_<s>.json                            1 sot
                         got10k/<s> (<s>: train, val, test)
vot2018_test             vot2018/annotations/vot2018_test.json                         1 vot
                         vot2018/data
ytvis_<Y>_<s>            youtube_vis_<Y>/annotations/youtube_vis_<Y>_<s>.json         40 vis
                         youtube_vis_<Y>/<s>/JPEGImages (<Y>: 2019, 2021;
                         <s>: train, valid, test)
======================== ============================================================ ========

TrackingNet image names include their chunk (``TRAIN_3/frames/<video>/0.jpg``, ``TEST/frames/..``)
and MOT image names their sequence (``MOT17-02-FRCNN/img1/000001.jpg``). Classes and json
category ids are in :mod:`.builtin_meta` (matched by id); annotations of other json categories
are dropped (MOT keeps ``pedestrian`` only, as MMTracking does). Extra fields kept: MOT
``mot_frame_id`` (1-based frame number in the sequence, needed to write results of half splits),
``mot_conf``, ``mot_instance_id``, ``mot_class_id`` (MOT evaluation needs them); VID ``occluded``,
``generated``; SOT visibility flags.
"""

import os
from dataclasses import dataclass
from functools import partial

from detectron2.data import DatasetCatalog, MetadataCatalog
from detectron2.utils.file_io import PathManager

from .builtin_meta import get_builtin_metadata
from .builtin_synthetic import register_all_synthetic
from .cocovid import load_cocovid_json
from .root import datasets_root

__all__ = [
    "BENCHMARK_SPLITS",
    "BenchmarkSplit",
    "register_benchmark",
    "register_all_benchmarks",
    "datasets_root",
]


@dataclass(frozen=True)
class BenchmarkSplit:
    """Where a benchmark split lives (relative to the datasets root) and how to read it."""

    json_file: str
    image_root: str
    meta: str  # key of :func:`.builtin_meta.get_builtin_metadata`
    prepare: str  # converter script under datasets/
    image_keys: tuple = ()
    annotation_keys: tuple = ()


def _imagenet_splits():
    vid = dict(meta="imagenet_vid", prepare="prepare_imagenet_vid.py")
    vid["annotation_keys"] = ("occluded", "generated")
    det = ("ILSVRC/annotations/imagenet_det_30plus1cls.json", "ILSVRC/Data/DET")
    det_kw = dict(prepare="prepare_imagenet_det.py")
    splits = {
        f"imagenet_vid_{s}": BenchmarkSplit(
            f"ILSVRC/annotations/imagenet_vid_{s}.json", "ILSVRC/Data/VID", **vid
        )
        for s in ("train", "val")
    }
    splits["imagenet_det_train"] = BenchmarkSplit(*det, meta="imagenet_det", **det_kw)
    splits["imagenet_det_train_30cls"] = BenchmarkSplit(*det, meta="imagenet_vid", **det_kw)
    return splits


def _mot_splits():
    keys = dict(
        image_keys=("mot_frame_id",),
        annotation_keys=("mot_instance_id", "mot_conf", "mot_class_id"),
    )
    splits = {}
    for mot in ("MOT15", "MOT16", "MOT17", "MOT20"):
        for split in ("train", "test", "half-train", "half-val"):
            folder = "test" if split == "test" else "train"
            splits[f"{mot.lower()}_{split.replace('-', '_')}"] = BenchmarkSplit(
                f"{mot}/annotations/{split}_cocoformat.json",
                f"{mot}/{folder}",
                meta="mot",
                prepare="prepare_mot.py",
                **keys,
            )
    return splits


def _crowdhuman_splits():
    return {
        f"crowdhuman_{s}": BenchmarkSplit(
            f"crowdhuman/annotations/crowdhuman_{s}.json",
            f"crowdhuman/{s}",
            meta="crowdhuman",
            prepare="prepare_crowdhuman.py",
        )
        for s in ("train", "val")
    }


# name: (splits, image root, annotation fields kept)
_SOT = {
    "lasot": (("train", "test"), "lasot/LaSOTBenchmark", ("full_occlusion", "out_of_view")),
    "uav123": (("test",), "uav123/data_seq/UAV123", ()),
    "trackingnet": (("train", "test"), "trackingnet", ()),
    "otb100": (("test",), "otb100/data", ()),
    "got10k": (("train", "val", "test"), "got10k/{split}", ("absence", "cover", "cut_by_image")),
    "vot2018": (
        ("test",),
        "vot2018/data",
        ("camera_motion", "illum_change", "motion_change", "occlusion", "size_change"),
    ),
}


def _sot_splits():
    splits = {}
    for name, (split_names, image_root, annotation_keys) in _SOT.items():
        for split in split_names:
            splits[f"{name}_{split}"] = BenchmarkSplit(
                f"{name}/annotations/{name}_{split}.json",
                image_root.format(split=split),
                meta="sot",
                prepare=f"prepare_{name}.py",
                annotation_keys=annotation_keys,
            )
    return splits


def _ytvis_splits():
    splits = {}
    for year in ("2019", "2021"):
        for split in ("train", "valid", "test"):
            splits[f"ytvis_{year}_{split}"] = BenchmarkSplit(
                f"youtube_vis_{year}/annotations/youtube_vis_{year}_{split}.json",
                f"youtube_vis_{year}/{split}/JPEGImages",
                meta=f"ytvis_{year}",
                prepare="prepare_youtube_vis.py",
            )
    return splits


BENCHMARK_SPLITS = {
    **_imagenet_splits(),
    **_mot_splits(),
    **_crowdhuman_splits(),
    **_sot_splits(),
    **_ytvis_splits(),
}


def register_benchmark(name, split, *, root=None):
    """Register a benchmark split (idempotent); reads no file.

    Args:
        name (str): dataset name, e.g. ``"mot17_half_val"``.
        split (BenchmarkSplit): its paths and metadata.
        root (str or None): datasets root; None means :func:`datasets_root` at load time.
    """
    if name in DatasetCatalog.list():
        return
    DatasetCatalog.register(name, partial(_load_benchmark, name, split, root))
    MetadataCatalog.get(name).set(**get_builtin_metadata(split.meta))


def _load_benchmark(name, split, root):
    root = datasets_root() if root is None else root
    json_file = os.path.join(root, split.json_file)
    if not PathManager.exists(json_file):
        raise FileNotFoundError(
            f"Dataset '{name}' needs {json_file}, which does not exist. Create it with "
            f"`python datasets/{split.prepare}` (see datasets/README.md), or point "
            "$DETECTRON2_DATASETS to the folder that holds it."
        )
    return load_cocovid_json(
        json_file,
        os.path.join(root, split.image_root),
        name,
        extra_image_keys=split.image_keys,
        extra_annotation_keys=split.annotation_keys,
    )


def register_all_benchmarks(root=None):
    """Register every split of :data:`BENCHMARK_SPLITS` (idempotent, reads no file)."""
    for name, split in BENCHMARK_SPLITS.items():
        register_benchmark(name, split, root=root)


def _dancetrack_sportsmot_splits():
    """``dancetrack_<s>`` (``DanceTrack/annotations/<s>_cocoformat.json``, images in
    ``DanceTrack/<s>``) and ``sportsmot_<s>`` (``SportsMOT/annotations/<s>_cocoformat.json``,
    images in ``SportsMOT/dataset/<s>``) for ``<s>`` in train, val, test, and
    ``sportsmot_val_<sport>`` (``SportsMOT/annotations/val_<sport>_cocoformat.json``) for
    basketball, volleyball, football; written by ``datasets/prepare_{dancetrack,sportsmot}.py``.
    """
    keys = dict(
        meta="mot",
        image_keys=("mot_frame_id",),
        annotation_keys=("mot_instance_id", "mot_conf", "mot_class_id"),
    )
    splits = {}
    for s in ("train", "val", "test"):
        ann = f"annotations/{s}_cocoformat.json"
        splits[f"dancetrack_{s}"] = BenchmarkSplit(
            f"DanceTrack/{ann}", f"DanceTrack/{s}", prepare="prepare_dancetrack.py", **keys
        )
        splits[f"sportsmot_{s}"] = BenchmarkSplit(
            f"SportsMOT/{ann}", f"SportsMOT/dataset/{s}", prepare="prepare_sportsmot.py", **keys
        )
    for sport in ("basketball", "volleyball", "football"):
        splits[f"sportsmot_val_{sport}"] = BenchmarkSplit(
            f"SportsMOT/annotations/val_{sport}_cocoformat.json",
            "SportsMOT/dataset/val",
            prepare="prepare_sportsmot.py",
            **keys,
        )
    return splits


DANCETRACK_SPORTSMOT_SPLITS = _dancetrack_sportsmot_splits()


def register_all_dancetrack_sportsmot(root=None):
    """Register the DanceTrack and SportsMOT splits (idempotent, reads no file).

    Both benchmarks are scored officially by TrackEval's ``MotChallenge2DBox`` with its default
    ``BENCHMARK`` (not MOT20) and preprocessing; their ground truth is one class, all boxes
    considered, so that preprocessing removes nothing. Their metadata says so:
    ``evaluator_type="mot"`` and ``mot_benchmark="MOT17"`` (the
    :class:`~d2track.evaluation.MOTEvaluator` ``benchmark`` that reproduces it).
    """
    for name, split in DANCETRACK_SPORTSMOT_SPLITS.items():
        register_benchmark(name, split, root=root)
        MetadataCatalog.get(name).set(evaluator_type="mot", mot_benchmark="MOT17")


register_all_synthetic()
register_all_benchmarks()
register_all_dancetrack_sportsmot()
