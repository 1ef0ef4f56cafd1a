"""Every setting, with its default. Override with TOLLGATE_<NAME> environment variables
(e.g. TOLLGATE_SECRET_KEY), DATABASE_URL for the database, or create_app(test_config)."""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent

# Signs sessions and CSRF tokens. Left at this placeholder, the app creates a random key once
# in the instance folder (instance/secret_key); several servers must share one real key.
SECRET_KEY = "change-me"
# Session cookies are not sent on cross-site requests.
SESSION_COOKIE_SAMESITE = "Lax"
# Set to True behind HTTPS so the session cookie never travels in clear.
SESSION_COOKIE_SECURE = False
# None means: SQLite file tollgate.sqlite in the instance folder (set in create_app).
SQLALCHEMY_DATABASE_URI = None
# BPMN/DMN process library that `tollgate deploy` reads when given no paths.
WORKFLOWS_DIR = str(REPO_ROOT / "workflows")
# Word templates for generated documents.
DOCUMENT_TEMPLATES_DIR = str(REPO_ROOT / "document_templates")
# CSRF protection on every form (tests switch it off).
WTF_CSRF_ENABLED = True
# Seconds a BPMN script or expression may run before it is stopped.
SCRIPT_TIMEOUT_SECONDS = 1.0
# Idle minutes before a login session ends.
SESSION_MINUTES = 60
# Seconds the timer worker sleeps between polls.
WORKER_POLL_SECONDS = 30
# Instances with due timers handled per worker batch.
WORKER_BATCH_SIZE = 50
# Front-end packages installed by npm (bootstrap, camunda-bpmn-js).
NODE_MODULES_DIR = str(REPO_ROOT / "node_modules")
# Move long-lived objects (mappers, parsed process specs) out of the garbage collector's sight
# once loaded: full collections otherwise rescan them and cost ~2 ms per workflow request.
GC_FREEZE = True
# Alembic migrations (Flask-Migrate).
MIGRATIONS_DIR = str(REPO_ROOT / "migrations")
# werkzeug password hashing method; tests use a cheap one.
PASSWORD_HASH_METHOD = "scrypt"
# Refused logins allowed per username and client address (Flask-Limiter syntax).
LOGIN_RATE_LIMIT = "5 per 15 minutes"
# Refused logins allowed per client address over all usernames.
LOGIN_ADDRESS_RATE_LIMIT = "30 per 15 minutes"
# Where the login limiter counts: per process by default; redis://... for several processes.
RATELIMIT_STORAGE_URI = "memory://"
# Send X-RateLimit-* headers on limited routes.
RATELIMIT_HEADERS_ENABLED = True
