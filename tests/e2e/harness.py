"""What the end-to-end tests share: free loopback ports and waiting for a
service's ready file."""
import os
import socket
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(path, proc, timeout=30):
    """Waits until `path` (a --ready-file) is written, failing if `proc` exits first."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if os.path.exists(path) and os.path.getsize(path) > 0:
            return
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} exited early")
        time.sleep(0.05)
    raise RuntimeError(f"{path} did not appear")
