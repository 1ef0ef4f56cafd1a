"""Process bundles: every BPMN/DMN file of one deployed version, parsed once and cached.

`validate_bundle` is the deploy gate (hardened XML, static lint, then SpiffWorkflow's own
parse of every executable process); `cached_bundle` serves running instances from memory so no
request re-parses BPMN.
"""

import hashlib
import re
import threading
from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass

from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnValidator
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.data_spec import TaskDataReference
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask

from .errors import BundleInvalid
from .errors import Problem
from .errors import UnknownProcess
from .lint import NS
from .lint import LintContext
from .lint import lint_bpmn
from .lint import lint_dmn
from .lint import process_ids
from .parser import TollgateParser
from .xml_safety import UnsafeXml
from .xml_safety import parse_untrusted

BPMN_ROOT = "{http://www.omg.org/spec/BPMN/20100524/MODEL}definitions"
DMN_NAMESPACES = (
    "https://www.omg.org/spec/DMN/20191111/MODEL/",
    "http://www.omg.org/spec/DMN/20180521/MODEL/",
    "http://www.omg.org/spec/DMN/20151101/dmn.xsd",
)


@dataclass(frozen=True)
class ProcessInfo:
    id: str
    name: str
    file: str
    is_lifecycle: bool
    stages: tuple[str, ...]


def content_hash(files: Mapping[str, bytes]) -> str:
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + _as_bytes(files[name]) + b"\0")
    return digest.hexdigest()


class Bundle:
    """A parsed, valid set of BPMN/DMN files. Specs are built lazily and kept."""

    def __init__(self, files: Mapping[str, bytes], parser: TollgateParser, trees: dict):
        self.files = dict(files)
        self.content_hash = content_hash(files)
        self._parser = parser
        self._specs: dict[str, tuple] = {}
        self._lock = threading.Lock()
        self.processes = _describe_processes(trees, parser.get_process_ids())

    @property
    def lifecycles(self) -> list[ProcessInfo]:
        return [p for p in self.processes.values() if p.is_lifecycle]

    def spec(self, process_id: str):
        """(spec, subprocess_specs) for an executable process of this bundle."""
        with self._lock:
            if process_id not in self._specs:
                if process_id not in self.processes:
                    raise UnknownProcess(f"process {process_id!r} is not in this version")
                spec = self._parser.get_spec(process_id)
                subprocess_specs = self._parser.get_subprocess_specs(process_id)
                for each in (spec, *subprocess_specs.values()):
                    _settle_multi_instance(each)
                self._specs[process_id] = (spec, subprocess_specs)
            return self._specs[process_id]


def _settle_multi_instance(spec) -> None:
    """Apply up front what multi-instance tasks do to their spec when they first run.

    They wire the child's completion to the parent and (Camunda collections) point input at the
    output collection, mutating the shared spec in memory only. The full serializer saves that
    mutated spec; we store state without the spec, so a freshly parsed spec must already be in
    that settled form or a reloaded gate never merges its scoring tasks back.
    """
    for task_spec in spec.task_specs.values():
        if not isinstance(task_spec, LoopTask):
            continue
        child = spec.task_specs[task_spec.task_spec]
        if not child.completed_event.is_connected(task_spec.merge_child):
            child.completed_event.connect(task_spec.merge_child)
        collection_only = (
            isinstance(task_spec, MultiInstanceTask)
            and task_spec.cardinality is None
            and task_spec.data_input is None
            and task_spec.data_output is not None
            and task_spec.output_item is not None
        )
        if collection_only:
            task_spec.data_input = TaskDataReference(task_spec.data_output.bpmn_id)
            task_spec.input_item = TaskDataReference(task_spec.output_item.bpmn_id)


def parse_bundle(files: Mapping[str, bytes]) -> Bundle:
    """Parse files already validated at deploy. Raises BundleInvalid if they no longer parse."""
    trees, problems = _parse_trees(files)
    if problems:
        raise BundleInvalid(problems)
    return _built(files, trees)


def _built(files, trees) -> Bundle:
    """SpiffWorkflow's own parse of every executable process, the last step of both paths."""
    parser, problems = _spiff_parse(trees)
    if problems:
        raise BundleInvalid(problems)
    return Bundle(files, parser, trees)


def validate_bundle(
    files: Mapping[str, bytes], *, roles: frozenset[str], form_keys: frozenset[str]
) -> Bundle:
    """The deploy gate: returns a Bundle or raises BundleInvalid listing every problem."""
    if not files:
        raise BundleInvalid([Problem("(bundle)", None, None, "no BPMN or DMN files given")])
    trees, problems = _parse_trees(files)
    bpmn = {name: root for name, (kind, root) in trees.items() if kind == "bpmn"}
    if not bpmn and not problems:
        problems.append(Problem("(bundle)", None, None, "no BPMN file: nothing to run"))
    for name, root in bpmn.items():
        problems.extend(_checked(_xsd_problems, root, name))
    problems.extend(_dmn_problems(trees))
    for name, (kind, root) in sorted(trees.items()):
        if kind == "dmn":
            problems.extend(_checked(lint_dmn, root, name))
    ctx = LintContext(
        roles=roles,
        form_keys=form_keys,
        process_ids=process_ids(bpmn.values()),
        decision_ids=_decision_ids(trees),
    )
    for name, root in bpmn.items():
        problems.extend(_checked(lint_bpmn, root, name, ctx))
    problems.extend(_duplicate_process_ids(bpmn))
    if problems:
        raise BundleInvalid(problems)
    return _built(files, trees)


_CACHE: dict[str, Bundle] = {}
# Called after a new bundle enters the cache (the app sets gc.freeze: see GC_FREEZE).
on_parsed = None
_CACHE_LOCK = threading.Lock()


def cached_bundle(key: str, load_files: Callable[[], Mapping[str, bytes]]) -> Bundle:
    """The bundle for a deployed version, parsed on first use. Versions are immutable."""
    bundle = _CACHE.get(key)
    if bundle is None:
        bundle = parse_bundle(load_files())
        with _CACHE_LOCK:
            bundle = _CACHE.setdefault(key, bundle)
        for each in bundle.processes:
            bundle.spec(each)  # build every spec now, so they are frozen with the bundle
        if on_parsed is not None:
            on_parsed()
    return bundle


def _parse_trees(files):
    trees, problems = {}, []
    for name, content in sorted(files.items()):
        try:
            root = parse_untrusted(_as_bytes(content), name)
        except UnsafeXml as exc:
            problems.append(exc.problem)
            continue
        if root.tag == BPMN_ROOT:
            trees[name] = ("bpmn", root)
        elif etree.QName(root).namespace in DMN_NAMESPACES:
            trees[name] = ("dmn", root)
        else:
            problems.append(
                Problem(
                    name, None, root.sourceline, f"not BPMN or DMN: root element is <{root.tag}>"
                )
            )
    return trees, problems


def _checked(check, root, name, *args) -> list[Problem]:
    """Run one static check; whatever it raises is a finding about the file, never a crash."""
    try:
        return list(check(root, name, *args))
    except Exception as exc:  # noqa: BLE001 - the deploy gate reports, it does not crash
        return [Problem(name, None, None, f"could not be checked: {type(exc).__name__}: {exc}")]


_BPMN_NS_PREFIX = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"


def _xsd_problems(root, name) -> list[Problem]:
    try:
        BpmnValidator().validate(root, name)
    except ValidationException as exc:
        line = exc.line_number or None
        element_id = exc.id or _id_at_line(root, line)
        message = str(exc).replace(_BPMN_NS_PREFIX, "bpmn:").rstrip(". ")
        return [Problem(name, element_id, line, f"not valid BPMN: {message}")]
    return []


def _id_at_line(root, line):
    """Id of the element starting on `line`, or of the nearest enclosing element that has one."""
    if not line:
        return None
    for node in root.iter():
        if node.sourceline == line and isinstance(node.tag, str):
            while node is not None and not node.get("id"):
                node = node.getparent()
            return node.get("id") if node is not None else None
    return None


def _dmn_problems(trees) -> list[Problem]:
    """SpiffWorkflow reads one decision per DMN file (registered under the first decision's id)
    and fails on more with an AttributeError; a repeated decision id silently replaces another."""
    problems, seen = [], {}
    for name, (kind, root) in sorted(trees.items()):
        if kind != "dmn":
            continue
        decisions = [d for d in root if etree.QName(d).localname == "decision"]
        if not decisions:
            problems.append(
                Problem(name, root.get("id"), root.sourceline, "DMN file has no decision")
            )
        for extra in decisions[1:]:
            problems.append(
                Problem(
                    name,
                    extra.get("id"),
                    extra.sourceline,
                    f"DMN file has {len(decisions)} decisions; only one decision per DMN file is "
                    f"supported: move decision {extra.get('id')!r} into a file of its own",
                )
            )
        for decision in decisions[:1]:
            did = decision.get("id")
            if did in seen:
                message = f"decision id {did!r} is also in {seen[did]}"
                problems.append(Problem(name, did, decision.sourceline, message))
            seen.setdefault(did, name)
    return problems


def _spiff_parse(trees) -> tuple[TollgateParser, list[Problem]]:
    """Let SpiffWorkflow build every executable process; catch all it raises, not only its own."""
    parser = TollgateParser()
    problems = []
    for name, (kind, root) in sorted(trees.items(), key=lambda item: item[1][0] != "dmn"):
        try:
            if kind == "dmn":
                parser.add_dmn_xml(root, filename=name)
                # Spiff parses a decision only when a task first asks for it: parse it now.
                parser.dmn_parsers[_first_decision(root)].parse()
            else:
                parser.add_bpmn_xml(root, filename=name)
        except Exception as exc:  # noqa: BLE001 - Spiff raises KeyError/TypeError/AttributeError too
            problems.append(_problem_from(exc, name, root, trees))
    if problems:
        return parser, problems
    for process_id in parser.get_process_ids():
        name, root = _file_of(trees, process_id)
        try:
            parser.get_spec(process_id)
            parser.get_subprocess_specs(process_id)
        except Exception as exc:  # noqa: BLE001
            problems.append(_problem_from(exc, name, root, trees, default_id=process_id))
    return parser, problems


def _first_decision(root):
    return next(d.get("id") for d in root if etree.QName(d).localname == "decision")


# TaskParser wraps whatever else a task parser raises as ValidationException("KeyError(...)").
_WRAPPED = re.compile(r"^\w*(Error|Exception)\(")


def _problem_from(exc, name, root, trees=None, default_id=None) -> Problem:
    if isinstance(exc, ValidationException):
        if exc.file_name and trees and exc.file_name in trees:
            name, root = exc.file_name, trees[exc.file_name][1]
        element_id = exc.id or default_id
        line = exc.line_number or _line_of(root, element_id)
        message = str(exc.args[0]).strip()
        if _WRAPPED.match(message):
            message = f"SpiffWorkflow cannot load this element: {_explain(message)}"
        elif message.endswith("for tasks of type") and exc.tag:  # Spiff leaves the type out
            message += f" {exc.tag}: split the flow with a gateway after the task"
        return Problem(name, element_id, line or None, message)
    node, node_file = _failing_node(exc, trees or {name: (None, root)})
    if node is not None:
        name, element_id, line = node_file, node.get("id"), node.sourceline
    else:
        element_id, line = default_id, _line_of(root, default_id)
    detail = _explain(f"{type(exc).__name__}: {exc}")
    return Problem(name, element_id, line, f"cannot be loaded: {detail}")


def _explain(detail: str) -> str:
    """Replace what SpiffWorkflow 3.2's known internal errors say with what they mean."""
    if "KeyError" in detail and "decisionRef" in detail:
        return "business rule task without camunda:decisionRef"
    if "AttributeError" in detail and "'tag'" in detail:
        return "DMN file with several decisions: only one decision per DMN file is supported"
    if "raise_validation_exception" in detail or "Expected 1 result. Received 0" in detail:
        return f"a reference on this element names nothing in the file ({detail})"
    return detail


def _failing_node(exc, trees):
    """(element, file): the innermost element with an id that a SpiffWorkflow parser was
    working on when it raised (a `node` local or `self.node`), or (None, None)."""
    files = {id(root): name for name, (_, root) in trees.items() if root is not None}
    found = (None, None)
    tb = exc.__traceback__
    while tb is not None:
        for key, value in tb.tb_frame.f_locals.items():
            if key == "self":
                value = getattr(value, "node", None)
            if isinstance(value, etree._Element) and isinstance(value.tag, str) and value.get("id"):
                name = files.get(id(value.getroottree().getroot()))
                if name is not None:
                    found = (value, name)
        tb = tb.tb_next
    return found


def _line_of(root, element_id):
    if root is None or not element_id:
        return None
    found = root.xpath("//*[@id=$id]", id=element_id)
    return found[0].sourceline if found else None


def _file_of(trees, process_id):
    for name, (kind, root) in trees.items():
        if kind == "bpmn" and root.find(f"bpmn:process[@id='{process_id}']", NS) is not None:
            return name, root
    return "(bundle)", None


def _decision_ids(trees) -> frozenset[str]:
    ids = set()
    for kind, root in trees.values():
        if kind == "dmn":
            ids.update(d.get("id") for d in root if etree.QName(d).localname == "decision")
    return frozenset(ids)


def _duplicate_process_ids(bpmn) -> list[Problem]:
    seen, problems = {}, []
    for name, root in sorted(bpmn.items()):
        for process in root.iterfind("bpmn:process", NS):
            pid = process.get("id")
            if pid in seen:
                problems.append(
                    Problem(
                        name, pid, process.sourceline, f"process id {pid!r} is also in {seen[pid]}"
                    )
                )
            seen.setdefault(pid, name)
    return problems


def _describe_processes(trees, executable_ids) -> dict[str, ProcessInfo]:
    """Executable processes; a lifecycle is one no call activity calls and that has milestones."""
    bpmn = [(name, root) for name, (kind, root) in trees.items() if kind == "bpmn"]
    called = {
        node.get("calledElement")
        for _, root in bpmn
        for node in root.iterfind(".//bpmn:callActivity", NS)
    }
    infos = {}
    for name, root in bpmn:
        for process in root.iterfind("bpmn:process", NS):
            pid = process.get("id")
            if pid not in executable_ids:
                continue
            stages = tuple(milestone_names(process))
            infos[pid] = ProcessInfo(
                id=pid,
                name=process.get("name") or pid,
                file=name,
                is_lifecycle=pid not in called and bool(stages),
                stages=stages,
            )
    return infos


def milestone_names(process) -> list[str]:
    """Named intermediate throw events without an event definition, in document order."""
    names = []
    for event in process.iterfind(".//bpmn:intermediateThrowEvent", NS):
        has_definition = any(etree.QName(c).localname.endswith("EventDefinition") for c in event)
        if event.get("name") and not has_definition:
            names.append(event.get("name").strip())
    return names


def _as_bytes(content) -> bytes:
    return content.encode("utf-8") if isinstance(content, str) else content
