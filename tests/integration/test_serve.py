"""The acceptance path as a user runs it: `aktenwerk init`, `aktenwerk user create … --token`,
`aktenwerk serve` (API + worker + beat in one command), upload → ready, exact bytes back, SIGTERM
stops everything (no worker left behind)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.integration.worker_harness import wait_for

pytestmark = pytest.mark.slow
AKTENWERK = str(Path(sys.executable).with_name("aktenwerk"))


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_init_serve_upload_ready_and_clean_shutdown(tmp_path, pdf_bytes):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AKTENWERK_")}
    env.update(AKTENWERK_DATA_DIR=str(tmp_path / "data"), AKTENWERK_OCR_ENABLED="false",
               AKTENWERK_SEARCH_BACKEND="memory", AKTENWERK_LOG_LEVEL="WARNING")
    init = subprocess.run([AKTENWERK, "init"], env=env, capture_output=True, text=True, timeout=120, check=True)
    assert "admin password:" in init.stdout
    made = subprocess.run([AKTENWERK, "user", "create", "sb", "--role", "clerk", "--department", "63", "--token"],
                          env=env, capture_output=True, text=True, timeout=120, check=True)
    token = made.stdout.strip().splitlines()[-1]
    port = _port()
    log = (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen([AKTENWERK, "serve", "--host", "127.0.0.1", "--port", str(port)], env=env,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"

        def healthy() -> bool:
            try:
                return httpx.get(f"{base}/api/v1/health", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        wait_for(healthy, 90, interval=0.5, what="serve to answer")
        c = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30)
        data = pdf_bytes("über serve")
        r = c.post("/api/v1/documents", files={"file": ("s.pdf", data)}, data={"title": "Serve"})
        assert r.status_code == 202
        doc_id = r.json()["id"]
        wait_for(lambda: c.get(f"/api/v1/documents/{doc_id}").json()["status"] == "ready", 90, interval=0.3,
                 what="document ready")
        assert c.get(f"/api/v1/documents/{doc_id}/original").content == data
        assert c.get("/openapi.json").status_code == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            raise
        log.close()
    time.sleep(0.5)
    leftovers = subprocess.run(["pgrep", "-f", f"aktenwerk-{proc.pid}@"], capture_output=True, text=True, check=False)
    assert leftovers.stdout.strip() == "", "worker still running after serve stopped"
    audit = subprocess.run([AKTENWERK, "audit", "verify"], env=env, capture_output=True, text=True, timeout=120, check=False)
    assert audit.returncode == 0, audit.stdout + audit.stderr
