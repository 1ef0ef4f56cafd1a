"""The roles Tollgate knows. Lanes and candidate groups in BPMN name these (key or display name)."""

ROLES: dict[str, str] = {
    "pm": "Project Manager",
    "sponsor": "Sponsor",
    "pmo": "PMO",
    "ccb": "Change Control Board",
    "finance": "Finance",
    "portfolio": "Portfolio Manager",
    "designer": "Process Designer",
    "admin": "Administrator",
}

# Resolve to the person named on the project; every other role is a shared group queue.
PROJECT_ROLES = frozenset({"pm", "sponsor"})

# Roles that see every project.
PORTFOLIO_ROLES = frozenset({"portfolio", "pmo", "admin"})

_BY_NAME = {**{k: k for k in ROLES}, **{v.lower(): k for k, v in ROLES.items()}}
# Common spellings designers use for the governance officer lane.
_BY_NAME.update({"governance officer": "pmo", "project management office": "pmo"})


def resolve_role(name: str | None) -> str | None:
    """Role key for a lane/group name (key or display name, any case), or None."""
    if not name:
        return None
    return _BY_NAME.get(name.strip().lower())


def accepted_role_names() -> frozenset[str]:
    return frozenset(_BY_NAME)
