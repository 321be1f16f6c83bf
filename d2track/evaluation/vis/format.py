"""YouTube-VIS result and ground-truth formatting, and the CodaLab submission zip.

Follows MMTracking 0.x (open-mmlab/mmtracking, ``YouTubeVISDataset.format_results`` in
``mmtrack/datasets/youtube_vis_dataset.py`` and ``convert_vis_fmt`` in
``mmtrack/core/evaluation/eval_vis.py``).

Conventions and deliberate differences: docs/evaluation.md#vis
"""

import zipfile
from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Union

import numpy as np
from pycocotools import mask as mask_util

from d2track.utils.file_io import atomic_open, dumps_json

__all__ = [
    "cocovid_to_ytvis_gt",
    "mask_to_rle",
    "tracks_to_ytvis_results",
    "write_ytvis_submission",
]


def mask_to_rle(mask) -> Optional[dict]:
    """(H, W) bool mask, an RLE or None -> compressed RLE with ``counts`` as str, or None."""
    if mask is None:
        return None
    if isinstance(mask, dict):
        counts = mask["counts"]
        if isinstance(counts, list):
            mask = mask_util.frPyObjects(mask, *mask["size"])
            counts = mask["counts"]
        counts = counts.decode() if isinstance(counts, bytes) else counts
        return {"size": [int(s) for s in mask["size"]], "counts": counts}
    if hasattr(mask, "detach"):  # torch tensor
        mask = mask.detach().cpu().numpy()
    mask = np.asarray(mask)
    if mask.ndim != 2:
        raise ValueError(f"expected an (H, W) mask, got shape {mask.shape}")
    rle = mask_util.encode(np.asfortranarray(mask.astype(np.uint8)))
    return {"size": [int(s) for s in rle["size"]], "counts": rle["counts"].decode()}


def _frame_fields(frame):
    """(track_ids, scores, labels, masks) of one frame: a dict or a detectron2 ``Instances``."""
    if isinstance(frame, Mapping):
        fields = [frame[k] for k in ("track_ids", "scores", "labels", "masks")]
    else:
        fields = [frame.ID, frame.scores, frame.pred_classes, frame.pred_masks]
    ids, scores, labels = (np.asarray(_numpy(f)).reshape(-1) for f in fields[:3])
    masks = fields[3]
    if not len(ids) == len(scores) == len(labels) == len(masks):
        raise ValueError(
            f"frame fields differ in length: {len(ids)} ids, {len(scores)} scores, "
            f"{len(labels)} labels, {len(masks)} masks"
        )
    return ids.tolist(), scores.astype(np.float64), labels.astype(np.int64), masks


def _numpy(x):
    return x.detach().cpu().numpy() if hasattr(x, "detach") else x


def _collect_tracks(frames: Sequence) -> Dict[int, dict]:
    """Per-frame outputs -> {track id: {"masks": [T], "scores": [...], "labels": [...]}}.

    An id twice in a frame (MaskTrack R-CNN's tracker can give one track two detections) counts
    both scores and labels and keeps the later mask, as MMTracking's ``format_results``.
    """
    tracks = {}
    for t, frame in enumerate(frames):
        ids, scores, labels, masks = _frame_fields(frame)
        for j, track_id in enumerate(ids):
            track = tracks.setdefault(
                track_id, {"masks": [None] * len(frames), "scores": [], "labels": []}
            )
            track["masks"][t] = mask_to_rle(_numpy(masks[j]))
            track["scores"].append(scores[j])
            track["labels"].append(labels[j])
    return tracks


def _majority(labels) -> int:
    labels = np.asarray(labels, dtype=np.int64).reshape(-1)
    if labels.size == 0 or labels.min() < 0:
        raise ValueError(f"labels must be non-negative integers, got {labels.tolist()}")
    return int(np.bincount(labels).argmax())


def _track_result(video_id, track, label_to_category_id):
    scores = np.asarray(track["scores"], dtype=np.float64).reshape(-1)
    if scores.size == 0:
        raise ValueError(f"video {video_id}: a track has no scores")
    label = _majority(track["labels"])
    category_id = label if label_to_category_id is None else label_to_category_id[label]
    return {
        "video_id": video_id,
        "category_id": int(category_id),
        "score": float(scores.mean()),
        "segmentations": [mask_to_rle(m) for m in track["masks"]],
    }


def tracks_to_ytvis_results(
    video_tracks: Iterable[dict],
    *,
    label_to_category_id: Optional[Union[Sequence[int], Mapping[int, int]]] = None,
) -> List[dict]:
    """Convert per-video tracking outputs into the YouTube-VIS results list.

    Args:
        video_tracks: one dict per video with ``"video_id"`` and either
            ``"frames"``: a list of T per-frame outputs, each a dict with ``"track_ids"`` (N,),
            ``"scores"`` (N,), ``"labels"`` (N,) and ``"masks"`` ((N, H, W) bool or N RLEs), or a
            detectron2 ``Instances`` with ``ID``, ``scores``, ``pred_classes``, ``pred_masks``;
            or ``"tracks"``: ``{track_id: {"masks": [T masks / RLEs / None], "scores": [...],
            "labels": [...]}}`` with one score and label per frame where the track is present.
        label_to_category_id: maps a (contiguous) label to the dataset's category id (e.g.
            ``[1, 2, ...]`` or ``{0: 1, ...}``); the label is used as the id when None.

    Returns:
        list of ``{"video_id", "category_id", "score", "segmentations"}``, json-serialisable.
    """
    results = []
    for video in video_tracks:
        video_id = int(video["video_id"])
        tracks = _collect_tracks(video["frames"]) if "frames" in video else video["tracks"]
        for track in tracks.values():
            results.append(_track_result(video_id, track, label_to_category_id))
    return results


def _json_default(obj):
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return float(obj)
    if isinstance(obj, bytes):
        return obj.decode()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    raise TypeError(f"not json-serialisable: {type(obj).__name__}")


def write_ytvis_submission(
    results: List[dict], zip_path: str, *, json_path: Optional[str] = None
) -> str:
    """Write ``results`` as ``results.json`` inside ``zip_path`` (the CodaLab format), atomically.

    Args:
        results: the YouTube-VIS results list (see :func:`tracks_to_ytvis_results`).
        zip_path: destination zip; its folder is created if missing.
        json_path: if given, also write the plain json there (atomically).

    Returns:
        ``zip_path``.
    """
    text = dumps_json(results, default=_json_default)  # strict: a NaN score becomes null
    with atomic_open(zip_path, "wb") as f:
        with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("results.json", text)
    if json_path is not None:
        with atomic_open(json_path, "w", encoding="utf-8") as f:
            f.write(text)
    return zip_path


def cocovid_to_ytvis_gt(cocovid: dict) -> dict:
    """CocoVID ground truth (per-frame annotations with ``instance_id``) -> YouTube-VIS gt.

    Args:
        cocovid: dict with ``videos``, ``images`` (``id``, ``video_id``, ``frame_id``, ``height``,
            ``width``), ``annotations`` (``image_id``, ``instance_id``, ``category_id``,
            ``segmentation``, ``bbox``, ``area``, optional ``iscrowd``) and ``categories``.

    Returns:
        dict with ``videos`` (with ``length``, ``height``, ``width``), ``categories`` and one
        annotation per (video, instance) with per-frame ``segmentations``/``bboxes``/``areas``.
    """
    images = {img["id"]: img for img in cocovid["images"]}
    videos = {v["id"]: dict(v) for v in cocovid["videos"]}
    for img in images.values():
        video = videos[img["video_id"]]
        video["length"] = max(video.get("length", 0), img["frame_id"] + 1)
        video.setdefault("height", img.get("height"))
        video.setdefault("width", img.get("width"))
    tracks = {}
    for ann in cocovid["annotations"]:
        img = images[ann["image_id"]]
        key = (img["video_id"], ann["instance_id"])
        if key not in tracks:
            length = videos[img["video_id"]]["length"]
            tracks[key] = {
                "id": len(tracks) + 1,
                "video_id": img["video_id"],
                "category_id": ann["category_id"],
                "iscrowd": int(ann.get("iscrowd", 0)),
                "segmentations": [None] * length,
                "bboxes": [None] * length,
                "areas": [None] * length,
            }
        t = img["frame_id"]
        tracks[key]["segmentations"][t] = ann.get("segmentation")
        tracks[key]["bboxes"][t] = ann.get("bbox")
        tracks[key]["areas"][t] = ann.get("area")
    return {
        "videos": list(videos.values()),
        "categories": [dict(c) for c in cocovid["categories"]],
        "annotations": list(tracks.values()),
    }
