"""Which network addresses rotwatch may connect to.

A pull request controls the URLs that CI fetches, so by default rotwatch
refuses private, loopback, link-local and other non-public addresses (cloud
metadata lives at 169.254.169.254). The policy is applied to the address a
name resolved to, not to the name, so DNS tricks and redirects cannot get
around it. Pure: no sockets here.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["AddressPolicy", "parse_allowed_networks"]

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

ADDRESSES_KEPT = 2**16  # addresses whose verdict is remembered (every request asks; a site's links ask alike)


def parse_allowed_networks(spec: str | None) -> tuple[IPNetwork, ...] | None:
    """Read the value of `--allow-private`.

    `None` (flag absent) allows nothing private, `""` or `"all"` (flag given
    without a value) allows every address, and `"CIDR[,CIDR]"` allows only
    those ranges. Raises ValueError naming the bad range.
    """
    if spec is None:
        return ()
    if spec.strip().lower() in ("", "all"):
        return None
    networks = []
    for part in spec.split(","):
        try:
            networks.append(ipaddress.ip_network(part.strip(), strict=False))
        except ValueError as exc:
            raise ValueError(f"--allow-private: {part.strip()!r} is not an address range") from exc
    return tuple(networks)


@dataclass(frozen=True, slots=True)
class AddressPolicy:
    """Decides whether an address may be contacted.

    `allowed` is None when every address is allowed (`--allow-private`
    without ranges), else the private ranges that are allowed anyway.
    """

    allowed: tuple[IPNetwork, ...] | None = ()

    def refusal(self, address: str) -> str | None:
        """Why `address` must not be contacted, or None when it may be."""
        return _refusal(self.allowed, address)

    def first_refusal(self, addresses: Iterable[str]) -> str | None:
        """The refusal for the first disallowed address, if any.

        A name that resolves to a public and a private address is refused:
        the connection could go to either.
        """
        for address in addresses:
            reason = self.refusal(address)
            if reason:
                return reason
        return None


@lru_cache(maxsize=ADDRESSES_KEPT)
def _refusal(allowed: tuple[IPNetwork, ...] | None, address: str) -> str | None:
    """AddressPolicy.refusal; every request asks it, mostly about an address it was asked before."""
    if allowed is None:
        return None
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if ip.is_global:
        return None
    if any(ip in network for network in allowed if network.version == ip.version):
        return None
    return f"{address} is a {_address_class(ip)} address (use --allow-private to check it)"


def _address_class(ip: IPAddress) -> str:
    for label, flag in (
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("private", ip.is_private),
        ("multicast", ip.is_multicast),
        ("unspecified", ip.is_unspecified),
        ("reserved", ip.is_reserved),
    ):
        if flag:
            return label
    return "non-public"
