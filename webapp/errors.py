"""App-wide error handlers: domain errors to status codes; JSON for the API, HTML elsewhere."""

import logging

from flask import jsonify
from flask import render_template
from flask import request
from sqlalchemy.exc import DataError

from .engine.errors import EngineError
from .extensions import db
from .services.errors import ConcurrentUpdate
from .services.errors import InvalidTransition
from .services.errors import NotFound
from .services.errors import NotPermitted
from .services.errors import ValidationFailed

log = logging.getLogger(__name__)

_STATUS = [
    (ConcurrentUpdate, 409, "conflict"),
    (InvalidTransition, 409, "invalid_transition"),
    (NotPermitted, 403, "forbidden"),
    (NotFound, 404, "not_found"),
    (ValidationFailed, 422, "invalid"),
]


def wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return (
        best == "application/json"
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def error_response(status: int, code: str, message: str, fields: dict | None = None):
    if wants_json():
        body = {"error": code, "message": message}
        if fields:
            body["fields"] = fields
        return jsonify(body), status
    return render_template("errors/error.html", status=status, message=message), status


def register_error_handlers(app) -> None:
    for exc_class, status, code in _STATUS:
        app.register_error_handler(exc_class, _domain_handler(status, code))

    @app.errorhandler(OverflowError)
    @app.errorhandler(DataError)
    def _value_out_of_range(exc):
        # The last line of defence for input the checks missed (a number past 64 bits, a NUL
        # character, text longer than its column): a clear 422, never a 500.
        db.session.rollback()
        log.info("input refused by the database: %s", exc)
        return error_response(
            422, "invalid", "A value is out of range, too long or contains a forbidden character."
        )

    @app.errorhandler(EngineError)
    def _engine_error(exc):
        db.session.rollback()
        log.error("workflow engine failed at %s: %s", exc.task_name or "?", exc)
        return error_response(500, "engine_error", f"The workflow could not run: {exc}")

    for status, code, message in [
        (400, "bad_request", "The request could not be understood."),
        (403, "forbidden", "You are not allowed to do that."),
        (404, "not_found", "There is nothing here."),
        (405, "method_not_allowed", "That method is not allowed here."),
        (429, "too_many_requests", "Too many attempts: wait a minute and try again."),
    ]:
        app.register_error_handler(status, _http_handler(status, code, message))

    @app.errorhandler(500)
    def _internal(exc):
        db.session.rollback()
        return error_response(500, "internal_error", "Something went wrong on our side.")


def _domain_handler(status, code):
    def handler(exc):
        db.session.rollback()
        fields = exc.by_field() if isinstance(exc, ValidationFailed) else None
        return error_response(status, code, exc.message, fields)

    return handler


def _http_handler(status, code, message):
    def handler(exc):
        return error_response(status, code, getattr(exc, "description", None) or message)

    return handler
