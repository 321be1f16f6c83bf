"""What scoring result files of every task shares.

JSON-ready numbers (:func:`plain_numbers`), the names of result files that no ground truth asks
for (:func:`unscored_names`; the caller warns, they are never scored), the ``.txt`` files of a
folder, and json reading (a file, or a member of a zip) whose errors name the file and line.
"""

import json
import os
import zipfile

import numpy as np

from d2track.utils.input_files import InputFileError, read_text, require_dir
from d2track.utils.utf8 import utf8_error_message

__all__ = ["list_txt_names", "load_json", "plain_numbers", "unscored_names"]


def plain_numbers(value):
    """Arrays and numpy scalars -> lists and Python numbers, recursively."""
    if isinstance(value, dict):
        return {str(k): plain_numbers(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain_numbers(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


def unscored_names(names, wanted):
    """Sorted ``names`` not in ``wanted``: result files no ground truth asks for."""
    return sorted(set(names) - set(wanted))


def list_txt_names(folder):
    """Sorted names (without ``.txt``) of the ``.txt`` files in ``folder``."""
    require_dir(folder)
    return sorted(n[:-4] for n in os.listdir(folder) if n.endswith(".txt"))


def _decode_member(data, source):
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line, message = utf8_error_message(data, e)
        raise InputFileError(source, message, line) from None


def load_json(path, member=None):
    """Parse a json file, or ``member`` of a zip; errors name ``path[!member]:line``."""
    source = path if member is None else f"{path}!{member}"
    try:
        if member is None:
            return json.loads(read_text(path, "json file")), source
        with zipfile.ZipFile(path) as archive:
            return json.loads(_decode_member(archive.read(member), source)), source
    except json.JSONDecodeError as e:
        raise InputFileError(source, f"invalid json: {e.msg}", e.lineno) from None
    except UnicodeDecodeError as e:
        raise InputFileError(source, f"not utf-8 text ({e.reason})") from None
