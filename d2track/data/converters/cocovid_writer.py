"""Build a CocoVID json record by record, then write it atomically with a summary.

The one writer every converter uses, so that ids, field names and conventions (0-based
``frame_id``, 1-based video/image/annotation ids, globally unique ``instance_id``, ``area`` and
``iscrowd`` defaults) are the same for every benchmark, and match what
:func:`d2track.data.datasets.load_cocovid_json` reads.
"""

import logging

from d2track.utils.file_io import dump_json

__all__ = ["CocoVidWriter"]

logger = logging.getLogger(__name__)


class CocoVidWriter:
    """Accumulates ``videos``, ``images`` and ``annotations``; :meth:`write` saves the json."""

    def __init__(self, categories, **top_level):
        """
        Args:
            categories (list[dict]): ``[{"id": int, "name": str}, ...]`` (json category ids).
            top_level: more top-level json keys, written first (e.g. the official ``info``
                and ``licenses``).
        """
        self.categories = [dict(c) for c in categories]
        self.top_level = dict(top_level)
        self.videos, self.images, self.annotations = [], [], []

    def add_video(self, name, **extra):
        """Add a video; returns its id (1-based)."""
        self.videos.append({"id": len(self.videos) + 1, "name": name, **extra})
        return self.videos[-1]["id"]

    def add_image(self, *, file_name, height, width, video_id=None, frame_id=None, **extra):
        """Add a frame (``video_id`` and 0-based ``frame_id``) or a still image (neither)."""
        image = {
            "id": len(self.images) + 1,
            "file_name": file_name,
            "height": int(height),
            "width": int(width),
            **extra,
        }
        if video_id is not None:
            image.update(video_id=video_id, frame_id=int(frame_id))
        self.images.append(image)
        return image["id"]

    def add_annotation(self, *, image_id, category_id, bbox, instance_id=None, **extra):
        """Add a box ``[x, y, w, h]`` (floats); ``area`` defaults to ``w * h``, ``iscrowd`` to 0."""
        x, y, w, h = (float(v) for v in bbox)
        ann = {
            "id": len(self.annotations) + 1,
            "image_id": image_id,
            "category_id": int(category_id),
            "bbox": [x, y, w, h],
            "area": w * h,
            "iscrowd": 0,
            **extra,
        }
        if instance_id is not None:
            ann["instance_id"] = int(instance_id)
        self.annotations.append(ann)
        return ann["id"]

    def to_dict(self):
        out = {**self.top_level, "categories": self.categories, "images": self.images}
        out["annotations"] = self.annotations
        if self.videos:
            out["videos"] = self.videos
        return out

    def summary(self):
        """Counts: videos, frames, instances (annotations), tracks, ignored annotations."""
        tracks = {a["instance_id"] for a in self.annotations if "instance_id" in a}
        return {
            "videos": len(self.videos),
            "frames": len(self.images),
            "instances": len(self.annotations),
            "tracks": len(tracks),
            "ignored": sum(bool(a.get("ignore", False)) for a in self.annotations),
        }

    def write(self, path):
        """Write the json atomically and log/return the summary."""
        dump_json(self.to_dict(), path, indent=None, separators=(",", ":"))
        summary = self.summary()
        logger.info(f"wrote {path}: " + ", ".join(f"{v} {k}" for k, v in summary.items()))
        print(f"{path}: " + ", ".join(f"{v} {k}" for k, v in summary.items()))
        return summary
