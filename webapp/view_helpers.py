"""Small helpers shared by the HTML blueprints."""

from flask_login import current_user


def actor():
    """The logged-in User itself, not the `current_user` proxy: services may keep a reference
    (e.g. `row.assignee = actor`), and a proxy would later resolve to whoever is logged in."""
    return current_user._get_current_object()
