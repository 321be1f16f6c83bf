"""Input helpers for converters: errors that name file and line, progress bars."""

import os

from tqdm import tqdm

from d2track.data.datasets.utf8 import utf8_error_message

__all__ = ["ConverterInputError", "progress", "read_lines", "read_text", "require_file"]
__all__ += ["require_dir"]


class ConverterInputError(ValueError):
    """A missing or malformed input file; the message names the path (and line)."""

    def __init__(self, path, message, line=None):
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: {message}")
        self.path, self.line = str(path), line


def require_file(path, what="file"):
    """Raise :class:`ConverterInputError` unless ``path`` is a file."""
    if not os.path.isfile(path):
        raise ConverterInputError(path, f"missing {what} (is the dataset laid out as documented?)")
    return path


def require_dir(path, what="folder"):
    """Raise :class:`ConverterInputError` unless ``path`` is a folder."""
    if not os.path.isdir(path):
        raise ConverterInputError(path, f"missing {what} (is the dataset laid out as documented?)")
    return path


def read_lines(path, *, skip_empty=True):
    """Yield ``(line_number, stripped_line)`` of a UTF-8 text file (1-based line numbers).

    Raises:
        ConverterInputError: the file is missing, or a line is not UTF-8 (names file and line).
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
        ConverterInputError: the file is missing, or not UTF-8 (names file and line).
    """
    require_file(path, what)
    with open(path, "rb") as f:
        return _decode(f.read(), path, 1)


def _decode(data, path, first_line):
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line, message = utf8_error_message(data, e, first_line)
        raise ConverterInputError(path, message, line) from None


def progress(iterable, desc, total=None):
    """A tqdm progress bar over ``iterable`` (silent when not attached to a terminal)."""
    return tqdm(iterable, desc=desc, total=total, unit="item", disable=None)
