"""The `tollgate` command: a Flask CLI group (`tollgate db upgrade` comes from Flask-Migrate)."""

import signal
import sys
import time

import click
from flask import current_app
from flask.cli import FlaskGroup
from flask.cli import with_appcontext

from .engine.errors import BundleInvalid
from .services.errors import StageGateError


def main() -> None:
    from . import create_app

    FlaskGroup(create_app=create_app, help="Tollgate: BPMN stage-gate workflows for PMOs.")()


def register(app) -> None:
    for command in (deploy, users, token, worker, check, demo):
        app.cli.add_command(command)


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--note", help="What changed, kept with the version.")
@with_appcontext
def deploy(paths, note):
    """Validate and deploy the process library (default: WORKFLOWS_DIR) as a new version."""
    from .services.library import deploy_files
    from .services.library import read_library

    try:
        files = read_library(paths or [current_app.config["WORKFLOWS_DIR"]])
        result = deploy_files(files, note=note)
    except BundleInvalid as exc:
        click.echo(f"Deploy refused: {len(exc.problems)} problem(s); nothing was stored.", err=True)
        for problem in exc.problems:
            click.echo(f"  {problem}", err=True)
        sys.exit(1)
    except StageGateError as exc:
        raise click.ClickException(exc.message) from exc
    version = result.version
    lifecycles = ", ".join(d.process_id for d in version.definitions if d.is_lifecycle) or "none"
    if result.created:
        click.echo(
            f"Deployed version {version.id} ({version.content_hash[:12]}): "
            f"{len(version.files)} files, lifecycles: {lifecycles}"
        )
    else:
        click.echo(f"Unchanged: identical to version {version.id} ({version.content_hash[:12]})")


@click.group()
def users():
    """Manage user accounts."""


@users.command("add")
@click.argument("username")
@click.option("--role", "roles", multiple=True, required=True, help="Role key; repeat for more.")
@click.option("--email")
@click.option("--name", "display_name", help="Display name (default: the username).")
@click.option("--password", help="Without it: prompt on a terminal, else no password (API only).")
@with_appcontext
def users_add(username, roles, email, display_name, password):
    """Add a user with one or more roles."""
    from .services.users import add_user

    if password is None and sys.stdin.isatty():
        password = click.prompt(
            "Password (empty: token access only)",
            default="",
            hide_input=True,
            confirmation_prompt=True,
            show_default=False,
        )
    try:
        user = add_user(
            username, roles, display_name=display_name, email=email, password=password or None
        )
    except StageGateError as exc:
        raise click.ClickException(exc.message) from exc
    login = "password login" if user.password_hash else "token access only"
    click.echo(f"Added {user.username} ({', '.join(sorted(user.roles))}; {login})")


@click.command()
@click.argument("username")
@click.option("--name", default="cli", help="Label for the token.")
@with_appcontext
def token(username, name):
    """Print a new API token for USERNAME."""
    from .services.users import issue_token

    try:
        click.echo(issue_token(username, name))
    except StageGateError as exc:
        raise click.ClickException(exc.message) from exc


@click.command()
@click.option("--once", is_flag=True, help="Run what is due now and exit.")
@click.option("--poll", type=float, help="Seconds between polls (default WORKER_POLL_SECONDS).")
@with_appcontext
def worker(once, poll):
    """Fire due BPMN timers until stopped (SIGTERM/SIGINT finish the current batch)."""
    from .services.timers import run_due_timers

    config = current_app.config
    poll = poll or float(config["WORKER_POLL_SECONDS"])
    stopping = []

    def stop(signum, _frame):
        stopping.append(signum)

    if not once:
        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
    while True:
        fired = run_due_timers(limit=int(config["WORKER_BATCH_SIZE"]))
        if fired or once:
            click.echo(f"timers: advanced {fired} instance(s)")
        if once:
            return
        deadline = time.monotonic() + poll
        while not stopping and time.monotonic() < deadline:
            time.sleep(min(0.2, poll))
        if stopping:
            click.echo("worker stopped")
            return


@click.command()
@with_appcontext
def check():
    """Verify that every open inbox row matches a READY task, and vice versa."""
    from .services.consistency import check_inbox

    mismatches = check_inbox()
    for mismatch in mismatches:
        click.echo(str(mismatch), err=True)
    if mismatches:
        sys.exit(1)
    click.echo("inbox and workflows agree")


@click.command()
@click.option("--serve/--no-serve", default=True, help="Serve on 127.0.0.1 afterwards.")
@click.option("--port", default=5000, show_default=True)
@with_appcontext
def demo(serve, port):
    """Migrate, deploy, seed demo users and projects, then serve."""
    from .services.demo import seed_demo

    summary = seed_demo(current_app.config["WORKFLOWS_DIR"])
    click.echo(summary)
    if serve:
        # Flask ignores app.run() inside a CLI command; serve with werkzeug directly.
        from werkzeug.serving import run_simple

        click.echo(f"Serving on http://127.0.0.1:{port}/ (Ctrl-C to stop)")
        run_simple("127.0.0.1", port, current_app._get_current_object(), threaded=True)
