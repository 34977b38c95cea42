"""A throwaway Redis server on a free loopback port: Debian's redis-server (script/test installs it), no disk."""

import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager

READY = "Ready to accept connections"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def redis_server(start_timeout_s: float = 20) -> Iterator[str]:
    """Start redis-server on 127.0.0.1, yield its URL once it accepts connections, stop it afterwards."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is missing: apt-get install redis-server (script/test installs it)")
    port = _free_port()
    process = subprocess.Popen(
        [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    watchdog = threading.Timer(start_timeout_s, process.kill)  # a server that never gets ready ends the wait
    watchdog.start()
    drain = None
    try:
        started = any(READY in line for line in process.stdout)
        watchdog.cancel()
        if not started:
            raise RuntimeError(f"redis-server did not start on port {port}")
        drain = threading.Thread(target=process.stdout.read)  # later log lines must not fill the pipe
        drain.start()
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        watchdog.cancel()
        process.terminate()
        process.wait(timeout=10)
        if drain is not None:
            drain.join(timeout=10)
        process.stdout.close()
