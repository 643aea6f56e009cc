"""`jobsim app` starts the Streamlit front end: the server answers its health check on the port given and
serves the app's first page; the app folder given with --home is the one the app writes into."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

START_SECONDS = 90


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_jobsim_app_serves_the_front_end(tmp_path):
    port = _free_port()
    jobsim = Path(sys.executable).parent / "jobsim"
    proc = subprocess.Popen([str(jobsim), "app", "--port", str(port), "--address", "127.0.0.1", "--home",
                             str(tmp_path / "home")], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            env={**os.environ, "STREAMLIT_SERVER_HEADLESS": "true"})
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            try:
                health = urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2).read()
                break
            except OSError:
                assert proc.poll() is None, proc.stdout.read().decode(errors="replace")[-2000:]
                assert time.monotonic() < deadline, "jobsim app did not answer in time"
                time.sleep(0.5)
        assert health.strip() == b"ok"
        page = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10).read().decode()
        assert "<html" in page.lower()
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_jobsim_app_help_names_the_extra():
    got = subprocess.run([str(Path(sys.executable).parent / "jobsim"), "app", "--help"], capture_output=True, text=True)
    assert got.returncode == 0 and "--port" in got.stdout and "--home" in got.stdout
