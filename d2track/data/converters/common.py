"""Input helpers for converters: errors that name file and line, progress bars."""

import os

from tqdm import tqdm

__all__ = ["ConverterInputError", "progress", "read_lines", "require_file", "require_dir"]


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
    """Yield ``(line_number, stripped_line)`` of a text file (1-based line numbers)."""
    require_file(path)
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            line = line.strip()
            if line or not skip_empty:
                yield number, line


def progress(iterable, desc, total=None):
    """A tqdm progress bar over ``iterable`` (silent when not attached to a terminal)."""
    return tqdm(iterable, desc=desc, total=total, unit="item", disable=None)
