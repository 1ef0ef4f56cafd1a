"""Parse untrusted BPMN/DMN XML: no DTDs, no entities, no network, no huge trees."""

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
    declaration = _DECLARATION.search(content)
    if declaration:
        line = content.count(b"\n", 0, declaration.start()) + 1
        raise UnsafeXml(Problem(filename, None, line, _NO_DTD))
    parser = etree.XMLParser(**_PARSER_OPTIONS)
    try:
        root = etree.fromstring(content, parser)
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if exc.lineno else None
        raise UnsafeXml(Problem(filename, None, line, f"XML is not well-formed: {exc.msg}")) from exc
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise UnsafeXml(Problem(filename, None, 1, _NO_DTD))
    return root
