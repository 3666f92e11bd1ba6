"""The shared strings of a workbook read in slices (`read/slices.py`), read here as
calamine reads them in the whole file, a block at a time; any form not read exactly so
(rich text with spacing, `_xHHHH_` escapes, a character XML does not allow…) is a
`Surprise`: the caller then reads the file whole."""

from __future__ import annotations

import re
import zipfile

_BLOCK = 1 * 2**20  # bytes of the shared strings read at a time

_PLAIN_SI = re.compile(rb'<si><t( xml:space="preserve")?>([^<]*)</t></si>|<si><t/></si>|<si/>')
_ANY_SI = re.compile(rb"<si>(.*?)</si>|<si/>", re.DOTALL)
_RUN_TEXT = re.compile(rb'<t( xml:space="preserve")?>([^<]*)</t>|<t/>')
_RICH_REST = re.compile(rb"<rPh\b.*?</rPh>|<phoneticPr\b[^>]*/>|<rPr>.*?</rPr>|</?r>", re.DOTALL)
_ENTITY = re.compile(r"&(?:#(\d+)|#x([0-9a-fA-F]+)|(amp|lt|gt|quot|apos));")
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}
_WHITESPACE = " \t\n\r"
# Plain shared strings whose text, unless preserved, neither begins with spacing or an
# entity nor ends with spacing or an entity (which might be spacing): read as they are.
_TRIMMED_SI = re.compile(
    rb"<si><t>((?![ \t\n\r&])[^<]*(?<![ \t\n\r;]))</t></si>"
    rb'|<si><t xml:space="preserve">([^<]*)</t></si>|<si><t/></si>|<si/>'
)


class Surprise(Exception):
    """Something this reader does not read exactly as calamine would: read whole."""


def shared_strings(archive: zipfile.ZipFile) -> list[str]:
    """The shared strings as calamine reads them, a block at a time; a Surprise for any
    form not read exactly here."""
    strings: list[str] = []
    pending = b""
    with archive.open("xl/sharedStrings.xml") as stream:
        while True:
            block = stream.read(_BLOCK)
            pending += block
            cut = pending.rfind(b"</si>") + len(b"</si>") if block else len(pending)
            cut = max(cut, pending.rfind(b"<si/>") + len(b"<si/>")) if block else cut
            if cut > 0:
                strings += _strings_in(pending[:cut])
                pending = pending[cut:]
            if not block:
                break
    return strings


def _strings_in(xml: bytes) -> list[str]:
    items = xml.count(b"<si>") + xml.count(b"<si/>")
    trimmed = _TRIMMED_SI.findall(xml)
    if len(trimmed) == items:  # the usual: plain texts, none unpreserved with spacing at an end
        texts = [(text or kept).decode("utf-8") for text, kept in trimmed]
        return _unescaped_all(xml, texts)
    plain = _PLAIN_SI.findall(xml)
    if len(plain) != items:
        return [_rich(m.group(1)) for m in _ANY_SI.finditer(xml)]
    texts = _unescaped_all(xml, [t.decode("utf-8") for _, t in plain])
    for (preserve, _), text in zip(plain, texts, strict=True):
        if not preserve and text and (text[0] in _WHITESPACE or text[-1] in _WHITESPACE):
            raise Surprise("a shared string with spacing at an end")
    return texts


def _unescaped_all(xml: bytes, texts: list[str]) -> list[str]:
    if b"&" in xml or b"_x" in xml or b"\r" in xml:
        return [_unescaped(t) for t in texts]
    return texts


def _rich(item: bytes | None) -> str:
    """A shared string of runs (`<r><rPr/><t>…</t></r>…`), its phonetic guide left out."""
    if not item:
        return ""
    rest = _RICH_REST.sub(b"", item)
    if _RUN_TEXT.sub(b"", rest).strip():
        raise Surprise("a shared string of another form")
    parts = []
    for preserve, raw in _RUN_TEXT.findall(rest):
        part = _unescaped(raw.decode("utf-8"))
        if not preserve and part and (part[0] in _WHITESPACE or part[-1] in _WHITESPACE):
            raise Surprise("a run with spacing at an end")
        parts.append(part)
    return "".join(parts)


def _unescaped(text: str) -> str:
    if "_x" in text or "\r" in text:
        raise Surprise("an _xHHHH_ escape or a carriage return in a shared string")
    text = _ENTITY.sub(_entity, text) if "&" in text else text
    if "\r" in text:
        raise Surprise("a carriage return in a shared string")
    return text


def _entity(found: re.Match[str]) -> str:
    decimal, hexadecimal, name = found.groups()
    if name:
        return _NAMED[name]
    code = int(decimal) if decimal else int(hexadecimal, 16)
    if not _xml_char(code):  # the whole reader refuses such a file: so must the slices
        raise Surprise("a character reference XML does not allow")
    return chr(code)


def _xml_char(code: int) -> bool:
    """Whether XML 1.0 allows the character (its production `Char`)."""
    return (
        code in (0x9, 0xA, 0xD)
        or 0x20 <= code <= 0xD7FF
        or 0xE000 <= code <= 0xFFFD
        or 0x10000 <= code <= 0x10FFFF
    )
