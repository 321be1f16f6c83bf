"""A synthetic video as a :class:`Scene`: how one is composed for a task and how a frame is drawn.

A scene holds a background canvas larger than the frame (so that the camera can pan over it),
objects as textured sprites with one pose per frame in drawing order, the camera path and per-frame
blur and noise. :func:`render_frame` draws frame ``t`` and says which object owns each pixel.

For the hard MOT tasks, objects may share a look (one sprite per look, each object's size set by
its pose scale: ``mot_dance`` dancers are alike, ``mot_sports`` players wear team kits), follow
:func:`~.synthetic_motion.turning_path` s, and the camera may zoom as well as pan
(:attr:`Scene.zoom`; the pitch of ``mot_sports`` is :func:`~.synthetic_render.pitch`).
"""

import dataclasses
from dataclasses import dataclass

import cv2
import numpy as np

from . import synthetic_motion as motion
from . import synthetic_render as render
from .synthetic_tasks import SYNTHETIC_TASKS

__all__ = ["SceneObject", "Scene", "sample_scene", "render_frame", "OCCLUDER_STYLE"]

OCCLUDER_STYLE = render.ObjectStyle("occluder", "square", 15, "stripes", saturation=(20, 90))


@dataclass(frozen=True)
class SceneObject:
    """A sprite with one world pose ``(cx, cy, angle, sx, sy)`` per frame, shape (T, 5).

    ``category`` indexes the task's classes; objects with ``annotated=False`` (occluders,
    distractors) are drawn but never annotated. Objects with the same ``look`` >= 0 share their
    sprite (-1: a look of its own).
    """

    sprite: render.Sprite
    poses: np.ndarray
    category: int
    annotated: bool = True
    look: int = -1


@dataclass(frozen=True)
class Scene:
    """One video. ``objects`` are in drawing order (back to front).

    ``background`` is (height + 2 * margin, width + 2 * margin, 3); ``camera`` (T, 2) holds the
    world position of the frame's top-left corner, within [-margin, margin]; ``blur`` (T, 2) the
    motion blur length in pixels (0: none) and angle; ``noise`` (T, 2) the Gaussian noise sigma
    (0: none) and its seed; ``zoom`` (T,) None (no zoom) or the zoom about the frame centre.
    """

    height: int
    width: int
    margin: int
    background: np.ndarray
    objects: tuple
    camera: np.ndarray
    blur: np.ndarray
    noise: np.ndarray
    zoom: np.ndarray = None


def render_frame(scene, t):
    """Draw frame ``t`` of ``scene``.

    Returns:
        tuple: ``image`` (H, W, 3) uint8 BGR, ``owner`` (H, W) int16 index of the object seen at
        each pixel (-1: background) and ``placed``, per object its
        :class:`~.synthetic_render.Placed` (None when out of view).
    """
    height, width, margin = scene.height, scene.width, scene.margin
    camera = scene.camera[t]
    if scene.zoom is None:
        x0, y0 = np.round(camera).astype(int) + margin
        image = scene.background[y0 : y0 + height, x0 : x0 + width].copy()
    else:
        image = _zoomed_view(scene, t)
    owner = np.full((height, width), -1, np.int16)
    placed = []
    for index, obj in enumerate(scene.objects):
        pose = _screen_pose(scene, obj.poses[t], t)
        placed.append(render.warp_sprite(obj.sprite, pose, height, width))
        if placed[-1] is not None:
            render.paste(image, owner, placed[-1], index)
    if scene.blur[t, 0] > 0:
        image = render.motion_blur(image, *scene.blur[t])
    if scene.noise[t, 0] > 0:
        image = render.add_noise(image, *scene.noise[t])
    return image, owner, placed


def _screen_pose(scene, pose, t):
    """World ``pose`` (5,) in frame ``t``'s pixels: minus the camera, then zoomed if it zooms."""
    pose = pose - (scene.camera[t, 0], scene.camera[t, 1], 0, 0, 0)
    if scene.zoom is None:
        return pose
    zoom, centre = scene.zoom[t], np.array([scene.width, scene.height]) / 2
    cx, cy = (pose[:2] - centre) * zoom + centre
    return np.array([cx, cy, pose[2], pose[3] * zoom, pose[4] * zoom])


def _zoomed_view(scene, t):
    """The background seen in frame ``t`` of a zooming camera (zoom >= 1 stays on the canvas)."""
    zoom, (cam_x, cam_y) = scene.zoom[t], scene.camera[t]
    half_w, half_h = scene.width / 2, scene.height / 2
    shift_x = half_w - zoom * (scene.margin + cam_x + half_w)
    shift_y = half_h - zoom * (scene.margin + cam_y + half_h)
    matrix = np.array([[zoom, 0, shift_x], [0, zoom, shift_y]])
    size = (scene.width, scene.height)
    return cv2.warpAffine(
        scene.background, matrix, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT
    )


def sample_scene(rng, params, styles):
    """Compose one video of ``params`` (a ``SyntheticVideoParams``) with objects of ``styles``.

    Annotated objects are drawn in random depth order (MOT tasks: smaller, i.e. farther, behind),
    look-alike distractors of the first one behind them and occluder bars in front of all.

    Returns:
        Scene
    """
    margin, camera, zoom = _sample_camera(rng, params)
    num_objects = rng.integers(params.min_objects, params.max_objects + 1)
    base_hue = rng.uniform(0, 180) if params.looks > 1 else None  # kits apart on the hue circle
    outfits = [_sample_outfit(rng, params, styles, k, base_hue) for k in range(params.looks)]
    objects = [
        _sample_object(rng, params, styles, outfit=outfits[i % len(outfits)] if outfits else None)
        for i in range(num_objects)
    ]
    if SYNTHETIC_TASKS[params.task].depth_by_size:
        objects.sort(key=_apparent_size)
    num_distractors = rng.integers(0, params.max_distractors + 1)
    look_alike = dict(category=objects[0].category, annotated=False)
    distractors = [
        _sample_object(rng, params, styles, **look_alike) for _ in range(num_distractors)
    ]
    objects = distractors + objects + _sample_occluders(rng, params, objects, margin)
    height, width = params.height + 2 * margin, params.width + 2 * margin
    backdrop = render.pitch if params.backdrop == "pitch" else render.background
    return Scene(
        height=params.height,
        width=params.width,
        margin=margin,
        background=backdrop(rng, height, width),
        objects=tuple(objects),
        camera=camera,
        zoom=zoom,
        **_sample_degradations(rng, params),
    )


def _apparent_size(obj):
    """Sprite area, times the first pose's scale for a shared sprite (others are drawn to size)."""
    if obj.look < 0:
        return obj.sprite.mask.size
    return obj.sprite.mask.size * obj.poses[0, 3] * obj.poses[0, 4]


def _sample_camera(rng, params):
    """The margin of the background around the frame, the camera path (T, 2) and zoom (T,)."""
    if rng.random() >= params.camera_prob:
        return 0, np.zeros((params.num_frames, 2)), None
    side = min(params.height, params.width)
    speed = params.camera_speed * side
    if params.camera_zoom > 0:  # a broadcast camera roams a wider field
        margin = int(np.ceil(0.25 * side))
        pan, zoom = motion.broadcast_camera(
            rng,
            num_frames=params.num_frames,
            speed=speed,
            margin=margin,
            max_zoom=params.camera_zoom,
        )
        return margin, pan, zoom
    margin = int(np.ceil(0.15 * side))
    camera = motion.camera_path(rng, num_frames=params.num_frames, speed=speed, margin=margin)
    return margin, camera, None


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


def _sample_outfit(rng, params, styles, look, base_hue=None):
    """Look number ``look``, that objects share: ``(look, category, sprite, width, height)``.

    The sprite has the mean size and aspect of ``params``; objects scale it to their own. With
    ``base_hue``, styles of any hue get hue ``base_hue + 180 * look / params.looks`` (team kits).
    """
    category = int(rng.integers(len(styles)))
    style = styles[category]
    if base_hue is not None and style.hue is None:
        style = dataclasses.replace(style, hue=base_hue + 180 * look / params.looks)
    scale = (params.min_size + params.max_size) / 2 * min(params.height, params.width)
    aspect = (params.min_aspect + params.max_aspect) / 2
    width, height = scale / np.sqrt(aspect), scale * np.sqrt(aspect)
    sprite = render.make_sprite(rng, style, width=width, height=height)
    return look, category, sprite, width, height


def _sample_object(rng, params, styles, category=None, annotated=True, outfit=None):
    if outfit is None:
        category = rng.integers(len(styles)) if category is None else category
    else:
        look, category, sprite, sprite_width, sprite_height = outfit
    side, size = min(params.height, params.width), (params.width, params.height)
    scale = rng.uniform(params.min_size, params.max_size) * side
    aspect = rng.uniform(params.min_aspect, params.max_aspect)
    width, height = scale / np.sqrt(aspect), scale * np.sqrt(aspect)
    if outfit is None:
        look, sprite_width, sprite_height = -1, width, height
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
        start = rng.uniform(half, np.maximum(half, size - half))
        bounds = dict(num_frames=params.num_frames, lo=half - out, hi=size - half + out)
        centres = _inner_path(rng, params, start=start, velocity=velocity, **bounds)
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
    poses[:, 3:] *= (width / sprite_width, height / sprite_height)  # a shared sprite's size
    return SceneObject(sprite, poses, int(category), annotated=annotated, look=look)


def _inner_path(rng, params, **kwargs):
    """Bouncing straight, or, with turns on, :func:`~.synthetic_motion.turning_path`."""
    if max(params.direction_change_prob, params.stop_prob, params.max_curvature) == 0:
        return motion.bouncing_path(rng, **kwargs)
    return motion.turning_path(
        rng,
        change_prob=params.direction_change_prob,
        stop_prob=params.stop_prob,
        max_curvature=params.max_curvature,
        **kwargs,
    )


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
