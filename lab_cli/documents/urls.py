"""Which ``document.repo`` URLs lab may fetch: https on an allow-list of hosts, nothing local, no odd transports.

A pull request is untrusted: a URL such as ``file:///etc``, ``ext::sh -c …``, ``/home/me/repo`` or
``git@host:repo`` would make a fetch read local files, run a command or use the runner's credentials.
"""

from __future__ import annotations

from urllib.parse import urlsplit

DEFAULT_ALLOWED_HOSTS = ("github.com", "gitlab.com", "huggingface.co", "codeberg.org", "bitbucket.org")


def url_problem(url: str, allowed_hosts: tuple[str, ...] = DEFAULT_ALLOWED_HOSTS, allow_local: bool = False) -> str:
    """Why ``url`` may not be fetched, or an empty string when it may."""
    text = url.strip()
    if "::" in text.split("/", 1)[0] or text.startswith("ext::"):
        return "git transport helpers (ext::, fd::) are not allowed"
    if text.startswith(("/", ".", "~")) or text.lower().startswith("file:"):
        return "" if allow_local else "local paths and file:// URLs are not allowed (use an https URL)"
    parts = urlsplit(text)
    if not parts.scheme and "@" in text and ":" in text:
        return "ssh URLs are not allowed (use an https URL)"
    if parts.scheme != "https":
        return f"only https URLs are allowed, not {parts.scheme or 'a bare path'!r}"
    if parts.username or parts.password:
        return "credentials in the URL are not allowed"
    host = (parts.hostname or "").lower()
    if not any(host == allowed or host.endswith("." + allowed) for allowed in allowed_hosts):
        return f"host {host!r} is not on the allow-list ({', '.join(allowed_hosts)})"
    return ""
