"""`omniretail serve` in a process of its own on the test database, as production runs it, for
what only a real process shows: a crash mid-run, a connection pool. The `serve` fixture of the
plugin starts one and stops it after the test."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

from django.db import connection

CLI = [sys.executable, "-m", "omniretail.cli"]
SECRET_KEY = "serve-test-secret-key-of-at-least-fifty-characters"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_env(**query: str) -> dict[str, str]:
    """The environment that points another process at this test run's database; `query`
    adds connection parameters to a PostgreSQL URL (application_name=...)."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return {"OMNI_SQLITE_PATH": str(db["NAME"])}
    url = f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    return {"DATABASE_URL": url + ("?" + urllib.parse.urlencode(query) if query else "")}


class Server:
    """`omniretail serve --no-worker` on a free port; its output goes to server.log in
    `data_dir`, which is also its OMNI_DATA_DIR. `env` overrides what it inherits."""

    def __init__(self, data_dir, **env: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            **database_env(),
            "OMNI_DATA_DIR": str(data_dir),
            "SECRET_KEY": SECRET_KEY,
            "OMNI_PUBLIC_BASE_URL": self.url,
            **env,
        }
        self.log_path = data_dir / "server.log"
        self.log = open(self.log_path, "ab")  # noqa: SIM115 (closed in stop)
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        """Start it (again, after kill) and wait until it answers."""
        self.proc = subprocess.Popen(
            [*CLI, "serve", "--no-worker", "--host", "127.0.0.1", "--port", str(self.port)],
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 120  # seconds as a rule; more on a loaded machine
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                urllib.request.urlopen(self.url + "/healthz", timeout=10).close()
                return
            except urllib.error.HTTPError:
                return
            except OSError:
                time.sleep(0.2)
        self.log.flush()
        raise AssertionError("the server did not come up:\n" + self.log_path.read_text()[-3000:])

    def kill(self) -> None:
        """SIGKILL: no shutdown, as a crash."""
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()
