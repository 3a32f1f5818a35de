"""``livesim dashboard``: the SolaraViz page of a running model on localhost.

Starts ``solara run sim.dashboard.app`` (the page of :mod:`sim.dashboard.app`)
on 127.0.0.1; the scenario file, checked first, is passed to the page through
``$LIVESIM_DASHBOARD_SCENARIO``. Ctrl-C stops the server.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

from sim.errors import InputError


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--scenario", metavar="FILE", help="scenario TOML the page starts from (default: the built-in default)")
    p.add_argument("--port", type=int, default=8765, help="port on localhost (default 8765; 0 = any free port)")
    p.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1, this machine only)")
    p.add_argument("--open", action="store_true", help="open a browser tab on the page")


def command(args: argparse.Namespace) -> list[str]:
    cmd = [sys.executable, "-m", "solara", "run", "sim.dashboard.app", "--host", args.host, "--port", str(args.port),
           "--production", "--log-level", "warning"]
    cmd.append("--open" if args.open else "--no-open")
    return cmd


def main(args: argparse.Namespace) -> int:
    if not 0 <= args.port <= 65535:
        raise InputError(f"--port: {args.port} (allowed: 0 to 65535)")
    env = dict(os.environ)
    if args.scenario:
        from sim.scenario import load_scenario

        load_scenario(args.scenario)  # a bad file ends here with its problems (exit 2)
        env["LIVESIM_DASHBOARD_SCENARIO"] = os.path.abspath(args.scenario)
    try:
        import solara  # noqa: F401
    except ImportError:
        print("livesim dashboard: needs solara (pip install 'mesa[viz]'); ./setup.sh installs it", file=sys.stderr)
        return 1
    print(f"livesim dashboard: serving on http://{args.host}:{args.port} (Ctrl-C stops it)", flush=True)
    try:
        return subprocess.call(command(args), env=env)
    except KeyboardInterrupt:
        return 0
