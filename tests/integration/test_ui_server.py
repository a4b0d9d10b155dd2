"""Starting and stopping the interface's server: a host other machines can reach is
refused without --allow-remote, and SIGTERM to ``circsim ui`` stops the server (it is the
same process: nothing keeps serving the port)."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from circsim.ui.server import main as ui_main


def test_a_host_reachable_from_elsewhere_needs_allow_remote(capsys):
    assert ui_main(["--host", "0.0.0.0", "--port", "0"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no authentication" in err[0] and "--allow-remote" in err[0]


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _alive(pid: int) -> bool:
    try:
        return "State:\tZ" not in Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False


def test_sigterm_to_circsim_ui_stops_the_server(tmp_path):
    log = tmp_path / "ui.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "circsim", "ui", "--port", "0"], cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        deadline, port = time.monotonic() + 90, None
        while time.monotonic() < deadline and not (port and _listening(port)):
            assert proc.poll() is None, log.read_text()
            found = re.search(r"127\.0\.0\.1:(\d+)/", log.read_text())
            port = int(found.group(1)) if found else None
            time.sleep(0.3)
        assert port and _listening(port), log.read_text()
        os.kill(proc.pid, signal.SIGTERM)  # to the process alone, as a service manager does
        proc.wait(timeout=30)
        assert not _listening(port)
        assert not _alive(proc.pid)
    finally:
        if proc.poll() is None:
            proc.kill()
