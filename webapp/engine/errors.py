"""Errors raised at the engine boundary. No HTTP status here: the web layer maps them."""

from dataclasses import dataclass


class EngineError(Exception):
    """A workflow could not be run; `task_name` and `line` point at the BPMN element if known."""

    def __init__(self, message: str, task_name: str | None = None, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.task_name = task_name
        self.line = line

    def __str__(self) -> str:
        where = f"task {self.task_name!r}" if self.task_name else ""
        if self.line:
            where += f" line {self.line}"
        return f"{self.message} ({where.strip()})" if where else self.message


class UnknownProcess(EngineError):
    pass


class TaskNotReady(EngineError):
    pass


class TreeTooDeep(EngineError):
    """Saving would put tasks beyond SpiffWorkflow's iterator depth, where they silently vanish."""


@dataclass(frozen=True)
class Problem:
    """One deploy-time finding: where (file, element id, line) and what."""

    file: str
    element_id: str | None
    line: int | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line:
            where += f":{self.line}"
        if self.element_id:
            where += f" [{self.element_id}]"
        return f"{where}: {self.message}"


class BundleInvalid(EngineError):
    """A process bundle failed validation; nothing from it may be stored."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("; ".join(str(p) for p in self.problems))
