"""Motion for the synthetic videos: trajectories, poses, camera paths, occluders, degradations.

All functions are pure given a numpy ``Generator``; positions are world pixels (the frame's
top-left corner sits at the camera position) and arrays have one row per frame.

The hard MOT tasks add :func:`turning_path` (abrupt turns, stops and reversals on curved arcs,
which a constant-velocity Kalman filter mispredicts) and :func:`broadcast_camera` (a pan that
speeds up, slows down and turns, and a drifting zoom).
"""

import numpy as np

__all__ = [
    "reflect",
    "sample_velocity",
    "crossing_path",
    "bouncing_path",
    "turning_path",
    "wobble",
    "pose_track",
    "camera_path",
    "broadcast_camera",
    "burst_schedule",
    "occluder_bar",
]


def reflect(x, lo, hi):
    """Fold ``x`` into [lo, hi] as a ball bouncing between two walls (element-wise)."""
    lo, hi = np.asarray(lo, dtype=np.float64), np.asarray(hi, dtype=np.float64)
    span = np.maximum(hi - lo, 1e-6)
    y = np.mod(x - lo, 2 * span)
    return lo + np.where(y > span, 2 * span - y, y)


def sample_velocity(rng, *, min_speed, max_speed, max_heading):
    """A velocity (2,) whose speed is in [min_speed, max_speed] pixels per frame.

    Its direction is within ``max_heading`` radians of horizontal (either way); pi means any.
    """
    speed = rng.uniform(min_speed, max_speed)
    heading = rng.uniform(-max_heading, max_heading) + np.pi * rng.integers(2)
    return speed * np.array([np.cos(heading), np.sin(heading)])


def crossing_path(rng, *, num_frames, size, velocity):
    """Straight motion through a random point of the ``size`` = (width, height) frame.

    The object is at that point at a random frame, so depending on where and when, it enters
    the frame, leaves it, or both.

    Returns:
        np.ndarray: (T, 2) centres.
    """
    point = rng.uniform(0, 1, size=2) * size
    t_point = rng.integers(num_frames)
    return point + np.outer(np.arange(num_frames) - t_point, velocity)


def bouncing_path(rng, *, num_frames, lo, hi, start=None, velocity):
    """Motion reflected inside the box [lo, hi] (2,) each; starts at ``start`` or at random."""
    lo, hi = np.asarray(lo, dtype=np.float64), np.asarray(hi, dtype=np.float64)
    start = rng.uniform(lo, np.maximum(hi, lo)) if start is None else np.asarray(start)
    return reflect(start + np.outer(np.arange(num_frames), velocity), lo, hi)


def turning_path(
    rng, *, num_frames, lo, hi, start, velocity, change_prob, stop_prob, max_curvature, max_stop=6
):
    """Erratic motion reflected inside the box [lo, hi] (2,) each, from ``start`` (2,).

    Each frame, with probability ``change_prob``, the heading jumps by 90 to 180 degrees either
    way (up to a reversal), the speed becomes 0.5-1.5 times that of ``velocity``, the turn rate
    is drawn again and, with probability ``stop_prob``, the object first stands still for
    2..max_stop frames. In between, the heading turns at the rate (radians a frame, in
    [-max_curvature, max_curvature]): arcs and loops rather than lines.

    Returns:
        np.ndarray: (T, 2) centres.
    """
    speed0, heading = np.hypot(*velocity), np.arctan2(velocity[1], velocity[0])
    change = rng.random(num_frames) < change_prob
    stop = rng.random(num_frames) < stop_prob
    turn = rng.uniform(np.pi / 2, np.pi, num_frames) * rng.choice([-1.0, 1.0], num_frames)
    rate = rng.uniform(-max_curvature, max_curvature, num_frames)
    gain, pause = rng.uniform(0.5, 1.5, num_frames), rng.integers(2, max_stop + 1, num_frames)
    steps, speed, turn_rate, still = np.zeros((num_frames, 2)), speed0, rate[0], 0
    for t in range(1, num_frames):
        if change[t]:
            heading, speed, turn_rate = heading + turn[t], speed0 * gain[t], rate[t]
            still = pause[t] if stop[t] else 0
        if still > 0:
            still -= 1
            continue
        heading += turn_rate
        steps[t] = speed * np.cos(heading), speed * np.sin(heading)
    return reflect(np.asarray(start, dtype=np.float64) + np.cumsum(steps, axis=0), lo, hi)


def wobble(rng, *, num_frames, amplitude, velocity):
    """A sinusoidal sway (T, 2) across ``velocity`` so that motion is not exactly linear."""
    speed = np.hypot(*velocity)
    normal = np.array([-velocity[1], velocity[0]]) / speed if speed > 0 else np.array([0.0, 1.0])
    t = np.arange(num_frames)
    phase = 2 * np.pi * t / rng.uniform(8, 24) + rng.uniform(0, 2 * np.pi)
    return np.outer(rng.uniform(0, amplitude) * np.sin(phase), normal)


def pose_track(rng, centres, *, max_angle, max_spin, deformation, max_growth):
    """Poses (T, 5) ``cx, cy, angle, sx, sy`` along ``centres`` (T, 2).

    The angle starts in [-max_angle, max_angle] and turns by up to ``max_spin`` radians a frame;
    the scale grows or shrinks by up to ``max_growth`` a frame (approach, recede); ``deformation``
    is the amplitude of a periodic squash-and-stretch that changes the outline, not the area.
    """
    t = np.arange(len(centres))
    angle = rng.uniform(-max_angle, max_angle) + rng.uniform(-max_spin, max_spin) * t
    scale = np.exp(rng.uniform(-max_growth, max_growth) * t)
    phase = 2 * np.pi * t / rng.uniform(6, 16) + rng.uniform(0, 2 * np.pi)
    stretch = deformation * rng.uniform(0.5, 1.0) * np.sin(phase)
    return np.column_stack([centres, angle, scale * (1 + stretch), scale / (1 + stretch)])


def camera_path(rng, *, num_frames, speed, margin):
    """A camera pan (T, 2) starting at (0, 0) with hand-held jitter, kept within +-margin."""
    direction = rng.uniform(0, 2 * np.pi)
    velocity = speed * rng.uniform(0.5, 1.0) * np.array([np.cos(direction), np.sin(direction)])
    jitter = rng.normal(0, 0.15 * speed, size=(num_frames, 2))
    jitter[0] = 0
    path = reflect(np.outer(np.arange(num_frames), velocity) + jitter, -margin, margin)
    return np.clip(path, -margin, margin)


def broadcast_camera(rng, *, num_frames, speed, margin, max_zoom):
    """A sports broadcast camera: pan (T, 2) from (0, 0) within +-margin, and zoom (T,).

    The pan speed swells and fades between 0.2 and 1 times ``speed`` (pixels a frame) while its
    direction drifts, and it bounces back at the margin; the zoom (about the frame centre) drifts
    smoothly between 1 and ``1 + max_zoom``.
    """
    t = np.arange(num_frames)
    period, phase = rng.uniform(20, 60, size=3), rng.uniform(0, 2 * np.pi, size=3)
    gain = 0.6 + 0.4 * np.sin(2 * np.pi * t / period[0] + phase[0])
    heading = rng.uniform(0, 2 * np.pi) + 0.8 * np.sin(2 * np.pi * t / period[1] + phase[1])
    steps = (speed * gain)[:, None] * np.column_stack([np.cos(heading), np.sin(heading)])
    steps[0] = 0
    pan = np.clip(reflect(np.cumsum(steps, axis=0), -margin, margin), -margin, margin)
    zoom = 1 + max_zoom * (0.5 - 0.5 * np.cos(2 * np.pi * t / period[2] + phase[2]))
    return pan, zoom


def burst_schedule(rng, *, num_frames, prob, max_burst=3):
    """Frames (T,) bool in bursts of 1..max_burst frames; about ``prob`` of frames are on."""
    starts = rng.random(num_frames) < prob * 2 / (1 + max_burst)
    lengths = rng.integers(1, max_burst + 1, size=num_frames)
    flags = np.zeros(num_frames, dtype=bool)
    for t in np.flatnonzero(starts):
        flags[t : t + lengths[t]] = True
    return flags


def occluder_bar(rng, poses, mask, t_hidden, *, slack=0, max_hidden=4):
    """A static bar across the path of an object, hiding it for ~1..max_hidden frames.

    Args:
        poses (np.ndarray): (T, 5) poses of the object to hide; its rotation is neglected.
        mask (np.ndarray): (h, w) its sprite mask.
        t_hidden (int): a frame where the object is behind the bar.
        slack (int): how many of its pixels may show on each side of the bar while "hidden".

    Returns:
        tuple: ``(vertical, position, thickness)``; a vertical bar spans all rows at column
        ``position``, a horizontal one all columns at row ``position``.
    """
    before, after = poses[max(t_hidden - 1, 0), :2], poses[min(t_hidden + 1, len(poses) - 1), :2]
    step = np.abs(after - before) / 2
    axis = 0 if step[0] >= step[1] else 1  # across the motion
    extent = _core_extent(mask, axis, slack) * poses[t_hidden, 3 + axis]
    thickness = extent + 2 + step[axis] * rng.uniform(1, max_hidden)
    return axis == 0, float(poses[t_hidden, axis]), float(thickness)


def _core_extent(mask, axis, slack):
    """Length along ``axis`` (0: x) of the band with at most ``slack`` pixels on either side."""
    cumulative = np.cumsum(np.count_nonzero(mask, axis=1 - axis))
    lo = np.searchsorted(cumulative, slack, side="right")
    hi = np.searchsorted(cumulative, cumulative[-1] - slack, side="left")
    return max(1, hi - lo + 1)
