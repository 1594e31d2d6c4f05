"""Where a file sent to Guide in Teams may be downloaded from.

Teams hands the bot a pre-authorised ``downloadUrl`` on the sender's OneDrive or SharePoint
(``https://TENANT-my.sharepoint.com/personal/.../download.aspx?...&tempauth=...``), and
storage may redirect it to the host holding the bytes. The URL comes in the activity, so
every hop is checked before it is requested: https, a host in ``teams_download_hosts`` and
every address it resolves to public (not private, loopback, link-local or reserved). An
entry naming an exact origin (``http://127.0.0.1:8080``) is trusted as named: for tests.
A host re-pointed between this check and the connection would still have to present a
certificate for its Microsoft name.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Sequence

import httpx

from config.errors import IngestError


def origin(url: httpx.URL) -> str:
    port = url.port or {"https": 443, "http": 80}.get(url.scheme)
    return f"{url.scheme}://{url.host}:{port}"


def listed(host: str, allowed: Sequence[str]) -> bool:
    """``host`` is an entry, or ends with an entry that starts with a dot."""
    return any(host == entry or (entry.startswith(".") and host.endswith(entry))
               for entry in (e.lower() for e in allowed if "://" not in e))


def not_public(address: str) -> str | None:
    """What kind of address this is, when it is not one on the internet."""
    ip = ipaddress.ip_address(address.split("%")[0])  # an IPv6 zone is not the address
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    for kind, matches in (("loopback", ip.is_loopback), ("link-local", ip.is_link_local),
                          ("private", ip.is_private), ("multicast", ip.is_multicast)):
        if matches:
            return kind
    return None if ip.is_global else "reserved"


async def check_download(url: httpx.URL, allowed: Sequence[str]) -> None:
    """``IngestError`` (its reason for the trainer) unless Guide may request ``url``."""
    trusted = {origin(httpx.URL(e)) for e in allowed if "://" in e}
    if origin(url) in trusted:
        return
    if url.scheme != "https":
        raise IngestError(f"Guide downloads files only over https, not from {url.scheme}://")
    host = url.raw_host.decode("ascii").lower()
    if not listed(host, allowed):
        raise IngestError(f"{host} is not one of Microsoft's file hosts Guide downloads from")
    try:
        found = await asyncio.get_running_loop().getaddrinfo(host, url.port or 443,
                                                              type=socket.SOCK_STREAM)
    except OSError as exc:
        raise IngestError(f"could not look up {host}: {exc}") from None
    for *_, address in found:
        kind = not_public(str(address[0]))
        if kind:
            raise IngestError(f"{host} is at {address[0]}, a {kind} address: Guide does not "
                              "download from there")


def download_guard(allowed: Sequence[str]) -> Callable[[httpx.Request], Awaitable[None]]:
    """An httpx request hook: it runs before the first request and every redirect."""

    async def guard(request: httpx.Request) -> None:
        await check_download(request.url, allowed)

    return guard
