"""What the readers below xcert raise and print for a damaged or strange file, turned
into one line naming the file: zipfile and its decompressors raise a dozen types
(BadZipFile, EOFError, zlib's, bz2's and lzma's errors, RuntimeError for an encrypted
member, NotImplementedError for a method it lacks); python-calamine's Rust code may
panic, which pyo3 raises as a BaseException after printing the panic to stderr."""

from __future__ import annotations

import faulthandler
import lzma
import os
import struct
import sys
import tempfile
import threading
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from xml.etree.ElementTree import ParseError

from xcert.errors import XcertError


def reader_failed(exc: BaseException) -> bool:
    """An error of a reader's, or a panic of its Rust code: the file cannot be read, the
    command itself is fine. (Interrupts and exits are neither.)"""
    return isinstance(exc, Exception) or type(exc).__name__ == "PanicException"


# What zipfile and the decompressors raise for a damaged archive; bz2's errors are
# OSErrors, an encrypted member's a RuntimeError. Anything else (a bug of xcert's own, a
# MemoryError) stays what it is: an internal error to report, not the file's fault.
_ARCHIVE_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    EOFError,
    OSError,
    ValueError,
    NotImplementedError,
    struct.error,
    zlib.error,
    lzma.LZMAError,
)


@contextmanager
def archive_read(path: Path) -> Iterator[None]:
    """Inside: reading the zip container's parts. What the archive's readers raise is
    the file's damage (an ods content part that is not XML among it)."""
    try:
        yield
    except ParseError as exc:
        raise XcertError(f"{path.name}：其中的 XML 不完好，文件可能已损坏（{exc}）") from None
    except _ARCHIVE_ERRORS as exc:  # NotImplementedError among them: before RuntimeError
        raise _damaged(path, exc) from None
    except RuntimeError as exc:
        if "encrypted" not in str(exc):
            raise
        raise XcertError(
            f"{path.name}：文件中的部件经过加密（设置了密码），无法读取；请取消密码后另存再导入"
        ) from None


def _damaged(path: Path, exc: BaseException) -> XcertError:
    detail = str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__
    return XcertError(f"{path.name}：文件已损坏或被截断，无法打开（{detail}）")


@contextmanager
def quiet_panics() -> Iterator[None]:
    """Inside: calling the Rust reader. A panic's message goes to the process's stderr
    before the exception is raised; the user gets xcert's one line instead. So stderr
    goes to a temporary file meanwhile: dropped if it tells of a panic, else written
    out. Should the reader abort the process (an allocation refused), Python's fault
    handler, pointed at the real stderr meanwhile, still says so (not a silent exit).
    One thread at a time (a slice read ahead, read/ahead.py): two interleaved would
    each put back the other's stderr, and the process would write into a spent file."""
    with _PANICS:
        yield from _quiet_panics()


_PANICS = threading.RLock()


def _quiet_panics() -> Iterator[None]:
    sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:  # no stderr at all (a daemon): nothing to keep quiet
        yield
        return
    try:
        sink = tempfile.TemporaryFile()  # noqa: SIM115 - closed below in every case
    except OSError:  # no temporary folder: the panic's text is shown, nothing lost
        os.close(saved)
        yield
        return
    ours = not faulthandler.is_enabled()  # one already enabled (pytest's) is left alone
    if ours:
        faulthandler.enable(file=saved, all_threads=False)
    os.dup2(sink.fileno(), 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        if ours:
            faulthandler.disable()
        os.close(saved)
        with sink:
            sink.seek(0)
            said = sink.read()
        if said and b" panicked at " not in said:  # a panic: xcert says the one line
            os.write(2, said)
