"""Atomic file output: a crash or Ctrl-C never leaves a half-written result behind.

Every file comes out with the usual permissions (``0o666`` minus the umask), not the ``0o600``
of :func:`tempfile.mkstemp`, and every JSON is strict: NaN and infinities, which strict parsers
reject, are written as ``null`` ("undefined").
"""

import contextlib
import json
import logging
import math
import os
import tempfile

import numpy as np

__all__ = [
    "atomic_open",
    "dump_json",
    "dumps_json",
    "make_temp_file",
    "new_file_mode",
    "remove_temp_files",
    "to_strict_json",
]

logger = logging.getLogger(__name__)


def _umask():
    """The process umask, read without changing it where Linux allows (thread-safe)."""
    with contextlib.suppress(OSError, ValueError):
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    mask = os.umask(0o022)  # elsewhere the only way to read it is to set it
    os.umask(mask)
    return mask


def new_file_mode(*, directory=False):
    """The mode :func:`open` (``0o666``) or :func:`os.makedirs` (``0o777``) gives, minus the umask.

    For files and folders made private by :mod:`tempfile` and then handed to the user.
    """
    return (0o777 if directory else 0o666) & ~_umask()


def make_temp_file(path, *, suffix=".tmp"):
    """Create an empty temporary file next to ``path`` with the permissions of a new file.

    Args:
        path (str): the final destination; its folder is created if missing.
        suffix (str): of the temporary name (e.g. ``".mp4"`` for writers that read it).

    Returns:
        (int, str): an open descriptor of the temporary file and its path, mode
        ``0o666 & ~umask`` (mkstemp's is ``0o600``).
    """
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=suffix, dir=folder)
    os.chmod(tmp, new_file_mode())
    return fd, tmp


@contextlib.contextmanager
def atomic_open(path, mode="w", **kwargs):
    """Open a temporary file next to ``path`` and move it onto ``path`` only on success.

    The file gets mode ``0o666 & ~umask``, like a file created by :func:`open`.

    Args:
        path (str): final destination; its folder is created if missing.
        mode (str): ``"w"`` or ``"wb"``.
        kwargs: passed to :func:`open` (e.g. ``encoding``).

    Yields:
        the open temporary file object.
    """
    if "w" not in mode:
        raise ValueError(f"atomic_open writes only; got mode={mode!r}")
    fd, tmp = make_temp_file(path)
    try:
        with os.fdopen(fd, mode, **kwargs) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        _fsync_folder(os.path.dirname(os.path.abspath(path)))  # the rename survives a power loss
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(tmp)
        raise


def _fsync_folder(folder):
    with contextlib.suppress(OSError):  # not every file system can open or sync a folder
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def remove_temp_files(folder):
    """Remove what interrupted :func:`atomic_open` writes left in ``folder`` (``.<name>.*.tmp``).

    Call it only when nothing writes into ``folder`` (e.g. before a training run resumes in its
    output folder).

    Returns:
        list[str]: the removed files.
    """
    removed = []
    for entry in sorted(os.listdir(folder)) if os.path.isdir(folder) else ():
        if entry.startswith(".") and entry.endswith(".tmp"):
            with contextlib.suppress(FileNotFoundError):
                os.remove(os.path.join(folder, entry))
                removed.append(os.path.join(folder, entry))
    return removed


def to_strict_json(obj, *, undefined=None, where=""):
    """A copy of ``obj`` that strict JSON can hold: non-finite floats become ``None``.

    NumPy scalars and arrays become Python numbers and lists; dicts, lists and tuples are walked.

    Args:
        obj: the object to convert.
        undefined (list or None): if given, the ``/``-joined key path of every non-finite value
            is appended to it.
        where (str): the key path of ``obj`` (for ``undefined``).
    """
    if isinstance(obj, np.ndarray):
        obj = obj.tolist()
    if isinstance(obj, dict):
        return {
            k: to_strict_json(v, undefined=undefined, where=f"{where}/{k}".lstrip("/"))
            for k, v in obj.items()
        }
    if isinstance(obj, (list, tuple)):
        return [
            to_strict_json(v, undefined=undefined, where=f"{where}/{i}".lstrip("/"))
            for i, v in enumerate(obj)
        ]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        if undefined is not None:
            undefined.append(where)
        return None
    return obj


def dumps_json(obj, **kwargs):
    """``json.dumps`` of :func:`to_strict_json` (``obj``) with ``allow_nan=False``."""
    return json.dumps(to_strict_json(obj), allow_nan=False, **kwargs)


def dump_json(obj, path, **kwargs):
    """Write ``obj`` as strict JSON to ``path`` atomically (``indent=2`` unless given).

    Non-finite floats (NaN, inf: undefined metrics) are written as ``null`` and logged; NumPy
    values as Python ones. ``json.dump`` runs with ``allow_nan=False``, so no bare ``NaN`` can
    ever reach the file.

    Returns:
        list[str]: the key paths (``"task/metric"``) written as ``null`` for a non-finite value.
    """
    kwargs.setdefault("indent", 2)
    undefined = []
    strict = to_strict_json(obj, undefined=undefined)
    with atomic_open(path, "w", encoding="utf-8") as f:
        json.dump(strict, f, allow_nan=False, **kwargs)
        f.write("\n")
    if undefined:
        logger.info(f"{path}: null = undefined (NaN or inf) for {', '.join(undefined)}")
    return undefined
