from . import admin_audit  # noqa: E402,F401
