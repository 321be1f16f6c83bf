"""A synthetic video as a :class:`Scene`: how one is composed for a task and how a frame is drawn.

A scene holds a background canvas larger than the frame (so that the camera can pan over it),
objects as textured sprites with one pose per frame in drawing order, the camera path and per-frame
blur and noise. :func:`render_frame` draws frame ``t`` and says which object owns each pixel.
"""

from dataclasses import dataclass

import numpy as np

from . import synthetic_motion as motion
from . import synthetic_render as render

__all__ = ["SceneObject", "Scene", "sample_scene", "render_frame", "OCCLUDER_STYLE"]

OCCLUDER_STYLE = render.ObjectStyle("occluder", "square", 15, "stripes", saturation=(20, 90))


@dataclass(frozen=True)
class SceneObject:
    """A sprite with one world pose ``(cx, cy, angle, sx, sy)`` per frame, shape (T, 5).

    ``category`` indexes the task's classes; objects with ``annotated=False`` (occluders,
    distractors) are drawn but never annotated.
    """

    sprite: render.Sprite
    poses: np.ndarray
    category: int
    annotated: bool = True


@dataclass(frozen=True)
class Scene:
    """One video. ``objects`` are in drawing order (back to front).

    ``background`` is (height + 2 * margin, width + 2 * margin, 3); ``camera`` (T, 2) holds the
    world position of the frame's top-left corner, within [-margin, margin]; ``blur`` (T, 2) the
    motion blur length in pixels (0: none) and angle; ``noise`` (T, 2) the Gaussian noise sigma
    (0: none) and its seed.
    """

    height: int
    width: int
    margin: int
    background: np.ndarray
    objects: tuple
    camera: np.ndarray
    blur: np.ndarray
    noise: np.ndarray


def render_frame(scene, t):
    """Draw frame ``t`` of ``scene``.

    Returns:
        tuple: ``image`` (H, W, 3) uint8 BGR, ``owner`` (H, W) int16 index of the object seen at
        each pixel (-1: background) and ``placed``, per object its
        :class:`~.synthetic_render.Placed` (None when out of view).
    """
    height, width, margin = scene.height, scene.width, scene.margin
    camera = scene.camera[t]
    x0, y0 = np.round(camera).astype(int) + margin
    image = scene.background[y0 : y0 + height, x0 : x0 + width].copy()
    owner = np.full((height, width), -1, np.int16)
    placed = []
    for index, obj in enumerate(scene.objects):
        pose = obj.poses[t] - (camera[0], camera[1], 0, 0, 0)
        placed.append(render.warp_sprite(obj.sprite, pose, height, width))
        if placed[-1] is not None:
            render.paste(image, owner, placed[-1], index)
    if scene.blur[t, 0] > 0:
        image = render.motion_blur(image, *scene.blur[t])
    if scene.noise[t, 0] > 0:
        image = render.add_noise(image, *scene.noise[t])
    return image, owner, placed


def sample_scene(rng, params, styles):
    """Compose one video of ``params`` (a ``SyntheticVideoParams``) with objects of ``styles``.

    Annotated objects are drawn in random depth order (``mot``: smaller, i.e. farther, behind),
    look-alike distractors of the first one behind them and occluder bars in front of all.

    Returns:
        Scene
    """
    margin, camera = _sample_camera(rng, params)
    num_objects = rng.integers(params.min_objects, params.max_objects + 1)
    objects = [_sample_object(rng, params, styles) for _ in range(num_objects)]
    if params.task == "mot":
        objects.sort(key=lambda obj: obj.sprite.mask.size)
    num_distractors = rng.integers(0, params.max_distractors + 1)
    look_alike = dict(category=objects[0].category, annotated=False)
    distractors = [
        _sample_object(rng, params, styles, **look_alike) for _ in range(num_distractors)
    ]
    objects = distractors + objects + _sample_occluders(rng, params, objects, margin)
    height, width = params.height + 2 * margin, params.width + 2 * margin
    return Scene(
        height=params.height,
        width=params.width,
        margin=margin,
        background=render.background(rng, height, width),
        objects=tuple(objects),
        camera=camera,
        **_sample_degradations(rng, params),
    )


def _sample_camera(rng, params):
    """The margin of the background around the frame and the camera path (T, 2)."""
    if rng.random() >= params.camera_prob:
        return 0, np.zeros((params.num_frames, 2))
    side = min(params.height, params.width)
    margin = int(np.ceil(0.15 * side))
    speed = params.camera_speed * side
    return margin, motion.camera_path(rng, num_frames=params.num_frames, speed=speed, margin=margin)


def _sample_degradations(rng, params):
    """Per frame: motion blur ``(length, angle)`` and Gaussian noise ``(sigma, seed)``."""
    side, num_frames = min(params.height, params.width), params.num_frames
    blur_on = motion.burst_schedule(rng, num_frames=num_frames, prob=params.blur_prob)
    noise_on = motion.burst_schedule(rng, num_frames=num_frames, prob=params.noise_prob)
    length = blur_on * np.maximum(3, rng.uniform(0.02, 0.05, num_frames) * side)
    sigma = noise_on * rng.uniform(6, 20, num_frames)
    return dict(
        blur=np.column_stack([length, rng.uniform(0, np.pi, num_frames)]),
        noise=np.column_stack([sigma, rng.integers(0, 2**31, num_frames)]),
    )


def _sample_object(rng, params, styles, category=None, annotated=True):
    category = rng.integers(len(styles)) if category is None else category
    side, size = min(params.height, params.width), (params.width, params.height)
    scale = rng.uniform(params.min_size, params.max_size) * side
    aspect = rng.uniform(params.min_aspect, params.max_aspect)
    width, height = scale / np.sqrt(aspect), scale * np.sqrt(aspect)
    sprite = render.make_sprite(rng, styles[category], width=width, height=height)
    velocity = motion.sample_velocity(
        rng,
        min_speed=params.min_speed * side,
        max_speed=params.max_speed * side,
        max_heading=params.max_heading,
    )
    half = np.array([width, height]) / 2
    if rng.random() < params.cross_prob:
        centres = motion.crossing_path(
            rng, num_frames=params.num_frames, size=size, velocity=velocity
        )
    else:  # in the frame at first; some go up to 1.3 half-sizes past its border and return
        out = rng.uniform(1.2, 2.3) * half.max() if rng.random() < params.leave_prob else 0.0
        centres = motion.bouncing_path(
            rng,
            num_frames=params.num_frames,
            lo=half - out,
            hi=size - half + out,
            start=rng.uniform(half, np.maximum(half, size - half)),
            velocity=velocity,
        )
    sway = motion.wobble(
        rng, num_frames=params.num_frames, amplitude=0.015 * side, velocity=velocity
    )
    poses = motion.pose_track(
        rng,
        centres + sway,
        max_angle=params.max_angle,
        max_spin=params.max_spin,
        deformation=params.deformation,
        max_growth=params.max_growth,
    )
    return SceneObject(sprite=sprite, poses=poses, category=int(category), annotated=annotated)


def _sample_occluders(rng, params, objects, margin):
    """Bars that hide random ``objects`` for a moment in the last 2/3 of the video.

    They never cover much of ``objects[-1]`` (the ``sot`` target) in the first frame.
    """
    if rng.random() >= params.occluder_prob:
        return []
    bars, frame_size = [], np.array([params.width, params.height])
    for _ in range(rng.integers(1, params.max_occluders + 1)):
        target = objects[rng.integers(len(objects))]
        in_view = ((target.poses[:, :2] > 0) & (target.poses[:, :2] < frame_size)).all(axis=1)
        candidates = np.flatnonzero(in_view[params.num_frames // 3 :]) + params.num_frames // 3
        for t_hidden in rng.permutation(candidates):
            slack = params.min_visible_pixels // 2
            bar = motion.occluder_bar(
                rng, target.poses, target.sprite.mask, int(t_hidden), slack=slack
            )
            if not _covers_first_frame(bar, objects[-1]):
                bars.append(_bar_object(rng, params, bar, margin))
                break
    return bars


def _covers_first_frame(bar, obj):
    """Whether ``bar`` hides more than about a quarter of ``obj`` in the first frame."""
    vertical, position, thickness = bar
    axis = 0 if vertical else 1
    reach = thickness / 2 + obj.sprite.mask.shape[::-1][axis] * obj.poses[0, 3 + axis] / 4
    return abs(obj.poses[0, axis] - position) < reach


def _bar_object(rng, params, bar, margin):
    vertical, position, thickness = bar
    span = (params.height if vertical else params.width) + 2 * margin + 4
    width, height = (thickness, span) if vertical else (span, thickness)
    sprite = render.make_sprite(rng, OCCLUDER_STYLE, width=width, height=height)
    centre = (position, params.height / 2) if vertical else (params.width / 2, position)
    poses = np.tile([centre[0], centre[1], 0.0, 1.0, 1.0], (params.num_frames, 1))
    return SceneObject(sprite=sprite, poses=poses, category=-1, annotated=False)
