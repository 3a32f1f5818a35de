"""Result folders and files: checked before any work, written whole or not at all.

Every command that writes results goes through this module, so that bad paths
are refused with exit code 2 before anything runs and an existing result is
never damaged:

- :func:`check_output_folder` refuses an output folder that is empty text, a
  file, under a file, not writable (probed by creating and removing a folder
  next to it), the current folder or one of its parents, or a non-empty
  folder; a non-empty folder holding this command's own earlier result is
  accepted only with ``overwrite=True``, and a non-empty folder holding
  anything else is always refused (livesim never deletes what it did not
  write).
- :func:`staged_output` is the context manager a command writes its result
  in: a temporary folder beside the target, renamed over it when the block
  ends without an error (the old result is replaced whole, never mixed with
  the new one) and removed when it fails (the old result is untouched).
- :func:`check_output_file` does the same checks for a single output file,
  and :func:`write_atomic` writes any file through a temporary name and a
  rename.

A result folder is recognised by the marker file ``.livesim.json``
(``{"kind": "run"}``, written by :func:`staged_output`) or, for folders
written before the marker existed, by the files each kind always holds
(:data:`KIND_FILES`).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Callable, Iterator

from sim.errors import InputError

MARKER = ".livesim.json"

# files that identify a result of each kind written before the marker existed
KIND_FILES: dict[str, tuple[str, ...]] = {
    "run": ("provenance.json", "summary.parquet"),
    "sweep": ("manifest.json",),
    "analysis": ("point_summary.csv",),
    "coalition": ("game.json",),
}


def result_kind(folder: str | Path) -> str | None:
    """The kind of livesim result ``folder`` holds (``"run"``, ``"sweep"``,
    ...), or None when it holds none (or is not a folder)."""
    folder = Path(folder)
    if not folder.is_dir():
        return None
    marker = folder / MARKER
    if marker.is_file():
        try:
            kind = json.loads(marker.read_text(encoding="utf-8")).get("kind")
            if isinstance(kind, str):
                return kind
        except (OSError, ValueError, AttributeError):
            pass
    for kind, files in KIND_FILES.items():
        if all((folder / f).is_file() for f in files):
            return kind
    return None


def _nearest_existing(path: Path) -> Path:
    p = path
    while not p.exists():
        if p.parent == p:
            break
        p = p.parent
    return p


def _probe_writable(folder: Path) -> str | None:
    """None if a folder can be created in ``folder``; else why not."""
    try:
        probe = tempfile.mkdtemp(prefix=".livesim-probe-", dir=folder)
    except OSError as exc:
        return exc.strerror or type(exc).__name__
    try:
        os.rmdir(probe)
    except OSError:
        pass
    return None


def _check_path_text(path: str | Path | None, flag: str) -> Path:
    if path is None or str(path).strip() == "":
        raise InputError(f"{flag}: empty path (give a folder or file name)")
    text = str(path)
    if "\x00" in text:
        raise InputError(f"{flag}: {text!r} contains a NUL character")
    return Path(text).expanduser()


def check_output_folder(path: str | Path | None, *, kind: str, overwrite: bool = False,
                        flag: str = "--out") -> Path:
    """Check that ``path`` can receive a result of ``kind``; return it as an
    absolute path, or raise :class:`InputError` with one line naming ``flag``
    and the path. Nothing is written (a probe folder is created and removed)."""
    p = _check_path_text(path, flag)
    try:
        absolute = Path(os.path.abspath(p))
        cwd = Path.cwd().resolve()
        resolved = absolute.resolve()
    except (OSError, RuntimeError, ValueError) as exc:
        raise InputError(f"{flag}: {p}: not a usable path ({exc})") from None
    if resolved == cwd or resolved in cwd.parents:
        raise InputError(f"{flag}: {p} is the current folder or one of its parents (give a new folder, "
                         "e.g. results/run)")
    if absolute.parent == absolute:
        raise InputError(f"{flag}: {p} is the root of the file system")
    if absolute.exists() and not absolute.is_dir():
        raise InputError(f"{flag}: {p} exists and is a file, not a folder")
    anchor = _nearest_existing(absolute.parent)
    if not anchor.is_dir():
        raise InputError(f"{flag}: {p} is under {anchor}, which is a file, not a folder")
    if absolute.is_dir():
        try:
            entries = [e for e in absolute.iterdir() if e.name != ".lock"]
        except OSError as exc:
            raise InputError(f"{flag}: {p}: cannot list the folder ({exc.strerror})") from None
        if entries:
            found = result_kind(absolute)
            if found != kind:
                what = f"a livesim {found} result" if found else "files that are not a livesim result"
                raise InputError(f"{flag}: {p} is not empty and holds {what}; livesim replaces only its own "
                                 f"{kind} results (with --overwrite): choose a new or empty folder")
            if not overwrite:
                raise InputError(f"{flag}: {p} already holds a {kind} result; give --overwrite to replace it "
                                 "whole, or choose another folder")
    why = _probe_writable(anchor)
    if why is not None:
        raise InputError(f"{flag}: {p}: cannot write in {anchor} ({why})")
    return absolute


def _write_marker(folder: Path, kind: str) -> None:
    write_atomic(folder / MARKER, json.dumps({"kind": kind, "format": 1}) + "\n")


def mark_result(folder: str | Path, kind: str) -> None:
    """Write the marker that makes ``folder`` recognisable as a ``kind``
    result (for results written in place, such as sweeps)."""
    _write_marker(Path(folder), kind)


@contextlib.contextmanager
def staged_output(path: str | Path | None, *, kind: str, overwrite: bool = False,
                  flag: str = "--out") -> Iterator[Path]:
    """Write a result folder whole: yields a temporary folder beside
    ``path``; when the block ends normally it is renamed to ``path``
    (replacing the old result, which ``overwrite`` must allow), and when the
    block raises it is removed and ``path`` is left as it was."""
    target = check_output_folder(path, kind=kind, overwrite=overwrite, flag=flag)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    except OSError as exc:
        raise InputError(f"{flag}: {path}: cannot create a folder there ({exc.strerror})") from None
    try:
        yield tmp
        _write_marker(tmp, kind)
        replace_folder(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def replace_folder(new: Path, target: Path) -> None:
    """Rename ``new`` to ``target``; an existing ``target`` is moved aside
    first and deleted once the new folder is in place (put back on failure)."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.{os.getpid()}.old")
        os.replace(target, old)
    try:
        os.replace(new, target)
    except BaseException:
        if old is not None:
            os.replace(old, target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def check_output_file(path: str | Path | None, *, flag: str, overwrite: bool = False,
                      is_own: Callable[[Path], bool] | None = None, what: str = "result") -> Path:
    """Check that a result file can be written at ``path``: not empty text,
    not a folder, not under a file, writable; an existing file is replaced
    only with ``overwrite`` and only if ``is_own(path)`` says it is an
    earlier result of the same command. Returns the absolute path."""
    p = _check_path_text(path, flag)
    absolute = Path(os.path.abspath(p))
    if absolute.is_dir():
        raise InputError(f"{flag}: {p} is a folder (give a file name, e.g. {p}/validation.csv)")
    anchor = _nearest_existing(absolute.parent)
    if not anchor.is_dir():
        raise InputError(f"{flag}: {p} is under {anchor}, which is a file, not a folder")
    if anchor != absolute.parent:
        raise InputError(f"{flag}: {p}: folder {absolute.parent} does not exist")
    if absolute.exists():
        if is_own is not None and not is_own(absolute):
            raise InputError(f"{flag}: {p} exists and is not a livesim {what}; choose another file name")
        if not overwrite:
            raise InputError(f"{flag}: {p} already exists; give --overwrite to replace it, or choose another name")
    why = _probe_writable(anchor)
    if why is not None:
        raise InputError(f"{flag}: {p}: cannot write in {anchor} ({why})")
    return absolute


def write_atomic(path: str | Path, data: bytes | str | Callable[[Path], object], *, durable: bool = False) -> None:
    """Write ``path`` through a temporary file beside it and a rename, so
    that it is either absent, the old file, or the whole new one. ``data``
    is bytes, text (UTF-8) or a function that writes to the path it is given
    (e.g. ``lambda p: frame.to_parquet(p)``)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        if callable(data):
            data(tmp)
        else:
            if isinstance(data, str):
                data = data.encode("utf-8")
            with open(tmp, "wb") as fh:
                fh.write(data)
                if durable:
                    fh.flush()
                    os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
