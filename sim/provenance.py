"""Provenance: what produced a result (versions, commit, machine, command, seed, timing).

One record for every command that writes results (``livesim run`` writes it
to ``provenance.json``; ``livesim sweep`` keeps one per session in its
``manifest.json``), built by :func:`provenance`.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

PACKAGES = ("mesa", "numpy", "pandas", "pyarrow", "scipy", "pydantic", "SALib", "dask", "distributed")


def _version(pkg: str) -> str | None:
    try:
        return version(pkg)
    except PackageNotFoundError:
        return None


def git_state() -> dict[str, Any] | None:
    """``{"commit": sha, "dirty": bool}`` of the source tree livesim runs
    from (dirty: uncommitted changes to tracked files); None outside git."""
    root = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10)
        if head.returncode != 0:
            return None
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                               capture_output=True, text=True, timeout=10)
        return {"commit": head.stdout.strip(), "dirty": bool(dirty.stdout.strip())}
    except (OSError, subprocess.SubprocessError):
        return None


def git_commit() -> str | None:
    """The commit, with '+dirty' if the tree has uncommitted changes; None outside git."""
    g = git_state()
    return None if g is None else g["commit"] + ("+dirty" if g["dirty"] else "")


def provenance(command: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    """The provenance record: livesim's version and commit, Python, the
    platform, host and CPUs, the versions of the packages results depend
    on, the time (UTC), the command line, then ``extra`` (seed, timing...)."""
    from sim import __version__

    git = git_state()
    rec: dict[str, Any] = {
        "livesim": __version__,
        "git_commit": None if git is None else git["commit"] + ("+dirty" if git["dirty"] else ""),
        "git": git,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "host": platform.node(),
        "cpus": os.cpu_count(),
        "packages": {pkg: _version(pkg) for pkg in PACKAGES},
        "created_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": list(command) if command is not None else ["livesim", *sys.argv[1:]],
    }
    rec.update(extra)
    return rec
