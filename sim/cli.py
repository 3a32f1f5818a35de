"""The ``livesim`` command line: a thin caller of the library.

Each subcommand lives in its own module exposing ``add_arguments(parser)``
and ``main(args) -> int``; such a module imports its heavy dependencies
(Mesa, Dask, ...) inside ``main`` so that ``livesim --help`` stays fast. Bad input (any :class:`InputError`)
ends with exit code 2 and one line per problem, never a traceback. Any
other error reaching :func:`main` is a defect: it is reported in one line
with exit code 1, and its traceback is saved to a file whose path the line
gives (:func:`save_traceback`).
"""

from __future__ import annotations

import argparse
import importlib
import sys

from sim.errors import InputError

# name -> (module, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "run": ("sim.commands.run", "run one scenario and write measures, provenance, plots and a report"),
    "scenario": ("sim.commands.scenario", "show, check or document scenarios"),
    "game": ("sim.games.cli", "values and stability verdicts of a cooperative game from a file"),
    "validate": ("sim.commands.validate", "check a scenario against the stylized facts (FACTS.md)"),
    "sweep": ("sim.sweep.cli", "run an experiment (grid or sampled design) locally or on Dask"),
    "analyze": ("sim.sweep.analyze_cli", "summarise a finished sweep: intervals, sensitivity indices, plots"),
    "coalition": ("sim.coalition.cli", "the coalition game of a scenario: worths with standard errors, splits, core"),
    "calibrate": ("sim.studies.calibrate_cli", "fit parameters to FACTS or your own moments: posterior or bootstrap region, identifiability, fit"),
    "discover": ("sim.studies.discover_cli", "scenario discovery over a sweep's runs: PRIM boxes and a CART tree for a condition"),
    # the default study, the notebooks as HTML, the interactive dashboard (issue 15)
    "study": ("sim.report.study_cli", "the default study: the default year, policy what-if, coalition game, stability, validation; report.html"),
    "notebooks": ("sim.report.notebooks", "execute the report notebooks and write each as HTML"),
    "dashboard": ("sim.dashboard.cli", "an interactive Mesa SolaraViz page of a running model on localhost"),
    # what each party co-creates (issue 12 item 6)
    "co-creation": ("sim.studies.co_creation_cli", "each party's co-creation off in turn against all on: GMV, trust, profits, worths, theta_emergent"),
    # what the platform's objective does to the long tail (issue 13 item 5)
    "platform-objective": ("sim.studies.platform_objective_cli", "a fixed policy against a GMV-driven and a profit-driven adaptive platform: GMV, profit, SME and long-tail shares, policy paths"),
}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # exit 2 with one clean line
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; only ``command``'s module is imported to declare its
    arguments, so one command's import error cannot break another's."""
    parser = _Parser(prog="livesim", description="Agent-based simulator of the live-commerce ecosystem.")
    from sim import __version__

    parser.add_argument("--version", action="version", version=f"livesim {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, (module, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(_module=module)
        if name == command:
            _load(module).add_arguments(p)
    return parser


def _load(module: str):
    return importlib.import_module(module)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command = next((a for a in argv if not a.startswith("-")), None)
    parser = build_parser(command if command in COMMANDS else None)
    args = parser.parse_args(argv)
    if not getattr(args, "_module", None):
        parser.print_help()
        return 2
    try:
        return int(_load(args._module).main(args) or 0)
    except InputError as exc:
        for line in str(exc).splitlines():
            print(f"livesim {args.command}: {line}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"livesim {args.command}: interrupted", file=sys.stderr)
        return 130
    except MemoryError:
        where = save_traceback(args.command)
        print(f"livesim {args.command}: out of memory (the run asked for more than the machine has; "
              f"give smaller populations or --max-memory); traceback saved in {where}", file=sys.stderr)
        return 1
    except Exception as exc:  # the last resort: a defect, reported without a traceback on screen
        where = save_traceback(args.command)
        first = str(exc).splitlines()[0] if str(exc) else ""
        print(f"livesim {args.command}: internal error ({type(exc).__name__}: {first[:300]}); "
              f"this is a bug in livesim, please report it with the traceback saved in {where}", file=sys.stderr)
        return 1


def save_traceback(command: str | None) -> str:
    """Write the current exception's traceback to a new file and return its
    path (``$LIVESIM_TRACEBACK_DIR``, default the system's temporary folder)."""
    import os
    import tempfile
    import time
    import traceback

    folder = os.environ.get("LIVESIM_TRACEBACK_DIR") or tempfile.gettempdir()
    text = f"livesim {command} {' '.join(sys.argv[1:])}\n\n{traceback.format_exc()}"
    try:
        fd, path = tempfile.mkstemp(prefix=f"livesim-{command}-{time.strftime('%Y%m%d-%H%M%S')}-",
                                    suffix=".txt", dir=folder)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        return path
    except OSError:
        return "(could not be saved)"


if __name__ == "__main__":
    sys.exit(main())
