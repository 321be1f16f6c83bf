"""What the synthetic videos of each task look like: classes, object looks, default params.

Besides ``vid``, ``mot``, ``sot`` and ``vis``, two hard MOT tasks are built to stress trackers
where DanceTrack and SportsMOT do (both one class, ``pedestrian``, 80 frames a video):

- ``mot_dance``: 8-15 dancers in one costume (``looks=1``: one sprite, heights within about
  +-10%) on a static camera, turning, stopping and reversing (``direction_change_prob``,
  ``stop_prob``) along curved paths (``max_curvature``) within the frame, so that they cross and
  occlude each other all the time: appearance barely tells them apart and a constant-velocity
  prediction is often wrong.
- ``mot_sports``: 10-15 players in three kits (``looks=3``) on a pitch (``backdrop="pitch"``),
  faster and as erratic, filmed by a broadcast camera that pans and zooms (``camera_zoom``)
  in every video, so that boxes also move with the camera.

The fields that make them (``looks``, ``direction_change_prob``, ``stop_prob``,
``max_curvature``, ``camera_zoom``, ``backdrop``) are off for the other tasks and, while off, left
out of :func:`params_hash` and of the json: the older tasks keep their cache folders and bytes.
"""

import dataclasses
import hashlib
import json
import math
import zlib
from types import MappingProxyType

from .synthetic_render import ObjectStyle

__all__ = [
    "SYNTHETIC_TASKS",
    "SyntheticTask",
    "SyntheticVideoParams",
    "synthetic_classes",
    "synthetic_params",
    "params_dict",
    "params_hash",
]

FORMAT_VERSION = 1  # bump when the output for the same params changes: it renames the cache

_SHAPE_STYLES = (  # shape, hue (OpenCV 0-179) and texture all tell the class
    ObjectStyle("circle", "circle", 0, "dots"),
    ObjectStyle("square", "square", 110, "checker"),
    ObjectStyle("triangle", "triangle", 60, "stripes"),
    ObjectStyle("star", "star", 25, "rings"),
    ObjectStyle("hexagon", "hexagon", 145, "grid"),
    ObjectStyle("diamond", "diamond", 88, "waves"),
)
_PEDESTRIAN_STYLES = (ObjectStyle("pedestrian", "rounded_rect", None, "person", (60, 256)),)
BACKDROPS = ("clutter", "pitch")


@dataclasses.dataclass(frozen=True)
class SyntheticTask:
    """A task's object looks (category ``i + 1`` is ``styles[i]``); see :data:`SYNTHETIC_TASKS`.

    ``depth_by_size``: smaller (farther) objects are drawn behind larger ones.
    """

    styles: tuple
    depth_by_size: bool = False

    @property
    def classes(self):
        return tuple(style.name for style in self.styles)


SYNTHETIC_TASKS = MappingProxyType(
    {
        "vid": SyntheticTask(_SHAPE_STYLES),
        "mot": SyntheticTask(_PEDESTRIAN_STYLES, depth_by_size=True),
        "sot": SyntheticTask(_SHAPE_STYLES),
        "vis": SyntheticTask(_SHAPE_STYLES),
        "mot_dance": SyntheticTask(_PEDESTRIAN_STYLES, depth_by_size=True),
        "mot_sports": SyntheticTask(_PEDESTRIAN_STYLES, depth_by_size=True),
    }
)

# The defaults that differ by task, in the order of SYNTHETIC_TASKS:
# (vid, mot, sot, vis, mot_dance, mot_sports).
_TASK_DEFAULTS = {
    "num_frames": (30, 30, 30, 30, 80, 80),
    "min_objects": (1, 5, 1, 1, 8, 10),
    "max_objects": (4, 15, 1, 4, 15, 15),
    "max_distractors": (0, 0, 3, 0, 0, 0),
    "min_size": (0.12, 0.1, 0.14, 0.15, 0.15, 0.12),
    "max_size": (0.3, 0.2, 0.28, 0.35, 0.17, 0.15),
    "min_aspect": (0.75, 2.0, 0.75, 0.75, 2.2, 2.0),
    "max_aspect": (1.33, 3.0, 1.33, 1.33, 2.5, 2.6),
    "min_speed": (0.002, 0.003, 0.006, 0.002, 0.006, 0.01),
    "max_speed": (0.025, 0.016, 0.03, 0.02, 0.016, 0.025),
    "max_heading": (math.pi, 0.35, math.pi, math.pi, math.pi, math.pi),
    "cross_prob": (0.3, 1.0, 0.0, 0.3, 0.0, 0.0),
    "leave_prob": (0.2, 0.0, 0.3, 0.2, 0.0, 0.3),
    "max_angle": (0.4, 0.0, 0.3, math.pi, 0.0, 0.0),
    "max_spin": (0.03, 0.0, 0.02, 0.08, 0.0, 0.0),
    "deformation": (0.0, 0.04, 0.05, 0.15, 0.05, 0.04),
    "max_growth": (0.008, 0.003, 0.008, 0.008, 0.0, 0.002),
    "camera_prob": (0.3, 0.3, 0.5, 0.3, 0.0, 1.0),
    "camera_speed": (0.006, 0.004, 0.006, 0.006, 0.0, 0.012),
    "occluder_prob": (0.15, 0.6, 0.6, 0.1, 0.0, 0.3),
    "max_occluders": (1, 2, 1, 1, 1, 1),
    "blur_prob": (0.15, 0.05, 0.1, 0.1, 0.05, 0.1),
    "noise_prob": (0.15, 0.1, 0.1, 0.1, 0.1, 0.1),
    "looks": (0, 0, 0, 0, 1, 3),
    "direction_change_prob": (0.0, 0.0, 0.0, 0.0, 0.06, 0.05),
    "stop_prob": (0.0, 0.0, 0.0, 0.0, 0.3, 0.2),
    "max_curvature": (0.0, 0.0, 0.0, 0.0, 0.05, 0.04),
    "camera_zoom": (0.0, 0.0, 0.0, 0.0, 0.0, 0.3),
    "backdrop": ("clutter", "clutter", "clutter", "clutter", "clutter", "pitch"),
}
# Fields added after the first tasks, with their value that turns them off. While off and the
# task's default, they are left out of the hash and the json (see `params_dict`).
_ADDED_FIELDS = {
    "looks": 0,
    "direction_change_prob": 0.0,
    "stop_prob": 0.0,
    "max_curvature": 0.0,
    "camera_zoom": 0.0,
    "backdrop": "clutter",
}
_SPLIT_SEEDS = {"train": 0, "val": 1, "test": 2}


@dataclasses.dataclass(frozen=True)
class SyntheticVideoParams:
    """Everything that determines a synthetic dataset; ``None`` takes the task's default.

    Lengths and speeds are fractions of ``min(height, width)``.

    Attributes:
        task: one of :data:`SYNTHETIC_TASKS`; its classes, looks and defaults.
        seed, num_videos, num_frames, height, width: as named; video ``i`` uses seed [seed, i].
        min_objects, max_objects: annotated objects per video.
        max_distractors: unannotated look-alikes of the first object (``sot``).
        min_size, max_size: object scale sqrt(w * h); min_aspect, max_aspect: h / w.
        min_speed, max_speed: per frame; max_heading: radians off horizontal (pi: any way).
        cross_prob: share of objects on straight paths through the frame (entering, leaving);
            the others bounce inside it, and ``leave_prob`` of those may leave it for a while.
        max_angle, max_spin: initial angle and turn per frame (radians); deformation: amplitude
            of the squash-and-stretch; max_growth: log-scale change per frame.
        camera_prob, camera_speed: share of videos with a panning camera, and its speed.
        camera_zoom: 0: the camera pans at a steady speed; > 0: a broadcast camera whose pan
            speeds up, slows down and turns, and whose zoom drifts in [1, 1 + camera_zoom].
        occluder_prob, max_occluders: share of videos with bars that hide objects for a few frames.
        blur_prob, noise_prob: share of frames with motion blur, with Gaussian noise.
        min_visible_pixels, min_visible_side: objects with fewer visible pixels, or whose visible
            box is thinner, are not annotated (slivers at borders and behind occluders).
        jpeg_quality: of the frames.
        looks: 0: every object looks its own way; k >= 1: objects share k looks (class and
            sprite), in turn (1: all alike, as dancers in one costume; 2-3: team kits).
        direction_change_prob: per frame, the chance that an object turns by 90-180 degrees
            (reversals included) and changes speed; stop_prob: the share of those changes that
            begin with a 2-6 frame stop; max_curvature: heading change per frame (radians)
            between changes. With any of them on, objects that do not cross the frame
            (``1 - cross_prob``) follow such paths instead of straight bouncing ones.
        backdrop: ``clutter`` (smooth grey clutter) or ``pitch`` (mown grass with white lines).
    """

    task: str = "vid"
    seed: int = 0
    num_videos: int = 10
    num_frames: int = None
    height: int = 256
    width: int = 256
    min_objects: int = None
    max_objects: int = None
    max_distractors: int = None
    min_size: float = None
    max_size: float = None
    min_aspect: float = None
    max_aspect: float = None
    min_speed: float = None
    max_speed: float = None
    max_heading: float = None
    cross_prob: float = None
    leave_prob: float = None
    max_angle: float = None
    max_spin: float = None
    deformation: float = None
    max_growth: float = None
    camera_prob: float = None
    camera_speed: float = None
    occluder_prob: float = None
    max_occluders: int = None
    blur_prob: float = None
    noise_prob: float = None
    min_visible_pixels: int = 10
    min_visible_side: int = 3
    jpeg_quality: int = 90
    looks: int = None
    direction_change_prob: float = None
    stop_prob: float = None
    max_curvature: float = None
    camera_zoom: float = None
    backdrop: str = None

    def __post_init__(self):
        if self.task not in SYNTHETIC_TASKS:
            raise ValueError(
                f"Unknown synthetic task {self.task!r}; one of {list(SYNTHETIC_TASKS)}"
            )
        column = list(SYNTHETIC_TASKS).index(self.task)
        for name, values in _TASK_DEFAULTS.items():
            if getattr(self, name) is None:
                object.__setattr__(self, name, values[column])
        bad = [name for name, ok in self._checks().items() if not ok]
        if bad:
            raise ValueError(f"Invalid synthetic video params ({', '.join(bad)}): {self}")

    def _checks(self):
        probabilities = [getattr(self, name) for name in _TASK_DEFAULTS if name.endswith("_prob")]
        return {
            "sizes": min(self.num_videos, self.num_frames) >= 1
            and min(self.height, self.width) >= 8,
            "objects": 1 <= self.min_objects <= self.max_objects and self.max_distractors >= 0,
            "scale": 0 < self.min_size <= self.max_size and 0 < self.min_aspect <= self.max_aspect,
            "speed": 0 <= self.min_speed <= self.max_speed,
            "probabilities": all(0 <= p <= 1 for p in probabilities),
            "jpeg_quality": 1 <= self.jpeg_quality <= 100,
            "looks": self.looks >= 0,
            "motion": self.max_curvature >= 0 and self.camera_zoom >= 0,
            "backdrop": self.backdrop in BACKDROPS,
        }


def synthetic_classes(task):
    """Class names of ``task`` in category order (category id ``i + 1`` is ``classes[i]``)."""
    return list(SYNTHETIC_TASKS[task].classes)


def synthetic_params(task, split="train", **overrides):
    """The params of a split: the task's defaults, the split's seed and size, then ``overrides``.

    ``train``, ``val`` and ``test`` use seeds 0, 1 and 2 (another name, a hash of it); ``train``
    has 20 videos, other splits 10 (of 30 frames, ``mot_dance`` and ``mot_sports`` 80).
    """
    if task not in SYNTHETIC_TASKS:
        raise KeyError(f"Unknown synthetic task {task!r}; one of {list(SYNTHETIC_TASKS)}")
    seed = _SPLIT_SEEDS.get(split, zlib.crc32(split.encode()) % 2**31)
    num_videos = 20 if split == "train" else SyntheticVideoParams.num_videos
    return SyntheticVideoParams(task=task, **{"seed": seed, "num_videos": num_videos, **overrides})


def params_dict(params):
    """``params`` as a dict, without the later fields that are off and off by default.

    So the params of the tasks that predate a field hash and serialise as before it existed; a
    missing field reads back as its (off) default.
    """
    record = dataclasses.asdict(params)
    column = list(SYNTHETIC_TASKS).index(params.task)
    for name, off in _ADDED_FIELDS.items():
        if record[name] == off and _TASK_DEFAULTS[name][column] == off:
            del record[name]
    return record


def params_hash(params):
    """A short hash of ``params`` (:func:`params_dict`) and of :data:`FORMAT_VERSION`."""
    text = json.dumps({"format": FORMAT_VERSION, **params_dict(params)}, sort_keys=True)
    return hashlib.sha1(text.encode()).hexdigest()[:10]
