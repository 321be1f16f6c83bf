"""Training checkpoints that a kill never corrupts, and a resume that skips a corrupt one.

Detectron2 writes ``model_*.pth`` and ``last_checkpoint`` in place: a kill while writing leaves a
truncated (often empty) file that ``--resume`` then picks and fails to load with a bare
``EOFError``. :class:`AtomicCheckpointer` writes both through :func:`~d2track.utils.file_io.
atomic_open` (a temporary file in the same folder, fsync, rename), and on resume falls back from
a tagged checkpoint that cannot be loaded to the newest one that can, with a warning.
"""

import logging
import os

from detectron2.checkpoint import DetectionCheckpointer

from d2track.utils.file_io import atomic_open, remove_temp_files

__all__ = ["AtomicCheckpointer", "CheckpointLoadError"]

logger = logging.getLogger(__name__)


class CheckpointLoadError(RuntimeError):
    """A checkpoint file exists but cannot be read; the message names the file."""


class _AtomicWrites:
    """A path manager whose ``open`` for writing a local file is :func:`atomic_open`."""

    def __init__(self, path_manager):
        self._path_manager = path_manager

    def open(self, path, mode="r", **kwargs):
        if "w" in mode and "://" not in str(path):
            return atomic_open(path, mode, **kwargs)
        return self._path_manager.open(path, mode, **kwargs)

    def __getattr__(self, name):
        return getattr(self._path_manager, name)


class AtomicCheckpointer(DetectionCheckpointer):
    """``DetectionCheckpointer`` with atomic writes and a resume that survives a corrupt file.

    Same arguments as ``DetectionCheckpointer``. Every file it writes (``<name>.pth`` and
    ``last_checkpoint``) appears complete or not at all. :meth:`get_checkpoint_file` (used by
    ``resume_or_load(..., resume=True)``) returns the tagged checkpoint if it loads, else the
    newest loadable ``*.pth`` of the folder, warning with both names. A file that cannot be
    loaded raises :class:`CheckpointLoadError` naming it. Resuming first removes the temporary
    files of writes that a kill interrupted.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.path_manager = _AtomicWrites(self.path_manager)
        self._preloaded = None  # (path, data) of the file get_checkpoint_file() just read

    def resume_or_load(self, path, *, resume=True):
        if resume and self.save_to_disk and self.save_dir:  # the writing process, as save()
            for tmp in remove_temp_files(self.save_dir):
                logger.info(f"removed {tmp}, left by an interrupted checkpoint write")
        return super().resume_or_load(path, resume=resume)

    def get_checkpoint_file(self):
        tagged = super().get_checkpoint_file()
        error = self._try_load(tagged)
        if error is None:
            return tagged
        for candidate in self._newest_first(exclude=tagged):
            if self._try_load(candidate) is None:
                logger.warning(
                    f"last checkpoint {tagged} cannot be loaded ({error}): "
                    f"resuming from {candidate} instead"
                )
                return candidate
        return tagged  # nothing loadable: load() raises the error naming the tagged file

    def _newest_first(self, *, exclude):
        files = [f for f in self.get_all_checkpoint_files() if f != exclude]
        return sorted(files, key=lambda f: (os.path.getmtime(f), f), reverse=True)

    def _try_load(self, path):
        """None if ``path`` loads (its data kept for :meth:`_load_file`), else the error."""
        if not os.path.isfile(path):
            return CheckpointLoadError(f"{path} is not a file")
        try:
            self._preloaded = (path, self._load_file(path))
        except CheckpointLoadError as e:
            return e
        return None

    def _load_file(self, filename):
        if self._preloaded is not None and self._preloaded[0] == filename:
            data, self._preloaded = self._preloaded[1], None
            return data
        try:
            return super()._load_file(filename)
        except Exception as e:
            raise CheckpointLoadError(
                f"cannot load checkpoint {filename}: {type(e).__name__}: {e}"
            ) from e
