"""What the readers below xcert raise and print for a damaged or strange file, turned
into one line naming the file: zipfile and its decompressors raise a dozen types
(BadZipFile, EOFError, zlib's, bz2's and lzma's errors, RuntimeError for an encrypted
member, NotImplementedError for a method it lacks); python-calamine's Rust code may
panic, which pyo3 raises as a BaseException after printing the panic to stderr."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from xml.etree.ElementTree import ParseError

from xcert.errors import XcertError


def reader_failed(exc: BaseException) -> bool:
    """An error of a reader's, or a panic of its Rust code: the file cannot be read, the
    command itself is fine. (Interrupts and exits are neither.)"""
    return isinstance(exc, Exception) or type(exc).__name__ == "PanicException"


@contextmanager
def archive_read(path: Path) -> Iterator[None]:
    """Inside: reading the zip container's parts. Anything but xcert's own refusal is
    the file's damage (an ods content part that is not XML among it)."""
    try:
        yield
    except XcertError:
        raise
    except ParseError as exc:
        raise XcertError(f"{path.name}：其中的 XML 不完好，文件可能已损坏（{exc}）") from None
    except RuntimeError as exc:
        if "encrypted" not in str(exc):
            raise
        raise XcertError(
            f"{path.name}：文件中的部件经过加密（设置了密码），无法读取；请取消密码后另存再导入"
        ) from None
    except Exception as exc:
        detail = str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__
        raise XcertError(f"{path.name}：文件已损坏或被截断，无法打开（{detail}）") from None


@contextmanager
def quiet_panics() -> Iterator[None]:
    """Inside: calling the Rust reader. A panic's message goes to the process's stderr
    before the exception is raised; the user gets xcert's one line instead, so the
    process's stderr points at the null device meanwhile (when it has one)."""
    try:
        saved = os.dup(2)
    except OSError:  # no stderr at all (a daemon): nothing to keep quiet
        yield
        return
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(null)
