"""Print the Tollgate benchmark (`make bench`): run from the repository root.

    .venv/bin/python tests/benchmarks/run.py [--rounds 40] [--others 50] [--database-url URL]

Creates the app on a temporary SQLite file (or on the scratch database URL names, e.g. an empty
PostgreSQL database: it adds projects and users there), migrates it, and prints
`tests.benchmarks.lifecycle.run_benchmark`: the bare SpiffWorkflow step, our engine, service and API
per gate, and the cost of a project having many other instances. Not a timed test.
"""

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from flask_migrate import upgrade  # noqa: E402

from tests.benchmarks.lifecycle import run_benchmark  # noqa: E402
from webapp import create_app  # noqa: E402
from webapp.extensions import db  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40, help="completions per cell")
    parser.add_argument(
        "--others",
        type=int,
        default=50,
        help="other running instances per project in the last column",
    )
    parser.add_argument(
        "--database-url",
        help="a scratch database to run on instead of a temporary SQLite file",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tollgate-bench-") as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'bench.sqlite'}"
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": url,
                "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
                "SECRET_KEY": "bench",
            }
        )
        with app.app_context():
            upgrade()
            print(f"database: {db.engine.dialect.name}")
            print(run_benchmark(args.rounds, others=args.others))
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
