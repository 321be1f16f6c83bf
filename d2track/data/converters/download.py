"""Optional downloads for the converters: atomic file download and safe zip extraction.

Only the standard library (``urllib.request``, which also serves ``file://`` URLs) and tqdm are
used. A failed download raises :class:`RuntimeError` naming the URL and leaves no partial file.
"""

import os
import urllib.error
import urllib.request
import zipfile

from tqdm import tqdm

from d2track.utils.file_io import make_temp_file

__all__ = ["download", "extract_zip"]

_CHUNK = 1 << 20
_TIMEOUT = 60  # seconds without data before a network read fails


def _copy(url, out, size, desc):
    """Stream ``url`` into the open binary file ``out`` with a byte progress bar."""
    try:
        with urllib.request.urlopen(url, timeout=_TIMEOUT) as response:
            total = size or int(response.headers.get("Content-Length") or 0) or None
            bar = tqdm(total=total, desc=desc, unit="B", unit_scale=True, disable=None)
            with bar:
                while block := response.read(_CHUNK):
                    out.write(block)
                    bar.update(len(block))
    except (urllib.error.URLError, OSError, ValueError) as e:
        raise RuntimeError(f"cannot download {url}: {e}") from e


def download(url, path, size=None):
    """Download ``url`` to ``path`` (atomically: a temporary file renamed once complete).

    Args:
        url (str): ``http(s)://``, ``ftp://`` or ``file://`` URL.
        path (str): destination file; its folder is created.
        size (int or None): expected size in bytes, when known.

    Returns:
        str: ``path``. An existing ``path`` (of ``size`` bytes, when given) is not downloaded
        again.

    Raises:
        RuntimeError: the download failed or had the wrong size (the message names the URL).
    """
    if os.path.isfile(path) and (size is None or os.path.getsize(path) == size):
        return path
    fd, tmp = make_temp_file(path, suffix=".part")  # the user's permissions, not mkstemp's 0600
    try:
        with os.fdopen(fd, "wb") as out:
            _copy(url, out, size, os.path.basename(path))
        if size is not None and os.path.getsize(tmp) != size:
            got = os.path.getsize(tmp)
            raise RuntimeError(f"cannot download {url}: got {got} bytes, expected {size}")
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return path


def _safe_target(dest, name, archive):
    """The extraction path of member ``name``; raises if it would leave ``dest``."""
    root = os.path.realpath(dest)
    target = os.path.realpath(os.path.join(root, name))
    if os.path.isabs(name) or not (target == root or target.startswith(root + os.sep)):
        raise RuntimeError(f"{archive}: unsafe member path {name!r} (outside {dest})")
    return target


def extract_zip(path, dest):
    """Extract the zip ``path`` into ``dest``, refusing members that would land outside it.

    macOS metadata (``__MACOSX/``) is skipped.

    Returns:
        list[str]: the extracted member names.

    Raises:
        RuntimeError: an unreadable zip or a member path outside ``dest`` (nothing is extracted).
    """
    os.makedirs(dest, exist_ok=True)
    try:
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.infolist() if not m.filename.startswith("__MACOSX/")]
            for member in members:
                _safe_target(dest, member.filename, path)
            for member in members:
                archive.extract(member, dest)
    except zipfile.BadZipFile as e:
        raise RuntimeError(f"{path}: not a valid zip ({e})") from e
    return [m.filename for m in members]
