"""Run a module as __main__ with a network audit hook: every attempt to resolve
a name or connect a socket to anything but the loopback is appended to the
file named by $LMSCOPE_NETGUARD_LOG (one line each).

    python _netguard.py jupyterlab --no-browser ...

The browser fixtures start the Jupyter server through this, so a test can
assert that Jupyter itself (news, update checks, extension manager, ...) did
not try to reach the network. It only records; it blocks nothing.
"""

from __future__ import annotations

import ipaddress
import os
import runpy
import socket
import sys

_LOG = os.environ.get("LMSCOPE_NETGUARD_LOG")
_LOCAL_NAMES = {None, "", "localhost", "localhost.localdomain", "ip6-localhost"}


def _is_local(host) -> bool:
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if host in _LOCAL_NAMES:
        return True
    try:
        address = ipaddress.ip_address(str(host).split("%")[0])
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def _record(what: str) -> None:
    if _LOG:
        with open(_LOG, "a", encoding="utf-8") as log:
            log.write(f"{what}\n")


def _hook(event: str, args) -> None:
    if event == "socket.getaddrinfo":
        host, port = args[0], args[1]
        if not _is_local(host):
            _record(f"getaddrinfo {host!r} port {port!r}")
    elif event == "socket.connect":
        sock, address = args
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(address[0]):
            _record(f"connect {address!r}")


if __name__ == "__main__":
    module = sys.argv[1]
    sys.argv = [module, *sys.argv[2:]]
    sys.addaudithook(_hook)
    runpy.run_module(module, run_name="__main__", alter_sys=True)
