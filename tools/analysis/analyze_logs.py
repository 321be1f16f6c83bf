#!/usr/bin/env python
"""Plot curves and compute training speed from Detectron2 ``metrics.json`` logs, as MMTracking 0.x
(MMDetection) ``tools/analysis/analyze_logs.py`` does for its ``.log.json`` files.

Examples::

    # two runs' losses on one figure, one line per run and key, written atomically
    tools/analysis/analyze_logs.py plot_curve output/run_a/metrics.json \\
        output/run_b/metrics.json --keys total_loss loss_cls --out losses.png
    # an evaluation metric (on the evaluation lines only), own legend and title, as a PDF
    tools/analysis/analyze_logs.py plot_curve output/run_a/metrics.json --keys bbox/AP50 \\
        --legend SELSA --title "synthetic VID" --out ap50.pdf
    # mean, slowest and fastest iteration time of each run
    tools/analysis/analyze_logs.py cal_train_time output/run_a/metrics.json

``metrics.json`` holds one JSON object per line (Detectron2's ``JSONWriter``): every
``train.log_period`` iterations the losses, ``lr``, ``time`` and ``data_time``, and after each
evaluation its flattened results (``bbox/AP50``, ``sot/success``, ``mot/HOTA``, ...). The x axis
is ``iteration``; a key is plotted at the lines that have it. The legend is ``<run>_<key>``,
``<run>`` being the log's folder. Without ``--out`` the figure is shown, which needs a display.

``cal_train_time`` reads ``time``: Detectron2's median of the iteration times since the previous
line (a window of 20), so "iteration" below means such a line. As MMTracking, the first one is
left out as an outlier (start-up: data workers, memory allocation) unless ``--include-outliers``.

A last line that is not JSON (a run killed while writing it) is skipped with a warning naming the
file and line; any other bad line is an error. Detectron2 appends to the ``metrics.json`` of an
output folder that is trained into again (not ``--resume``d): where the iterations start over, only
the last run is read, with a warning.
"""

import d2track  # noqa: F401  (first: installs the Detectron2 compat layer)

# isort: split
import argparse
import json
import os
import sys

import numpy as np

from d2track.utils.file_io import atomic_open
from d2track.utils.input_files import InputFileError, read_lines


def load_records(path):
    """The records of a ``metrics.json``, in file order.

    Returns:
        list[dict]: one per line, each with an ``iteration``; of the last run only where the
        iterations start over (a second run appended to the file).

    Raises:
        InputFileError: naming the file and line: missing file, a bad line before the last one,
            a record that is not an object or has no ``iteration``.
    """
    if not os.path.isfile(path):
        raise InputFileError(path, "no such log file")
    lines = list(read_lines(path))
    records = []
    for index, (number, line) in enumerate(lines):
        try:
            record = json.loads(line)
        except ValueError as e:
            if index == len(lines) - 1:
                print(f"warning: {path}:{number}: skipped, not JSON (truncated?)", file=sys.stderr)
                break
            raise InputFileError(path, f"not a JSON line: {e}", number) from None
        if not isinstance(record, dict) or "iteration" not in record:
            raise InputFileError(path, "not a Detectron2 metrics record (no 'iteration')", number)
        if records and record["iteration"] < records[-1]["iteration"]:
            print(
                f"warning: {path}:{number}: iteration {record['iteration']} after "
                f"{records[-1]['iteration']}: a new run in the same folder (Detectron2 appends); "
                "reading the last run only",
                file=sys.stderr,
            )
            records = []
        records.append(record)
    return records


def series(records, key, path):
    """(iterations, values) of ``key``, (K,) arrays over the K records that have it.

    Raises:
        ValueError: if no record has ``key``; the message lists the log's keys.
    """
    points = [(r["iteration"], r[key]) for r in records if key in r]
    if not points:
        keys = sorted({k for r in records for k in r} - {"iteration"})
        raise ValueError(f"{path}: no key {key!r}; its keys: {', '.join(keys) or '(none)'}")
    iterations, values = zip(*points)
    return np.asarray(iterations), np.asarray(values, dtype=float)


def run_names(paths):
    """Each log's run name: its folder's name, or its folder's path where two names clash."""
    folders = [os.path.dirname(os.path.abspath(p)) for p in paths]
    names = [os.path.basename(f) for f in folders]
    if len(set(names)) < len(names):
        names = [os.path.dirname(os.path.normpath(p)) or "." for p in paths]
    return names


def plot_curves(figure, logs, keys, legend, title):
    """Draw one line per (log, key) on ``figure``.

    Args:
        logs (dict[str, list[dict]]): path -> records.
        legend (list[str] or None): one label per (log, key), logs outer; default
            ``<run>_<key>``.
    """
    ax = figure.add_subplot()
    labels = iter(legend or [f"{n}_{k}" for n in run_names(list(logs)) for k in keys])
    for path, records in logs.items():
        for key in keys:
            x, y = series(records, key, path)
            sparse = len(x) < len(records) / 2  # evaluation keys: show the points
            ax.plot(x, y, label=next(labels), marker="o" if sparse else None)
    ax.set_xlabel("iteration")
    if title:
        ax.set_title(title)
    ax.legend()
    return figure


def save_figure(figure, out):
    """Write ``figure`` to ``out`` atomically, in the format its suffix names."""
    with atomic_open(out, "wb") as f:
        figure.savefig(f, format=_format(out, figure))


def _format(out, figure):
    ext = os.path.splitext(out)[1].lstrip(".").lower()
    formats = figure.canvas.get_supported_filetypes()
    if ext not in formats:
        raise ValueError(f"--out {out}: unknown figure format {ext!r}; use {', '.join(formats)}")
    return ext


def _display_figure():
    """A pyplot figure to show, or an error when nothing can show it."""
    no_display = sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    )
    import matplotlib.pyplot as plt

    if no_display or plt.get_backend().lower() in ("agg", "pdf", "ps", "svg", "cairo", "pgf"):
        raise ValueError("no display to show the figure on: give --out FILE.png (or .pdf, .svg)")
    return plt.figure()


def plot_curve(args):
    """The ``plot_curve`` subcommand; returns the figure."""
    logs = {path: load_records(path) for path in args.logs}
    if args.legend and len(args.legend) != len(logs) * len(args.keys):
        raise ValueError(
            f"--legend has {len(args.legend)} labels; {len(logs)} logs x {len(args.keys)} keys "
            f"need {len(logs) * len(args.keys)}"
        )
    if not args.out:
        return _show(plot_curves(_display_figure(), logs, args.keys, args.legend, args.title))
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure()
    FigureCanvasAgg(figure)  # Agg: no display needed, no pyplot state
    _format(args.out, figure)  # a bad suffix fails before anything is drawn
    save_figure(plot_curves(figure, logs, args.keys, args.legend, args.title), args.out)
    print(f"wrote {args.out}")
    return figure


def _show(figure):
    import matplotlib.pyplot as plt

    plt.show()
    return figure


def train_time(records, path, *, include_outliers=False):
    """Iteration time statistics (seconds) of one log's ``time`` records.

    Returns:
        dict: ``mean``, ``std`` (population), ``slowest`` and ``fastest`` as ``(iteration,
        time)``, and ``count``: the records used.
    """
    iterations, times = series(records, "time", path)
    if not include_outliers:
        iterations, times = iterations[1:], times[1:]
    if not len(times):
        raise ValueError(
            f"{path}: one 'time' record only, left out as an outlier: pass --include-outliers"
        )
    slow, fast = int(np.argmax(times)), int(np.argmin(times))
    return dict(
        mean=float(times.mean()),
        std=float(times.std()),
        slowest=(int(iterations[slow]), float(times[slow])),
        fastest=(int(iterations[fast]), float(times[fast])),
        count=len(times),
    )


def cal_train_time(args):
    """The ``cal_train_time`` subcommand: print each log's statistics; returns them."""
    results = {}
    for path in args.logs:
        stats = train_time(load_records(path), path, include_outliers=args.include_outliers)
        dropped = "" if args.include_outliers else ", the first left out as an outlier"
        print(f"-----Analyze train time of {path}-----")
        print(f"slowest iteration {stats['slowest'][0]}: {stats['slowest'][1]:.4f} s/iter")
        print(f"fastest iteration {stats['fastest'][0]}: {stats['fastest'][1]:.4f} s/iter")
        print(f"time std over iterations: {stats['std']:.4f} s")
        print(f"average iter time: {stats['mean']:.4f} s/iter ({stats['count']} records{dropped})")
        results[path] = stats
    return results


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    plot = sub.add_parser("plot_curve", help="plot keys of one or several metrics.json")
    plot.add_argument("logs", nargs="+", metavar="LOG", help="metrics.json files")
    plot.add_argument("--keys", nargs="+", required=True, help="e.g. total_loss bbox/AP50")
    plot.add_argument("--legend", nargs="+", help="one label per log and key (logs outer)")
    plot.add_argument("--title", default=None)
    plot.add_argument("--out", default=None, help="figure file (.png, .pdf, .svg, ...)")
    times = sub.add_parser("cal_train_time", help="iteration time of one or several runs")
    times.add_argument("logs", nargs="+", metavar="LOG", help="metrics.json files")
    times.add_argument(
        "--include-outliers", action="store_true", help="keep the first 'time' record"
    )
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    command = plot_curve if args.command == "plot_curve" else cal_train_time
    try:
        return command(args)
    except ValueError as e:  # InputFileError included: messages name the file (and line)
        raise SystemExit(f"analyze_logs.py: error: {e}") from None


if __name__ == "__main__":
    main()
