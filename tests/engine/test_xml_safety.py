"""Hostile XML, through `parse_untrusted` and through the deploy gate (`validate_bundle`).

Any DOCTYPE is refused: a byte prescan (which also decodes UTF-16/32) rejects it before lxml sees
the document, and a check of the parsed document's docinfo backs it up for encodings the prescan
does not decode. Nothing is fetched from disk or network, and entity bombs fail fast.
"""

import socket
import time
import tracemalloc
from pathlib import Path

import pytest
from lxml import etree

import forms
from webapp.engine import xml_safety
from webapp.engine.errors import BundleInvalid
from webapp.engine.specs import validate_bundle
from webapp.engine.xml_safety import UnsafeXml
from webapp.engine.xml_safety import parse_untrusted
from webapp.roles import accepted_role_names

GATE_REVIEW = Path(__file__).resolve().parents[2] / "workflows" / "stage_gate" / "gate_review.bpmn"
NO_DTD = "DOCTYPE and entity declarations are not allowed"
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'


def gate_review_text() -> str:
    text = GATE_REVIEW.read_text(encoding="utf-8")
    assert text.startswith(XML_DECLARATION)
    return text


def with_prolog(prolog: str, *, entity_use: str = "", encoding: str = "UTF-8") -> str:
    """gate_review.bpmn with `prolog` between the XML declaration and the root element and
    `entity_use` inside the process documentation."""
    body = gate_review_text()[len(XML_DECLARATION) :]
    if entity_use:
        body = body.replace("<bpmn:documentation>", f"<bpmn:documentation>{entity_use} ", 1)
    return f'<?xml version="1.0" encoding="{encoding}"?>\n{prolog}\n{body}'


def deploy(name: str, content: bytes):
    return validate_bundle(
        {name: content}, roles=accepted_role_names(), form_keys=frozenset(forms.FORM_REGISTRY)
    )


def rejected_at_deploy(name: str, content: bytes):
    with pytest.raises(BundleInvalid) as info:
        deploy(name, content)
    return info.value


def unsafe(content: bytes, name="hostile.bpmn"):
    with pytest.raises(UnsafeXml) as info:
        parse_untrusted(content, name)
    return info.value.problem


def assert_nothing_leaks(secret: str, *texts: str):
    for text in texts:
        assert secret not in text


# --- external entities ---------------------------------------------------------------------------


@pytest.fixture
def secret_file(tmp_path):
    secret = "tollgate-secret-7f3a9c1e"
    path = tmp_path / "secret.txt"
    path.write_text(secret)
    return path, secret


def test_external_entity_to_a_local_file_is_refused(secret_file):
    path, secret = secret_file
    xml = with_prolog(
        f'<!DOCTYPE bpmn:definitions [<!ENTITY leak SYSTEM "{path.as_uri()}">]>',
        entity_use="&leak;",
    ).encode()

    problem = unsafe(xml)
    assert (problem.file, problem.line) == ("hostile.bpmn", 2)
    assert NO_DTD in problem.message
    assert_nothing_leaks(secret, problem.message, str(problem))

    error = rejected_at_deploy("hostile.bpmn", xml)
    (problem,) = error.problems
    assert (problem.file, problem.line) == ("hostile.bpmn", 2) and NO_DTD in problem.message
    assert_nothing_leaks(secret, str(error), *(p.message for p in error.problems))


def test_external_entity_is_not_read_even_past_the_prescan(secret_file, monkeypatch):
    """With the prescan switched off, lxml must still not read the file, and the docinfo check
    must still refuse the document."""
    path, secret = secret_file
    monkeypatch.setattr(xml_safety, "_declaration_line", lambda content: None)
    xml = with_prolog(
        f'<!DOCTYPE bpmn:definitions [<!ENTITY leak SYSTEM "{path.as_uri()}">]>',
        entity_use="&leak;",
    ).encode()
    problem = unsafe(xml)
    assert NO_DTD in problem.message
    assert_nothing_leaks(secret, str(problem))
    error = rejected_at_deploy("hostile.bpmn", xml)
    assert_nothing_leaks(secret, str(error))


def test_xinclude_is_not_processed(secret_file):
    """XInclude is only expanded on request; lxml must leave the element alone."""
    path, secret = secret_file
    text = gate_review_text().replace(
        "<bpmn:documentation>",
        '<bpmn:extensionElements><xi:include xmlns:xi="http://www.w3.org/2001/XInclude" '
        f'href="{path.as_uri()}" parse="text" /></bpmn:extensionElements><bpmn:documentation>',
        1,
    )
    root = parse_untrusted(text.encode(), "gate_review.bpmn")
    assert secret not in etree.tostring(root, encoding="unicode")


# --- network: parameter entities and external DTDs ---------------------------------------------


@pytest.fixture
def listening_port():
    """A local port that accepts connections into its backlog, so a fetch would be seen."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.setblocking(False)
    yield server
    server.close()


def assert_no_connection(server):
    with pytest.raises(BlockingIOError):
        connection, _ = server.accept()
        connection.close()


NETWORK_PROLOGS = {
    "parameter-entity": '<!DOCTYPE bpmn:definitions [<!ENTITY % remote SYSTEM "{url}"> %remote;]>',
    "external-dtd": '<!DOCTYPE bpmn:definitions SYSTEM "{url}">',
    "public-dtd": '<!DOCTYPE bpmn:definitions PUBLIC "-//Evil//DTD//EN" "{url}">',
    "external-general-entity": '<!DOCTYPE bpmn:definitions [<!ENTITY remote SYSTEM "{url}">]>',
}


@pytest.mark.parametrize("prolog", NETWORK_PROLOGS.values(), ids=NETWORK_PROLOGS.keys())
def test_no_network_for_dtds_and_entities(prolog, listening_port):
    port = listening_port.getsockname()[1]
    for url in ("http://127.0.0.1:9/x.dtd", f"http://127.0.0.1:{port}/x.dtd"):
        use = "&remote;" if "ENTITY remote" in prolog else ""
        xml = with_prolog(prolog.format(url=url), entity_use=use).encode()
        started = time.perf_counter()
        problem = unsafe(xml)
        assert NO_DTD in problem.message and problem.line == 2
        error = rejected_at_deploy("remote.bpmn", xml)
        assert [p.message for p in error.problems] == [problem.message]
        assert time.perf_counter() - started < 2
    assert_no_connection(listening_port)


@pytest.mark.parametrize("prolog", NETWORK_PROLOGS.values(), ids=NETWORK_PROLOGS.keys())
def test_no_network_even_past_the_prescan(prolog, listening_port, monkeypatch):
    monkeypatch.setattr(xml_safety, "_declaration_line", lambda content: None)
    port = listening_port.getsockname()[1]
    use = "&remote;" if "ENTITY remote" in prolog else ""
    xml = with_prolog(prolog.format(url=f"http://127.0.0.1:{port}/x.dtd"), entity_use=use)
    with pytest.raises(UnsafeXml):
        parse_untrusted(xml.encode(), "remote.bpmn")
    assert_no_connection(listening_port)


# --- entity expansion bombs -----------------------------------------------------------------------


def billion_laughs(encoding: str = "UTF-8") -> bytes:
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
    ]
    xml = (
        f'<?xml version="1.0" encoding="{encoding}"?>\n<!DOCTYPE lolz [\n'
        + "\n".join(entities)
        + "\n]>\n<lolz>&lol9;</lolz>\n"
    )
    if encoding == "UTF-7":  # '<!' written as UTF-7 shifted sequences: no byte '<!' anywhere
        return xml.encode("ascii").replace(b"<!", b"+ADwAIQ-")
    return xml.encode(encoding.lower())


@pytest.mark.parametrize("encoding", ["UTF-8", "UTF-16", "UTF-32", "UTF-7"])
def test_billion_laughs_is_rejected_fast_and_small(encoding):
    bomb = billion_laughs(encoding)
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(UnsafeXml):
            parse_untrusted(bomb, "lolz.bpmn")
        error = rejected_at_deploy("lolz.bpmn", bomb)
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert elapsed < 2
    assert peak < 5 * 1024 * 1024  # fully expanded it would be 3 GB of "lol"
    (problem,) = error.problems
    assert problem.file == "lolz.bpmn"
    assert "lollol" not in problem.message


def test_billion_laughs_in_utf8_is_refused_as_a_dtd():
    problem = unsafe(billion_laughs("UTF-8"), "lolz.bpmn")
    assert (problem.line, problem.message) == (2, f"{NO_DTD} in BPMN/DMN")


# --- encodings -----------------------------------------------------------------------------------


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_doctype_hidden_in_a_wide_encoding_is_refused(codec):
    """A byte search for b'<!DOCTYPE' cannot see UTF-16/32 text; the prescan decodes it."""
    encoding = codec.upper().replace("-LE", "LE").replace("-BE", "BE")
    xml = with_prolog(
        '<!DOCTYPE bpmn:definitions [<!ENTITY name "Gate">]>',
        entity_use="&name;",
        encoding=encoding,
    ).encode(codec)
    assert b"<!DOCTYPE" not in xml
    problem = unsafe(xml)
    assert (problem.line, NO_DTD in problem.message) == (2, True)
    (problem,) = rejected_at_deploy("wide.bpmn", xml).problems
    assert (problem.file, problem.line) == ("wide.bpmn", 2) and NO_DTD in problem.message


@pytest.mark.parametrize("codec", ["utf-16", "utf-32"])
def test_docinfo_check_catches_what_the_prescan_misses(codec, monkeypatch):
    monkeypatch.setattr(xml_safety, "_declaration_line", lambda content: None)
    xml = with_prolog(
        '<!DOCTYPE bpmn:definitions [<!ENTITY name "Gate">]>',
        entity_use="&name;",
        encoding=codec.upper(),
    ).encode(codec)
    problem = unsafe(xml)
    assert NO_DTD in problem.message


def test_doctype_hidden_in_utf7_is_caught_after_parsing():
    """UTF-7 is one libxml2 decodes and the prescan does not: the docinfo check catches it."""
    xml = with_prolog("+ADwAIQ-DOCTYPE bpmn:definitions+AD4-", encoding="UTF-7").encode("ascii")
    assert b"<!" not in xml
    problem = unsafe(xml)
    assert NO_DTD in problem.message
    (problem,) = rejected_at_deploy("utf7.bpmn", xml).problems
    assert problem.file == "utf7.bpmn" and NO_DTD in problem.message


@pytest.mark.parametrize("codec", ["utf-16", "utf-32"])
def test_plain_bpmn_in_a_wide_encoding_deploys(codec):
    xml = with_prolog("", encoding=codec.upper()).encode(codec)
    bundle = deploy("gate_review.bpmn", xml)
    assert set(bundle.processes) == {"gate_review"}


# --- harmless prologs ----------------------------------------------------------------------------


def test_comment_and_processing_instruction_before_the_root_are_fine():
    prolog = (
        "<!-- exported from Camunda Modeler -->\n"
        '<?xml-stylesheet type="text/xsl" href="bpmn.xsl"?>\n'
        "<?camunda-modeler version=5.31?>"
    )
    xml = with_prolog(prolog).encode()
    root = parse_untrusted(xml, "gate_review.bpmn")
    assert etree.QName(root).localname == "definitions"
    assert deploy("gate_review.bpmn", xml).processes["gate_review"].file == "gate_review.bpmn"


def test_utf8_byte_order_mark_is_fine():
    xml = b"\xef\xbb\xbf" + gate_review_text().encode()
    assert set(deploy("gate_review.bpmn", xml).processes) == {"gate_review"}


@pytest.mark.parametrize(
    ("content", "line"),
    [(b"", 1), (b"   \n\n", 3), (b"<bpmn:definitions", 1), (b"\x00\x01garbage", 1)],
    ids=["empty", "blank", "unbound-prefix", "binary"],
)
def test_not_xml_at_all_is_a_problem_not_a_crash(content, line):
    problem = unsafe(content, "junk.bpmn")
    assert problem.file == "junk.bpmn" and problem.line == line
    assert "not well-formed" in problem.message
    (problem,) = rejected_at_deploy("junk.bpmn", content).problems
    assert "not well-formed" in problem.message
