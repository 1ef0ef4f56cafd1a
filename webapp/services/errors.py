"""Domain errors. No HTTP here: webapp/errors.py maps them to status codes."""


class StageGateError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotPermitted(StageGateError):
    pass


class NotFound(StageGateError):
    pass


class InvalidTransition(StageGateError):
    """The request does not fit the current state (e.g. the task is already done)."""


class ConcurrentUpdate(InvalidTransition):
    """Someone else changed the same workflow or task first; nothing of this request was saved."""


class ValidationFailed(StageGateError):
    def __init__(self, reasons: list[tuple[str, str]]):
        self.reasons = list(reasons)
        super().__init__("; ".join(f"{field}: {message}" for field, message in self.reasons))

    def by_field(self) -> dict[str, list[str]]:
        fields: dict[str, list[str]] = {}
        for field, message in self.reasons:
            fields.setdefault(field, []).append(message)
        return fields
