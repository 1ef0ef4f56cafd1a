"""The app never signs sessions with a known key."""

import os
import stat

from webapp import _instance_secret_key
from webapp import create_app


def test_a_random_key_is_created_once_and_kept_private(tmp_path):
    first = _instance_secret_key(str(tmp_path))
    assert len(first) == 64 and _instance_secret_key(str(tmp_path)) == first
    mode = stat.S_IMODE(os.stat(tmp_path / "secret_key").st_mode)
    assert mode == 0o600


def test_the_placeholder_key_is_never_used_outside_tests():
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["SECRET_KEY"] != "change-me"
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
