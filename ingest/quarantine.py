"""The quarantine folder: rejected scans wait here, each with a note saying why.

Nothing a clerk scanned is ever dropped. Each file gets two sidecars:
``<name>.why.json`` (for scripts and ``sohoa quarantine``) and ``<name>.why.txt``
(for a person opening the folder), with the reason in Vietnamese and English,
how to fix it, where the file came from, when, and the machine reason code.
The file is copied in before its source is removed, so a crash never loses it.

Backlog batches quarantine too, but never move an archive's original: they copy
it in (``copy_in``), and a re-run finds the same content already there (by
SHA-256) instead of adding a second entry.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import shutil
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from sohoa.clock import utc_now, vietnam_time
from sohoa.ingest.names import fit_name
from sohoa.ingest.quarantine_reasons import Why
from sohoa.storage.files import sha256_file
from sohoa.storage.permissions import make_dir, open_private, restrict

log = logging.getLogger(__name__)

JSON_SUFFIX = ".why.json"
TEXT_SUFFIX = ".why.txt"


class NotInQuarantine(LookupError):
    """No quarantined file has that name."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(name)


@dataclass(frozen=True)
class Origin:
    """Where a file came from and how its folder treats files (needed to retry it)."""

    folder: str
    original_name: str
    kind: str
    profile: str | None
    code_from: tuple[str, ...]
    qr_pages: int = 2
    #: For a backlog batch: the source file the pages were cut from (or the file copied).
    source: str = ""
    #: Pages of ``source`` this file holds ("4-6"); empty for the whole file.
    pages: str = ""
    #: The quarantined file is a copy: the original is still at ``source``.
    copied: bool = False


@dataclass(frozen=True)
class Entry:
    name: str
    path: Path
    why: Why
    origin: Origin
    quarantined_at: str
    attempts: int = 1
    last_attempt_at: str = ""
    #: Of the quarantined file; empty in notes written before it was recorded.
    sha256: str = ""


class Quarantine:
    def __init__(self, root: Path) -> None:
        self.root = root

    def put(self, source: Path, why: Why, origin: Origin) -> Entry:
        """Move ``source`` in under a unique name with its sidecars; returns the entry."""
        return self._put(source, why, origin, keep_source=False)

    def copy_in(self, source: Path, why: Why, origin: Origin) -> Entry:
        """Copy ``source`` in, leaving it where it is; if the same content is quarantined
        already (a batch run again), that entry is returned and nothing is added."""
        held = self.holding(source)
        return held if held is not None else self._put(source, why, origin, keep_source=True)

    def holding(self, source: Path) -> Entry | None:
        """The quarantined file with the same content as ``source``, if any."""
        size, digest = source.stat().st_size, ""
        for entry in self.entries():
            try:
                if entry.path.stat().st_size != size:
                    continue
                held = entry.sha256 or sha256_file(entry.path)
            except OSError:  # retried and released meanwhile
                continue
            digest = digest or sha256_file(source)
            if held == digest:
                return entry
        return None

    def _put(self, source: Path, why: Why, origin: Origin, *, keep_source: bool) -> Entry:
        make_dir(self.root)
        name = _unique_name(origin.original_name)
        now = _now()
        digest = sha256_file(source)
        entry = Entry(name, self.root / name, why.named(name), origin, now, 1, now, digest)
        if keep_source:
            _copy(source, entry.path)
        else:
            _move(source, entry.path)
        self._write_sidecars(entry)
        log.warning(
            "quarantined",
            extra={"file": origin.original_name, "quarantine": name, "reason": why.reason},
        )
        return entry

    def entries(self) -> list[Entry]:
        """Every quarantined file, oldest first; a file without a note is still listed."""
        if not self.root.is_dir():
            return []
        found = [self._read(p) for p in self.root.iterdir() if _is_quarantined_file(p)]
        return sorted(found, key=lambda e: (e.quarantined_at, e.name))

    def get(self, name: str) -> Entry:
        path = self.root / Path(name).name
        if not _is_quarantined_file(path):
            raise NotInQuarantine(name)
        return self._read(path)

    def failed_again(self, entry: Entry, why: Why) -> Entry:
        """A retry failed: record the new reason and count the attempt."""
        updated = replace(
            entry, why=why.named(entry.name), attempts=entry.attempts + 1, last_attempt_at=_now()
        )
        self._write_sidecars(updated)
        return updated

    def remove(self, entry: Entry) -> None:
        """The file was stored after all: take it and its notes out of quarantine."""
        entry.path.unlink(missing_ok=True)
        for suffix in (JSON_SUFFIX, TEXT_SUFFIX):
            _sidecar(entry.path, suffix).unlink(missing_ok=True)
        log.info("released from quarantine", extra={"quarantine": entry.name})

    def _read(self, path: Path) -> Entry:
        note = _sidecar(path, JSON_SUFFIX)
        try:
            data = json.loads(note.read_text(encoding="utf-8"))
            why = Why(**data["why"])
            origin = Origin(**{**data["origin"], "code_from": tuple(data["origin"]["code_from"])})
            return Entry(
                path.name,
                path,
                why,
                origin,
                data["quarantined_at"],
                data["attempts"],
                data["last_attempt_at"],
                data.get("sha256", ""),
            )
        except (OSError, ValueError, KeyError, TypeError):
            return _unexplained(path)

    def _write_sidecars(self, entry: Entry) -> None:
        data = {
            "file": entry.name,
            "quarantined_at": entry.quarantined_at,
            "attempts": entry.attempts,
            "last_attempt_at": entry.last_attempt_at,
            "sha256": entry.sha256,
            "why": asdict(entry.why),
            "origin": asdict(entry.origin),
        }
        _write_atomically(
            _sidecar(entry.path, JSON_SUFFIX), json.dumps(data, ensure_ascii=False, indent=2)
        )
        _write_atomically(_sidecar(entry.path, TEXT_SUFFIX), note_text(entry))


def note_text(entry: Entry) -> str:
    """The human note, Vietnamese first."""
    o, w = entry.origin, entry.why
    return (
        f"Tệp / file: {o.original_name}  ->  {entry.name}\n"
        f"Thư mục gốc / from: {o.folder}  (loại / kind: {o.kind}, "
        f"máy quét / profile: {o.profile or 'mặc định / default'})\n"
        f"{_batch_source(o)}"
        f"Thời gian / time: {entry.quarantined_at}  (lần thử / attempts: {entry.attempts})\n"
        f"Mã lý do / reason code: {w.reason}\n\n"
        f"Lý do: {w.message_vi}\n"
        f"Cách xử lý: {w.fix_vi}\n\n"
        f"Reason: {w.message_en}\n"
        f"What to do: {w.fix_en}\n"
    )


def _batch_source(origin: Origin) -> str:
    """Where a batch's file came from; the original of a copy is still there."""
    if not origin.source:
        return ""
    pages = f", trang / pages {origin.pages}" if origin.pages else ""
    line = f"Tệp nguồn / source: {origin.source}{pages}\n"
    if origin.copied:
        line += (
            "Đây là bản sao, bản gốc vẫn ở tệp nguồn / "
            "this is a copy, the original is still at the source\n"
        )
    return line


def _unique_name(original: str) -> str:
    """``<stem>.<token><suffix>``, cut to fit with its notes and temporary names
    (``.<name>.why.json.part``); the note keeps the original name."""
    base = Path(fit_name(original, 48))
    return f"{base.stem}.{secrets.token_hex(3)}{base.suffix}"


def _is_quarantined_file(path: Path) -> bool:
    name = path.name
    return (
        path.is_file()
        and not name.startswith(".")
        and not name.endswith((JSON_SUFFIX, TEXT_SUFFIX))
    )


def _sidecar(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)


def _move(source: Path, target: Path) -> None:
    """Rename when on one filesystem; otherwise copy (flushed) and only then remove."""
    try:
        os.rename(source, target)
    except OSError:
        _copy(source, target)
        source.unlink()
    else:
        restrict(target)  # it keeps the hot folder's mode otherwise


def _copy(source: Path, target: Path) -> None:
    """Copy (flushed) under a hidden name first, so a half copy is never listed."""
    partial = target.with_name(f".{target.name}.part")
    with source.open("rb") as src, open_private(partial) as out:
        shutil.copyfileobj(src, out)
        out.flush()
        os.fsync(out.fileno())
    os.rename(partial, target)


def _write_atomically(path: Path, text: str) -> None:
    partial = path.with_name(f".{path.name}.part")
    with open_private(partial) as out:
        out.write(text.encode("utf-8"))
    os.replace(partial, path)


def _now() -> str:
    return vietnam_time(utc_now()).isoformat(timespec="seconds")


def _unexplained(path: Path) -> Entry:
    why = Why(
        "unknown",
        "không có ghi chú lý do (ghi chú bị mất hoặc hỏng)",
        "no note explaining why (the note is missing or damaged)",
        "Chạy: sohoa quarantine retry {name} --case <mã hồ sơ>",
        "Run: sohoa quarantine retry {name} --case <dossier code>",
    ).named(path.name)
    when = vietnam_time(datetime.fromtimestamp(path.stat().st_mtime, UTC))
    origin = Origin(str(path.parent), path.name, "intake", None, ("qr", "filename"))
    return Entry(path.name, path, why, origin, when.isoformat(timespec="seconds"), 0, "")
