"""Progress bars for the converters (their input helpers: :mod:`d2track.utils.input_files`)."""

from tqdm import tqdm

__all__ = ["progress"]


def progress(iterable, desc, total=None):
    """A tqdm progress bar over ``iterable`` (silent when not attached to a terminal)."""
    return tqdm(iterable, desc=desc, total=total, unit="item", disable=None)
