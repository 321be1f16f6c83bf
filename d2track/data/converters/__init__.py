"""Shared pieces of the ``datasets/prepare_<dataset>.py`` converters to CocoVID.

Their input helpers and error (:class:`~d2track.utils.input_files.InputFileError`) live in
:mod:`d2track.utils.input_files`, shared with evaluation and tools.
"""

from .cocovid_writer import CocoVidWriter
from .common import progress

__all__ = ["CocoVidWriter", "progress"]
