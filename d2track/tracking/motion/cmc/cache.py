"""A per-video cache of camera motion warps, so that a parameter search computes them once.

Camera motion depends on the frames and the CMC parameters only, never on the tracker's
thresholds, yet it is the slowest part of BoT-SORT-like trackers on CPU. :class:`CachedCMC` wraps
a :class:`~.compensation.CameraMotionCompensation` and remembers every warp under

    (video, prev_frame_id, frame_id)  within a file per (video, CMC parameters)

Cache key and the engine: trackers get ``frame_id`` and ``image`` in ``update``'s frame context
(:meth:`d2track.modeling.meta_arch.TrackingByDetection.detect`), and are ``reset()`` per video,
but are not told which video. The video key must therefore come in the frame context too: the
convention is ``video = frame.get("video_name", frame.get("video_id"))`` (what public detections
are looked up by), passed by the tracker as ``estimate(..., video=..., frame_id=...)``. Without a
video (``video=None``) the warp is computed and not cached. Video ids and names are both used as
strings, so a cache folder must see one kind only.

On disk (``cache_dir`` given) each video is one ``<video>.<params hash>.npz`` holding the video
key, the parameters (JSON), ``prev_frame_ids`` (K,), ``frame_ids`` (K,) and ``warps`` (K, 2, 3),
read when the video is first asked for and written atomically (never half-written) when another
video is asked for, on :meth:`CachedCMC.flush`, and when the object is collected or Python
exits. A file that cannot be read, or that holds another video or other parameters, raises
:class:`CMCCacheError` naming it. With ``cache_dir=None`` the cache lives in memory with the
object (a parameter search that builds a new tracker per combination needs ``cache_dir``).
"""

import hashlib
import json
import logging
import os
import re
import weakref

import numpy as np
import torch

from d2track.utils.file_io import atomic_open

from .warp import warp_boxes

__all__ = ["CMCCacheError", "CachedCMC"]

logger = logging.getLogger(__name__)

_FORMAT = 1


class CMCCacheError(ValueError):
    """A camera motion cache file is unreadable or belongs to another video or parameters."""


class _Store:
    """The warps of every video seen, and which still have to be written (no reference to the
    :class:`CachedCMC`, so that a finalizer can flush it)."""

    def __init__(self, cache_dir, params_json, params_hash):
        self.cache_dir = cache_dir
        self.params_json = params_json
        self.params_hash = params_hash
        self.videos = {}  # video -> {(prev_frame_id, frame_id): (2, 3) warp}
        self.dirty = set()

    def path(self, video):
        safe = re.sub(r"[^\w.-]", "_", video)[:120]
        return os.path.join(self.cache_dir, f"{safe}.{self.params_hash}.npz")

    def table(self, video):
        if video not in self.videos:
            self.videos[video] = {}
            if self.cache_dir is not None and os.path.exists(self.path(video)):
                self.videos[video] = self._read(video, self.path(video))
        return self.videos[video]

    def _read(self, video, path):
        try:
            with np.load(path, allow_pickle=False) as data:
                fields = {k: data[k] for k in ("format", "video", "params", "frame_ids")}
                prev_ids, warps = data["prev_frame_ids"], data["warps"]
        except Exception as err:
            raise CMCCacheError(
                f"{path}: corrupt camera motion cache ({type(err).__name__}: {err}); delete the "
                "file to compute it again"
            ) from err
        ids = fields["frame_ids"]
        if (
            int(fields["format"]) != _FORMAT
            or ids.ndim != 1
            or prev_ids.shape != ids.shape
            or warps.shape != (len(ids), 2, 3)
        ):
            raise CMCCacheError(f"{path}: corrupt camera motion cache (bad fields or shapes)")
        if str(fields["video"]) != video or str(fields["params"]) != self.params_json:
            raise CMCCacheError(
                f"{path}: camera motion cache of video {str(fields['video'])!r} with parameters "
                f"{str(fields['params'])}, not of video {video!r} with {self.params_json}; delete "
                "it or use another cache_dir"
            )
        return {(int(p), int(f)): w for p, f, w in zip(prev_ids, ids, warps.astype(np.float64))}

    def flush(self):
        if self.cache_dir is None:
            self.dirty.clear()
            return
        for video in sorted(self.dirty):
            keys = sorted(self.videos[video])
            with atomic_open(self.path(video), "wb") as f:
                np.savez(
                    f,
                    format=np.int64(_FORMAT),
                    video=np.str_(video),
                    params=np.str_(self.params_json),
                    prev_frame_ids=np.array([k[0] for k in keys], dtype=np.int64).reshape(-1),
                    frame_ids=np.array([k[1] for k in keys], dtype=np.int64).reshape(-1),
                    warps=np.array([self.videos[video][k] for k in keys]).reshape(-1, 2, 3),
                )
        self.dirty.clear()


class CachedCMC:
    """A camera motion estimator that computes each (video, frame pair) once.

    Args:
        cmc (CameraMotionCompensation): the estimator; its ``config()`` keys the cache.
        cache_dir (str or None): folder of the per-video ``.npz`` files; None: in memory only.

    Attributes:
        hits (int): warps served from the cache.
        misses (int): warps computed.
    """

    def __init__(self, cmc, *, cache_dir=None):
        self.cmc = cmc
        self.cache_dir = cache_dir
        params_json = json.dumps(cmc.config(), sort_keys=True)
        params_hash = hashlib.sha1(params_json.encode()).hexdigest()[:12]
        self._store = _Store(cache_dir, params_json, params_hash)
        self._finalizer = weakref.finalize(self, self._store.flush)
        self._video = None
        self._warned = False
        self.hits = 0
        self.misses = 0

    def config(self):
        """The wrapped estimator's ``config()``."""
        return self.cmc.config()

    def path(self, video):
        """The cache file of ``video`` (None without ``cache_dir``)."""
        return None if self.cache_dir is None else self._store.path(str(video))

    def estimate(self, prev_frame, frame, *, video=None, frame_id=None, prev_frame_id=None):
        """The warp from ``prev_frame`` to ``frame``, computed once per key.

        Args:
            prev_frame, frame (ndarray or None): as ``CameraMotionCompensation.estimate``;
                may be None when the warp is cached (e.g. a replay without images).
            video (str, int or None): the video key (module docstring); None: not cached.
            frame_id (int or None): the current frame; None: not cached.
            prev_frame_id (int or None): the previous frame's id; default ``frame_id - 1``.

        Returns:
            ndarray: (2, 3) float64 warp (a copy).

        Raises:
            CMCCacheError: the video's cache file is corrupt or of other parameters.
            ValueError: the warp is not cached and a frame is None.
        """
        if video is None or frame_id is None:
            self._warn_uncached()
            return self.cmc.estimate(prev_frame, frame)
        video = str(video)
        if video != self._video:  # the previous video is done: write it out
            self.flush()
            self._video = video
        table = self._store.table(video)
        key = (int(frame_id) - 1 if prev_frame_id is None else int(prev_frame_id), int(frame_id))
        if key in table:
            self.hits += 1
            return table[key].copy()
        if prev_frame is None or frame is None:
            raise ValueError(
                f"CachedCMC: no cached warp for video {video!r} frames {key} and no frames to "
                "compute it"
            )
        self.misses += 1
        table[key] = np.asarray(self.cmc.estimate(prev_frame, frame), dtype=np.float64)
        self._store.dirty.add(video)
        return table[key].copy()

    def _warn_uncached(self):
        if not self._warned:
            self._warned = True
            logger.warning("CachedCMC: no video/frame_id given, camera motion is not cached")

    def flush(self):
        """Write the videos with new warps to ``cache_dir`` (nothing to do without one)."""
        self._store.flush()

    def warp_matrix(self, prev_image, image, **key):
        """:meth:`estimate` as a (2, 3) float32 Tensor."""
        return torch.from_numpy(self.estimate(prev_image, image, **key).astype(np.float32))

    warp_boxes = staticmethod(warp_boxes)
