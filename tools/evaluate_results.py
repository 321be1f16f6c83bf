#!/usr/bin/env python
"""Score result files already on disk (MOT, SOT, VOT, VIS, VID) and print a table.

Examples::

    tools/evaluate_results.py mot --gt datasets/MOT17/train --results out/mot --benchmark MOT17
    tools/evaluate_results.py sot --gt lasot/gt --results out/lasot --visible lasot/visible \\
        --protocol lasot --plots out/plots
    tools/evaluate_results.py vot --gt datasets/vot2018/data --results out/vot --dataset vot2018
    tools/evaluate_results.py vis --gt ytvis/valid.json --results out/submission.zip
    tools/evaluate_results.py vid --gt vid/val_cocovid.json --results out/dets.json --json m.json

``--json OUT`` writes every number under the reference tool's metric names, with a
``"reference"`` field naming the tool and convention they match (see
``docs/evaluation.md``). Bad input (a missing or malformed file) prints one line
naming the file and line and exits with status 2; ``--debug`` shows the traceback instead.
"""

import d2track  # noqa: F401  (first: installs the Detectron2 compat layer)

# isort: split
import argparse
import sys

from d2track.evaluation.mot import cli as mot_cli
from d2track.evaluation.sot import cli as sot_cli
from d2track.evaluation.vid import cli as vid_cli
from d2track.evaluation.vis import cli as vis_cli
from d2track.utils.file_io import dump_json

#: Every sub-command, each from its task's ``d2track/evaluation/<task>/cli.py``.
COMMANDS = {
    c.name: c for c in mot_cli.COMMANDS + sot_cli.COMMANDS + vis_cli.COMMANDS + vid_cli.COMMANDS
}


def build_parser():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="task", required=True)
    for command in COMMANDS.values():
        task = sub.add_parser(command.name, help=command.help)
        command.add_arguments(task)
        task.add_argument("--json", metavar="OUT", help="also write all numbers to this json file")
        task.add_argument("--debug", action="store_true", help="show tracebacks on bad input")
    return parser


def main(argv=None):
    """Run the tool; returns the exit status (0, or 2 on bad input)."""
    args = build_parser().parse_args(argv)
    try:
        out, table = COMMANDS[args.task].run(args)
    except (ValueError, OSError) as e:  # InputFileError included: names file and line
        if args.debug:
            raise
        print(f"error: {e}".replace("\n", " "), file=sys.stderr)
        return 2
    for name in out.get("ignored_results", []):
        print(f"warning: result {name!r} has no ground truth; not scored", file=sys.stderr)
    print(table)
    print(f"reference: {out['reference']}")
    if args.json:
        dump_json(out, args.json)
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
