"""Sandboxed script engine for BPMN scripts, gateway conditions, timer and DMN expressions.

Every expression and script is compiled with RestrictedPython (plus a few extra rules below) and
runs with a small allow-list of builtins and RestrictedPython's guards, under a time limit.
`SCRIPT_FUNCTIONS` is the only place Python functions become callable from BPMN.

Not covered (see also the caps below): memory that grows step by step (`s = s + s` in a loop,
`l.extend(l)`, `[*l, *l]`) is only bounded by the time limit, so the worker process needs an OS
memory limit. String padding and format widths (`"x".ljust(10**9)`, `"%9999999999d" % 1`,
`f"{x:{w}}"`) are single C calls the timer cannot stop, so they are checked before the call.
No print(), classes or imports.
The engine is not serialized: set `wf.script_engine = make_script_engine()` after every load.
"""

import ast
import builtins
import functools
import operator
import re
import sys
import time
from datetime import UTC
from datetime import datetime

from RestrictedPython import Guards
from RestrictedPython import RestrictingNodeTransformer
from RestrictedPython import compile_restricted_eval
from RestrictedPython import compile_restricted_exec
from RestrictedPython import safe_builtins
from RestrictedPython.transformer import copy_locations
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine import TaskDataEnvironment
from SpiffWorkflow.exceptions import SpiffWorkflowException

RANGE_LIMIT = 100_000  # items in one range()
SEQUENCE_LIMIT = 1_000_000  # items/characters made by one `sequence * n`
INT_BITS_LIMIT = 100_000  # bits of an int made by one `*`, `**` or `<<`
_FILENAME = "<string>"  # PythonScriptEngine finds the failing line by this frame name


class SandboxError(Exception):
    """A script or expression did something the sandbox refuses."""


class ScriptTimeout(SandboxError):
    """A script or expression ran longer than the engine's timeout."""


def today() -> str:
    """Today's date in UTC, ISO format (2025-01-31)."""
    return datetime.now(UTC).date().isoformat()


def now() -> str:
    """The current UTC time, ISO format with offset (2025-01-31T09:30:00+00:00)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


SCRIPT_FUNCTIONS = {"today": today, "now": now}
_OPS = {"*": operator.mul, "**": operator.pow, "<<": operator.lshift, "%": operator.mod} | {
    s + "=": getattr(operator, "i" + n)
    for s, n in (
        ("+", "add"),
        ("-", "sub"),
        ("*", "mul"),
        ("/", "truediv"),
        ("//", "floordiv"),
        ("%", "mod"),
        ("**", "pow"),
        ("<<", "lshift"),
        (">>", "rshift"),
        ("&", "and"),
        ("|", "or"),
        ("^", "xor"),
        ("@", "matmul"),
    )
}


def _operate(op, a, b):
    """`_binop_` (`*`, `**`, `<<`) and `_inplacevar_` (`+=` ...): refuse one-shot giant results,
    which are single C calls that the timer cannot interrupt."""
    sym, ints = op.rstrip("="), isinstance(a, int) and isinstance(b, int)
    if ints and (
        sym == "**"
        and b > 0
        and abs(a) > 1
        and (a.bit_length() - 1) * b > INT_BITS_LIMIT
        or sym == "<<"
        and a
        and b > 0
        and a.bit_length() + b > INT_BITS_LIMIT
        or sym == "*"
        and a.bit_length() + b.bit_length() > INT_BITS_LIMIT
    ):
        raise SandboxError(f"the result of {sym} would be too large")
    if sym == "%" and isinstance(a, (str, bytes)) and _WIDE_FORMAT.search(str(a)):
        raise SandboxError("a %-format width or precision over 6 digits is not allowed")
    for seq, n in ((a, b), (b, a)):
        if (
            sym == "*"
            and isinstance(seq, (str, bytes, list, tuple))
            and isinstance(n, int)
            and len(seq) * n > SEQUENCE_LIMIT
        ):
            raise SandboxError(f"sequence * {n} would be too large")
    return _OPS[op](a, b)


_WIDE_SPEC = re.compile(r"\d{7,}")  # a width or precision of a million or more
_CONVERSIONS = {-1: lambda v: v, ord("s"): str, ord("r"): repr, ord("a"): ascii}


def _format(value, spec: str, conversion: int):
    """`f"{value!conversion:spec}"` with a spec built at run time."""
    if _WIDE_SPEC.search(spec):
        raise SandboxError("a format width or precision over 6 digits is not allowed")
    return format(_CONVERSIONS[conversion](value), spec)


_WIDE_FORMAT = re.compile(r"%[-+ #0]*(\*|\d{7,})|%[-+ #0]*\d*\.(\*|\d{7,})")


def _sum(iterable, start=0):
    """Numbers only: sum(lists, []) copies quadratically inside one uninterruptible C call."""
    if not isinstance(start, (int, float)):
        raise SandboxError("sum() adds numbers; build lists with a comprehension")
    total = start
    for item in iterable:
        if not isinstance(item, (int, float)):
            raise SandboxError("sum() adds numbers; build lists with a comprehension")
        total = total + item
    return total


def _sized(text, name):
    """str/bytes methods whose result size one argument decides, checked before the C call."""
    method = getattr(text, name)

    def join(items):
        items = list(items)
        size = sum(len(i) for i in items if isinstance(i, (str, bytes)))
        if size + len(text) * max(len(items) - 1, 0) > SEQUENCE_LIMIT:
            raise SandboxError("join() would build a text that is too large")
        return method(items)

    def padded(width, *rest):
        if isinstance(width, int) and width > SEQUENCE_LIMIT:
            raise SandboxError(f"{name}() width is limited to {SEQUENCE_LIMIT}")
        return method(width, *rest)

    def replace(old, new, count=-1):
        grows = (len(new) - len(old)) * (text.count(old) if count < 0 else count)
        if len(text) + grows > SEQUENCE_LIMIT:
            raise SandboxError("replace() would build a text that is too large")
        return method(old, new, count)

    def expandtabs(tabsize=8):
        if tabsize > 100:
            raise SandboxError("expandtabs() tab size is limited to 100")
        return method(tabsize)

    return {"join": join, "replace": replace, "expandtabs": expandtabs}.get(name, padded)


_SIZED = {"join", "ljust", "rjust", "center", "zfill", "replace", "expandtabs"}


def _getattr(obj, name, *default):
    if isinstance(obj, (str, bytes)) and name in _SIZED:
        Guards.safer_getattr_raise(obj, name)  # same refusals as any other attribute
        return _sized(obj, name)
    return Guards.safer_getattr_raise(obj, name, *default)


def _range(*args):
    r = range(*args)
    if len(r) > RANGE_LIMIT:  # len() itself refuses ranges beyond sys.maxsize
        raise SandboxError(f"range() is limited to {RANGE_LIMIT} items")
    return r


_BUILTINS = {
    k: v for k, v in safe_builtins.items() if k not in ("__build_class__", "setattr", "delattr")
}
_BUILTINS.update(
    {
        f.__name__: f
        for f in (
            len,
            min,
            max,
            sorted,
            any,
            all,
            abs,
            round,
            dict,
            list,
            set,
            tuple,
            str,
            int,
            float,
            bool,
            enumerate,
            zip,
            isinstance,
        )
    }
)
_BUILTINS.update(
    sum=_sum,
    range=_range,
    pow=lambda a, b, mod=None: _operate("**", a, b) if mod is None else pow(a, b, mod),
)
_GUARDS = {
    "__builtins__": _BUILTINS,
    "_getattr_": _getattr,
    "_getitem_": operator.getitem,
    "_getiter_": iter,
    "_write_": Guards.full_write_guard,
    "_apply_": lambda f, *a, **kw: f(*a, **kw),
    "_inplacevar_": _operate,
    "_binop_": _operate,
    "_format_": _format,
    "_iter_unpack_sequence_": Guards.guarded_iter_unpack_sequence,
    "_unpack_sequence_": Guards.guarded_unpack_sequence,
}


class _Policy(RestrictingNodeTransformer):
    """RestrictedPython's rules plus: no import, class or print; guarded `*`, `**` and `<<`; a
    deadline check at the top of every `except`/`finally` body so a timeout cannot be swallowed."""

    def visit_Import(self, node):
        return self.error(node, "import is not allowed") or node

    visit_ImportFrom = visit_Import

    def visit_ClassDef(self, node):
        return self.error(node, "class definitions are not allowed") or node

    def visit_Call(self, node):
        if isinstance(node.func, ast.Name) and node.func.id == "print":
            self.error(node, "print() is not available in scripts")
        return super().visit_Call(node)

    def visit_BinOp(self, node):
        node = self.node_contents_visit(node)
        symbol = {ast.Mult: "*", ast.Pow: "**", ast.LShift: "<<", ast.Mod: "%"}.get(type(node.op))
        if symbol is None:
            return node
        return self._located(
            ast.Call(
                ast.Name("_binop_", ast.Load()), [ast.Constant(symbol), node.left, node.right], []
            ),
            node,
        )

    def visit_FormattedValue(self, node):
        spec = node.format_spec
        if isinstance(spec, ast.JoinedStr):
            text = "".join(v.value for v in spec.values if isinstance(v, ast.Constant))
            if _WIDE_SPEC.search(text):
                self.error(node, "a format width or precision over 6 digits is not allowed")
        node = super().visit_FormattedValue(node)
        if isinstance(spec, ast.JoinedStr) and not all(
            isinstance(v, ast.Constant) for v in spec.values
        ):
            # A width known only at run time (f"{x:{w}}"): format through _format_, which
            # checks the finished spec before the padding C call the timer cannot interrupt.
            call = ast.Call(
                ast.Name("_format_", ast.Load()),
                [node.value, node.format_spec, ast.Constant(node.conversion)],
                [],
            )
            node = self._located(ast.FormattedValue(call, -1, None), node)
        return node

    def visit_ExceptHandler(self, node):
        node = super().visit_ExceptHandler(node)
        node.body.insert(0, self._deadline_check(node))
        return node

    def visit_Try(self, node):
        node = super().visit_Try(node)
        if node.finalbody:
            node.finalbody.insert(0, self._deadline_check(node.finalbody[0]))
        return node

    def _deadline_check(self, node):
        return self._located(
            ast.Expr(ast.Call(ast.Name("_check_deadline_", ast.Load()), [], [])), node
        )

    @staticmethod
    def _located(new, old):
        copy_locations(new, old)
        return ast.fix_missing_locations(new)


@functools.lru_cache(maxsize=2048)
def _compile(source: str, mode: str):
    """(code or None, ((line, message), ...)) for RestrictedPython plus _Policy."""
    compiler = compile_restricted_eval if mode == "eval" else compile_restricted_exec
    result = compiler(source.strip() if mode == "eval" else source, _FILENAME, policy=_Policy)
    errors = (re.match(r"(?:Line (\d+): )?(.*?)\.?$", e, re.DOTALL).groups() for e in result.errors)
    return result.code, tuple((int(line or 1), message) for line, message in errors)


def _compiled(source: str, mode: str):
    code, errors = _compile(source, mode)
    if code is None:
        line = min(errors[0][0], max(1, len(source.splitlines())))
        raise SyntaxError("; ".join(message for _, message in errors), (_FILENAME, line, 0, None))
    return code


_JUEL = re.compile(r"\s*[$#]\{([^{}]*)\}\s*")


def check_code(source: str, mode: str) -> str | None:
    """Deploy-time check of a condition/timer/expression ('eval') or a script ('exec'):
    a readable error message, or None when the code compiles under the sandbox."""
    if mode not in ("eval", "exec"):
        raise ValueError(f"mode must be 'eval' or 'exec', not {mode!r}")
    juel, (code, errors) = _JUEL.fullmatch(source), _compile(source, mode)
    if juel or ("${" in source and code is None):
        example = f"write {juel.group(1).strip()!r}" if juel else "drop the ${ }"
        return (
            "Conditions and scripts are Python expressions, not JUEL: "
            f"{example} (e.g. `amount > 1000` instead of `${{amount > 1000}}`)"
        )
    return "; ".join(f"line {line}: {message}" for line, message in errors) or None


class SandboxedEnvironment(TaskDataEnvironment):
    """Task-data environment that runs everything through RestrictedPython with a deadline."""

    def __init__(self, timeout: float = 1.0):
        super().__init__({**SCRIPT_FUNCTIONS, **_GUARDS})
        self.timeout = timeout

    def evaluate(self, expression, context, external_context=None):
        code = _compiled(expression, "eval")
        return self._run(code, {**(external_context or {}), **context, **self.globals})

    def execute(self, script, context, external_context=None):
        self.check_for_overwrite(context, external_context or {})
        code = _compiled(script, "exec")
        context.update({**(external_context or {}), **self.globals})
        try:
            self._run(code, context)
        finally:
            self._remove_globals_and_functions_from_context(context, external_context)
        return True

    def _run(self, code, namespace):
        """Run with a deadline checked on every call and on every line of the sandboxed code."""
        deadline = time.monotonic() + self.timeout

        def check(*_):
            if time.monotonic() > deadline:
                raise ScriptTimeout(f"stopped after running longer than {self.timeout:g} s")

        def trace_line(frame, event, arg):
            return check() or trace_line

        def trace_call(frame, event, arg):
            return check() or (trace_line if frame.f_code.co_filename == _FILENAME else None)

        namespace["_check_deadline_"], previous = check, sys.gettrace()
        sys.settrace(trace_call)
        try:
            return eval(code, namespace)  # exec-mode code objects run too (and return None)
        except NameError as err:
            if err.name and (err.name in vars(builtins) or err.name.startswith("_")):
                raise SandboxError(f"name {err.name!r} is not allowed in scripts").with_traceback(
                    err.__traceback__
                ) from None
            raise
        finally:
            sys.settrace(previous)


def _task_name(task):
    return task.task_spec.bpmn_name or task.task_spec.bpmn_id or task.task_spec.name


def _describe(err):
    return err.msg if isinstance(err, SyntaxError) else f"{type(err).__name__}: {err}"


class SandboxedScriptEngine(PythonScriptEngine):
    """PythonScriptEngine whose errors name the task, the line and the reason."""

    def evaluate(self, task, expression, external_context=None):
        try:
            return self.environment.evaluate(expression, task.data, external_context)
        except SpiffWorkflowException as err:
            err.add_note(f"Error evaluating expression '{expression}'")
            raise
        except Exception as err:
            message = f"Expression {expression!r} in {_task_name(task)!r}: {_describe(err)}"
            raise WorkflowTaskException(message, task=task, exception=err) from err

    def create_task_exec_exception(self, task, script, err):
        if isinstance(err, SpiffWorkflowException):
            return super().create_task_exec_exception(task, script, err)
        line, text = self.get_error_line_number_and_content(script, err)
        message = f"Script {_task_name(task)!r} line {line}: {_describe(err)}"
        return WorkflowTaskException(
            message, task=task, exception=err, line_number=line, error_line=text
        )


def make_script_engine(timeout: float = 1.0) -> PythonScriptEngine:
    """A fresh sandboxed engine; attach it to every workflow after creating or loading it."""
    return SandboxedScriptEngine(environment=SandboxedEnvironment(timeout))
