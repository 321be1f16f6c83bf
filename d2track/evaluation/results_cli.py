"""What the tasks' parts of ``tools/evaluate_results.py`` share: one sub-command per result
format (:class:`ResultCommand`, listed in each task's ``cli.py``) and table formatting."""

from typing import Callable, NamedTuple

from tabulate import tabulate

__all__ = ["ResultCommand", "format_number", "key_value_table"]


class ResultCommand(NamedTuple):
    """One ``tools/evaluate_results.py`` sub-command.

    Attributes:
        name (str): the sub-command (``mot``, ``sot``, ...).
        help (str): its one-line help.
        add_arguments (callable): ``(argparse.ArgumentParser) -> None``; adds its options.
        run (callable): ``(argparse.Namespace) -> (dict, str)``: the JSON-ready numbers (with
            ``reference`` and optionally ``ignored_results``) and the table to print.
    """

    name: str
    help: str
    add_arguments: Callable
    run: Callable


def format_number(value):
    """Floats with 3 decimals; anything else unchanged."""
    return f"{value:.3f}" if isinstance(value, float) else value


def key_value_table(out, keys):
    """A two-column ``metric | value`` table of ``out[key]`` for ``keys``."""
    return tabulate([[k, format_number(out[k])] for k in keys], headers=("metric", "value"))
