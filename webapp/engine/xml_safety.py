"""Parse untrusted BPMN/DMN XML: no DTDs, no entities, no network, no huge trees."""

import codecs
import re

from lxml import etree

from .errors import Problem

_PARSER_OPTIONS = dict(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,
    remove_comments=False,
)


_DECLARATION = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_NO_DTD = "DOCTYPE and entity declarations are not allowed in BPMN/DMN"
# Byte-order marks and BOM-less openings of '<?' that libxml2 detects (UTF-32 before UTF-16:
# the UTF-32-LE mark starts with the UTF-16-LE one).
_WIDE_ENCODINGS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
    (b"<\0\0\0", "utf-32-le"),
    (b"\0\0\0<", "utf-32-be"),
    (b"<\0?\0", "utf-16-le"),
    (b"\0<\0?", "utf-16-be"),
)


class UnsafeXml(ValueError):
    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem


def parse_untrusted(content: bytes, filename: str) -> etree._Element:
    """Return the root element, or raise UnsafeXml naming the file and line.

    Any DOCTYPE is refused outright: BPMN never needs one, and entity declarations are how
    billion-laughs and external-entity attacks arrive. lxml's own guards vary by version.
    """
    if isinstance(content, str):
        content = content.encode("utf-8")
    line = _declaration_line(content)
    if line:
        raise UnsafeXml(Problem(filename, None, line, _NO_DTD))
    parser = etree.XMLParser(**_PARSER_OPTIONS)
    try:
        root = etree.fromstring(content, parser)
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if exc.lineno else None
        raise UnsafeXml(
            Problem(filename, None, line, f"XML is not well-formed: {exc.msg}")
        ) from exc
    # Backstop for encodings the prescan does not decode (libxml2 knows more than we check).
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise UnsafeXml(Problem(filename, None, 1, _NO_DTD))
    return root


def _declaration_line(content: bytes) -> int | None:
    """Line of the first DOCTYPE/ENTITY declaration, also in UTF-16/32 documents, before any
    parser sees it: a UTF-16 billion-laughs otherwise reaches libxml2's entity handling."""
    for mark, encoding in _WIDE_ENCODINGS:
        if content.startswith(mark):
            content = content.decode(encoding, errors="replace").encode("utf-8")
            break
    found = _DECLARATION.search(content)
    return content.count(b"\n", 0, found.start()) + 1 if found else None
