"""Which integration-pushed URLs may become links or media sources on the staff pages."""

from urllib.parse import urlsplit


def web_url(value: str | None) -> str | None:
    """The URL when it is an absolute ``http``/``https`` URL with a host, else ``None``.

    ``javascript:``, ``data:``, ``vbscript:``, relative and scheme-relative URLs never
    become links. Leading/trailing whitespace and control characters are what browsers
    strip before parsing a scheme, so a value containing them is refused outright.
    """
    if not value:
        return None
    if value != value.strip() or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
        return None
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    if parts.scheme.lower() not in {"http", "https"} or not parts.hostname:
        return None
    return value
