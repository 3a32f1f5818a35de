"""The ``livesim`` command line: a thin caller of the library.

Each subcommand lives in its own module exposing ``add_arguments(parser)``
and ``main(args) -> int``; such a module imports its heavy dependencies
(Mesa, Dask, ...) inside ``main`` so that ``livesim --help`` stays fast. Bad input (any :class:`InputError`)
ends with exit code 2 and one line per problem, never a traceback.
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
    # the default study, the notebooks as HTML, the interactive dashboard (issue 15)
    "study": ("sim.report.study_cli", "the default study: the default year, policy what-if, coalition game, stability, validation; report.html"),
    "notebooks": ("sim.report.notebooks", "execute the report notebooks and write each as HTML"),
    "dashboard": ("sim.dashboard.cli", "an interactive Mesa SolaraViz page of a running model on localhost"),
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


if __name__ == "__main__":
    sys.exit(main())
