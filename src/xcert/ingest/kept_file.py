"""The roster sheet an import keeps for a corrected copy (ingest/memo.py), and a new
file compared with it.

Of the file, only the roster sheet is kept, as the archive holds it (deflated): no other
sheet, no document properties (who saved it); of every other part a reader reads, its
SHA-256. A corrected copy must have the same parts with the same digests (a CRC is no
proof), its document properties aside; then only its sheet is compared, inflated.
"""

from __future__ import annotations

import hashlib
import io
import re
import sqlite3
import threading
import zipfile
from dataclasses import dataclass

from xcert.read.slices import Surprise, inflated_whole, raw_stream, sheet_parts

# Who saved the file and when: a program saving it again changes them, no reader reads them.
SKIPPED = frozenset({"docProps/core.xml", "docProps/app.xml"})
MAX_OTHER_BYTES = 64 * 2**20  # the other parts, inflated, of a file whose sheet is kept
_BLOCK = 2**20


@dataclass
class Kept:
    """The kept sheet's part and how it is stored; the digests of the other parts; each
    sheet's part by its name (from the workbook, whose digest is among them)."""

    part: str
    method: int  # zipfile.ZIP_DEFLATED or ZIP_STORED
    size: int
    crc: int
    digests: dict[str, str]
    sheets: dict[str, str]


@dataclass
class Versions:
    """The kept sheet and the new file's, inflated (not when `same`: the same bytes);
    the new one's stream, to keep in its turn."""

    old: bytearray
    new: bytearray
    stream: memoryview
    same: bool = False


def kept_of(data: bytes) -> tuple[Kept, memoryview]:
    """The largest worksheet of an xlsx file (a roster's file has one, or one large one)
    and its stream; raises what a damaged archive raises (the caller keeps nothing)."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    members = archive.infolist()
    sheets = [m for m in members if m.filename.startswith("xl/worksheets/")]
    info = max(sheets, key=lambda m: m.file_size)
    kept = Kept(
        info.filename,
        info.compress_type,
        info.file_size,
        info.CRC,
        _digests(archive, info.filename),
        sheet_parts(archive),
    )
    return kept, raw_stream(data, info)


def _digests(archive: zipfile.ZipFile, part: str) -> dict[str, str]:
    """Every other part's SHA-256, read a block at a time: never more than their declared
    sizes, and those bounded before any is read (this runs before the reader's checks)."""
    names = archive.namelist()
    if len(set(names)) != len(names):
        raise Surprise("a name twice in the archive")  # which one a reader takes: its affair
    skipped = _skippable(archive)
    others = [m for m in archive.infolist() if m.filename != part and m.filename not in skipped]
    if sum(m.file_size for m in others) > MAX_OTHER_BYTES:
        raise Surprise("the other parts too large to keep a digest of")
    digests = {}
    for member in others:
        digest = hashlib.sha256()
        with archive.open(member) as stream:
            while block := stream.read(_BLOCK):
                digest.update(block)
        digests[member.filename] = digest.hexdigest()
    return digests


def _skippable(archive: zipfile.ZipFile) -> frozenset[str]:
    """SKIPPED, where they are what their names say: the workbook is where readers look
    for it and refers to nothing under docProps/, however cased (the reader finds parts
    so: a sheet or styles kept there would go uncompared). Else nothing is skipped."""
    root = archive.read("_rels/.rels") if "_rels/.rels" in archive.namelist() else b""
    rels = archive.read("xl/_rels/workbook.xml.rels")
    workbook = re.search(rb'Target="/?xl/workbook\.xml"', root) is not None
    return SKIPPED if workbook and b"docprops" not in rels.lower() else frozenset()


class Keeping:
    """The roster sheet written into `import_memo_file` on a second thread while the
    reader parses the file (SQLite and hashlib let go of the interpreter: 5.5 MB cost the
    first import 90 ms in line); `memo.keep` then adds what the import found, or takes
    it away again. `kept` is None where the file is not one to keep. The import uses
    the connection again only after `join`: a statement of each thread in turn would
    mix up what the connection says of the last one (its last row id, its changes)."""

    def __init__(self, conn: sqlite3.Connection, data: bytes) -> None:
        self.kept: Kept | None = None
        self.failed: BaseException | None = None
        self.cancelled = False
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._write, args=(conn, data))
        self.thread.start()

    def _write(self, conn: sqlite3.Connection, data: bytes) -> None:
        try:
            kept, stream = kept_of(data)
        except Exception:  # a damaged file: the reader says what, nothing is kept
            return
        with self.lock:  # not once the import is given up: it would write on its own
            if self.cancelled:
                return
            try:  # the file alone: `memo._load` never takes it, the import's own bump leaves it
                store_stream(conn, stream)
            except BaseException as exc:  # raised in the import's thread (`join`)
                self.failed = exc
                return
        self.kept = kept

    def join(self) -> Kept | None:
        self.thread.join()
        if self.failed is not None:
            raise self.failed
        return self.kept

    def cancel(self) -> None:
        """The import is given up (an error, Ctrl-C) and is about to be rolled back: the
        sheet not written after that, outside the import's transaction; one being
        written finishes first, inside it, and goes with the rest."""
        self.cancelled = True
        with self.lock:
            pass


def store_stream(conn: sqlite3.Connection, stream: bytes | memoryview) -> None:
    conn.execute("INSERT OR REPLACE INTO import_memo_file (id, file) VALUES (1, ?)", (stream,))


def compared(
    kept: Kept, stream: bytes, data: bytes, archive: zipfile.ZipFile
) -> tuple[Versions, Kept] | None:
    """The kept sheet and the new file's (`data`, opened as `archive`), where every other
    part is the same (by digest); with what would be kept of the new file. None where the
    files differ elsewhere. Raises what a damaged archive raises (the caller reads the
    file whole)."""
    if _digests(archive, kept.part) != kept.digests:
        return None
    info = archive.getinfo(kept.part)
    new_stream = raw_stream(data, info)
    new = Kept(kept.part, info.compress_type, info.file_size, info.CRC, kept.digests, kept.sheets)
    if (new.method, new.size, new.crc) == (kept.method, kept.size, kept.crc) and (
        new_stream == stream
    ):
        return Versions(bytearray(), bytearray(), new_stream, same=True), new
    return _inflated(kept, stream, new, new_stream), new


def _inflated(old: Kept, stream: bytes, new: Kept, new_stream: memoryview) -> Versions:
    """Both versions of the sheet, inflated side by side (zlib lets go of the interpreter)."""
    from concurrent.futures import ThreadPoolExecutor  # (and logging: not at every start)

    with ThreadPoolExecutor(1) as pool:
        before = pool.submit(inflated_whole, stream, old.method, old.size, old.crc)
        after = inflated_whole(new_stream, new.method, new.size, new.crc)
        return Versions(before.result(), after, new_stream)
