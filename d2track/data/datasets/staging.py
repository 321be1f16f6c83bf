"""Hidden staging folders for caches built in place (synthetic videos, synthetic ReID crops).

A cache folder is written into a hidden staging folder next to it and renamed into place when
complete, so that a crash never leaves a cache that looks complete. A killed process leaves its
staging folder behind; the next build removes the stale ones.

"Stale" must not mean "another process is writing it": two processes may build the same cache at
once (two test sessions, the ranks of a training). Staging folders are therefore named
``.<cache name>.<host>.<pid>.<random>.tmp`` and a build removes only those that this scheme made
on the same host whose process is no longer alive (``os.kill(pid, 0)``). It leaves alone those of
other hosts (a shared file system: their processes cannot be checked from here) and hidden
``.tmp`` folders without a host and pid (made before this scheme, or by something else); delete
those by hand once no process writes them. A pid reused by a new process keeps its stale folder
until that process ends: the check errs on the side of keeping. (Containers that share a host name
but not a pid namespace would see each other's pids as dead; give them distinct host names, as
container runtimes do by default, or distinct dataset roots.)
"""

import errno
import logging
import os
import re
import shutil
import socket
import tempfile

__all__ = ["make_staging_dir", "remove_stale_staging_dirs"]

logger = logging.getLogger(__name__)

_STAGING = re.compile(
    r"^\.(?P<name>.+)\.(?P<host>[A-Za-z0-9-]+)\.(?P<pid>\d+)\.[A-Za-z0-9_]+\.tmp$"
)


def _host():
    return re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname()) or "host"


def make_staging_dir(root, name):
    """Create ``<root>/.<name>.<host>.<pid>.<random>.tmp`` (private, like mkdtemp) after removing
    the stale staging folders of ``root`` (see the module docstring); returns its path."""
    os.makedirs(root, exist_ok=True)
    remove_stale_staging_dirs(root)
    return tempfile.mkdtemp(prefix=f".{name}.{_host()}.{os.getpid()}.", suffix=".tmp", dir=root)


def remove_stale_staging_dirs(root):
    """Remove the staging folders in ``root`` left by dead processes of this host.

    Returns:
        list[str]: the paths removed.
    """
    removed = []
    for entry in sorted(os.listdir(root)) if os.path.isdir(root) else []:
        match = _STAGING.match(entry)
        path = os.path.join(root, entry)
        if match is None or match["host"] != _host() or not os.path.isdir(path):
            continue
        if _alive(int(match["pid"])):
            continue
        shutil.rmtree(path, ignore_errors=True)
        if not os.path.exists(path):
            logger.info(f"Removed {path}, left by process {match['pid']} that no longer runs")
            removed.append(path)
    return removed


def _alive(pid):
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except OSError as e:
        return e.errno != errno.ESRCH  # EPERM: it runs, as another user
    return True
