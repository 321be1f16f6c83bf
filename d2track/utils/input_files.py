"""Reading input files whose errors name the file and line.

The error and IO layer shared by dataset converters, result-file evaluation and tools: a missing
file or folder, a line that is not UTF-8 or a malformed value raises :class:`InputFileError`,
whose message starts with ``<path>`` or ``<path>:<line>``.
"""

import os

from d2track.utils.utf8 import utf8_error_message

__all__ = ["InputFileError", "read_lines", "read_text", "require_dir", "require_file"]


class InputFileError(ValueError):
    """A missing or malformed input file; the message names the path (and line)."""

    def __init__(self, path, message, line=None):
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: {message}")
        self.path, self.line = str(path), line


def require_file(path, what="file"):
    """Raise :class:`InputFileError` unless ``path`` is a file."""
    if not os.path.isfile(path):
        raise InputFileError(path, f"missing {what} (is the dataset laid out as documented?)")
    return path


def require_dir(path, what="folder"):
    """Raise :class:`InputFileError` unless ``path`` is a folder."""
    if not os.path.isdir(path):
        raise InputFileError(path, f"missing {what} (is the dataset laid out as documented?)")
    return path


def read_lines(path, *, skip_empty=True):
    """Yield ``(line_number, stripped_line)`` of a UTF-8 text file (1-based line numbers).

    Raises:
        InputFileError: the file is missing, or a line is not UTF-8 (names file and line).
    """
    require_file(path)
    with open(path, "rb") as f:  # decoded line by line, so that an error knows its line
        for number, raw in enumerate(f, start=1):
            line = _decode(raw, path, number).strip()
            if line or not skip_empty:
                yield number, line


def read_text(path, what="file"):
    """The whole content of a UTF-8 text file.

    Raises:
        InputFileError: the file is missing, or not UTF-8 (names file and line).
    """
    require_file(path, what)
    with open(path, "rb") as f:
        return _decode(f.read(), path, 1)


def _decode(data, path, first_line):
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line, message = utf8_error_message(data, e, first_line)
        raise InputFileError(path, message, line) from None
