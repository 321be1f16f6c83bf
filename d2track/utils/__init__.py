"""Utilities: environment report, atomic file output, visualization helpers."""
