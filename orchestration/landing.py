"""What is in the landing folder, and what is new since the last look (for the file sensor).

A file is identified by its path relative to the landing folder. The sensor's cursor keeps,
for every file it has seen, `[size, mtime_ns, sha256]`. A file is *new* when its path is not
in the cursor, or its size or mtime changed **and** its content hash changed too: touching a
file or copying the same export again does not start a refresh; new content does.

Files still being written are not judged yet: a file counts only once it has not been
modified for `settle_seconds` (uploads and copies take time). Hidden files and the usual
partial-download names (`.part`, `.tmp`, `.crdownload`, `~$lock` files...) are ignored.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

_IGNORED_SUFFIXES = (".tmp", ".part", ".partial", ".crdownload", ".download", ".swp", ".lock")


@dataclass(frozen=True)
class LandingDiff:
    new_files: list[str]
    cursor: str
    settling: list[str] = field(default_factory=list)

    @property
    def run_key(self) -> str:
        """Identifies these file versions: the same versions never start two runs."""
        state = json.loads(self.cursor)["files"]
        digest = hashlib.sha256()
        for name in sorted(self.new_files):
            digest.update(json.dumps([name, *state[name]]).encode())
        return f"landing-{digest.hexdigest()[:32]}"


def _ignored(relative: Path) -> bool:
    return any(
        part.startswith((".", "~")) for part in relative.parts
    ) or relative.name.lower().endswith(_IGNORED_SUFFIXES)


def landing_files(landing: Path) -> Iterable[tuple[str, Path]]:
    if not landing.is_dir():
        return
    for path in sorted(landing.rglob("*")):
        relative = path.relative_to(landing)
        if path.is_file() and not _ignored(relative):
            yield relative.as_posix(), path


def landing_problem(landing: Path, source_folders: Iterable[str]) -> str | None:
    """Why `landing` cannot be refreshed from, or None when it holds export files.

    A refresh of a missing or empty landing folder would read nothing and could publish marts
    built from nothing, so it is refused. Exports live in one sub-folder per source; files
    elsewhere (a manifest, a folder named after no source) are not exports.
    """
    folders = sorted(source_folders)
    expected = ", ".join(f"{name}/" for name in folders)
    if not landing.exists():
        return f"landing folder {landing} does not exist"
    if not landing.is_dir():
        return f"landing folder {landing} is not a folder"
    for name in folders:
        if next(iter(landing_files(landing / name)), None) is not None:
            return None
    return f"landing folder {landing} holds no export files (none in {expected})"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def diff_landing(
    landing: Path,
    cursor: str | None,
    settle_seconds: float,
    baseline_mtime: float | None = None,
    now: float | None = None,
) -> LandingDiff:
    """Compare the landing folder with the cursor of the previous evaluation.

    `baseline_mtime` applies to the very first evaluation (no cursor): files last modified
    before it (e.g. the start of the last successful refresh) were already loaded and only
    seed the cursor.
    """
    now = time.time() if now is None else now
    seen: dict[str, list[object]] = json.loads(cursor)["files"] if cursor else {}
    first_look = cursor is None
    state: dict[str, list[object]] = {}
    new_files: list[str] = []
    settling: list[str] = []
    for name, path in landing_files(landing):
        stat = path.stat()
        previous = seen.get(name)
        if previous and previous[0] == stat.st_size and previous[1] == stat.st_mtime_ns:
            state[name] = previous
            continue
        if now - stat.st_mtime < settle_seconds:
            settling.append(name)
            if previous:
                state[name] = previous
            continue
        digest = sha256_of(path)
        state[name] = [stat.st_size, stat.st_mtime_ns, digest]
        if previous and previous[2] == digest:
            continue
        if first_look and baseline_mtime is not None and stat.st_mtime < baseline_mtime:
            continue
        new_files.append(name)
    return LandingDiff(
        new_files=new_files,
        cursor=json.dumps({"files": state}, sort_keys=True),
        settling=settling,
    )
