"""Shared pieces of the ``datasets/prepare_<dataset>.py`` converters to CocoVID."""

from .cocovid_writer import CocoVidWriter
from .common import ConverterInputError, progress, read_lines

__all__ = ["CocoVidWriter", "ConverterInputError", "progress", "read_lines"]
