"""Atomic file output: a crash or Ctrl-C never leaves a half-written result behind."""

import contextlib
import json
import os
import tempfile

__all__ = ["atomic_open", "dump_json"]


@contextlib.contextmanager
def atomic_open(path, mode="w", **kwargs):
    """Open a temporary file next to ``path`` and move it onto ``path`` only on success.

    Args:
        path (str): final destination; its folder is created if missing.
        mode (str): ``"w"`` or ``"wb"``.
        kwargs: passed to :func:`open` (e.g. ``encoding``).

    Yields:
        the open temporary file object.
    """
    if "w" not in mode:
        raise ValueError(f"atomic_open writes only; got mode={mode!r}")
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=folder)
    os.chmod(tmp, 0o666 & ~_umask())  # mkstemp's file is private; results are not
    try:
        with os.fdopen(fd, mode, **kwargs) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(tmp)
        raise


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def dump_json(obj, path, **kwargs):
    """Write ``obj`` as JSON to ``path`` atomically (``indent=2`` unless given)."""
    kwargs.setdefault("indent", 2)
    with atomic_open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, **kwargs)
        f.write("\n")
