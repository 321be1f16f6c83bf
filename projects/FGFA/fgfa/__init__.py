"""FGFA-only modules, importable as ``d2track.projects.fgfa``."""

from .aggregator import EmbedAggregator, mmtrack_key_to_d2track

__all__ = ["EmbedAggregator", "mmtrack_key_to_d2track"]
