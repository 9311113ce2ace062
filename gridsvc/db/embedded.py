"""A private PostgreSQL + PostGIS cluster started from the system's binaries.

The server listens on 127.0.0.1 only, on a free port chosen at each start, with
password authentication. PostgreSQL refuses to run as root, so when gridsvc runs
as root the cluster belongs to, and runs as, the ``postgres`` system user.
"""

from __future__ import annotations

import glob
import hashlib
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from gridsvc.errors import ConfigurationError

SERVER_USER_WHEN_ROOT = "postgres"
SUPERUSER = "gridsvc"
DATABASE = "gridsvc"
PASSWORD_FILE = "gridsvc-password"
INSTALL_HINT = (
    "install them with: apt-get install postgresql postgresql-15-postgis-3 "
    "(the PostGIS package must match the PostgreSQL major version)"
)


def find_bindir(configured: Path | None = None) -> Path:
    """The directory holding initdb, pg_ctl and postgres; ConfigurationError when absent."""
    candidates: list[Path] = [configured] if configured else []
    if not configured:
        pg_config = shutil.which("pg_config")
        if pg_config:
            out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
            if out.returncode == 0:
                candidates.append(Path(out.stdout.strip()))
        found = glob.glob("/usr/lib/postgresql/*/bin")
        candidates += sorted((Path(p) for p in found), key=_major_of, reverse=True)
    for cand in candidates:
        if all((cand / exe).is_file() for exe in ("initdb", "pg_ctl", "postgres")):
            return cand
    where = str(configured) if configured else "pg_config --bindir or /usr/lib/postgresql/*/bin"
    raise ConfigurationError(f"PostgreSQL server binaries not found in {where}; {INSTALL_HINT}")


def _major_of(bindir: Path) -> int:
    try:
        return int(bindir.parent.name)
    except ValueError:
        return 0


def check_postgis(bindir: Path) -> None:
    """Raise ConfigurationError unless PostGIS is installed for this PostgreSQL."""
    out = subprocess.run([str(bindir / "pg_config"), "--sharedir"], capture_output=True, text=True)
    sharedir = Path(out.stdout.strip()) if out.returncode == 0 else None
    if sharedir is None:
        sharedir = Path("/usr/share/postgresql") / bindir.parent.name
    if not (sharedir / "extension" / "postgis.control").is_file():
        raise ConfigurationError(
            f"PostGIS is not installed for the PostgreSQL in {bindir}; {INSTALL_HINT}"
        )


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _running_as_root() -> bool:
    return os.geteuid() == 0


def resolve_datadir(wanted: Path) -> Path:
    """The data directory to use: ``wanted`` unless root and the server user can't reach it."""
    wanted = wanted.resolve()
    if not _running_as_root():
        return wanted
    probe = wanted
    while not probe.exists():
        probe = probe.parent
    user = SERVER_USER_WHEN_ROOT
    reachable = subprocess.run(["test", "-x", str(probe)], user=user, cwd="/").returncode == 0
    if reachable:
        return wanted
    digest = hashlib.sha256(str(wanted).encode()).hexdigest()[:16]
    return Path("/var/lib/gridsvc") / digest / wanted.name


@dataclass
class EmbeddedCluster:
    """One private cluster in ``datadir``; methods do the I/O, construction does none."""

    datadir: Path
    bindir: Path
    fast: bool = False  # fsync off: for throwaway test clusters only

    @property
    def _server_user(self) -> str | None:
        return SERVER_USER_WHEN_ROOT if _running_as_root() else None

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        user = self._server_user
        return subprocess.run(
            list(args), user=user, group=user, capture_output=True, text=True, cwd="/"
        )

    @property
    def initialised(self) -> bool:
        return (self.datadir / "PG_VERSION").is_file()

    @property
    def password(self) -> str:
        return (self.datadir / PASSWORD_FILE).read_text().strip()

    def init(self) -> None:
        """Create the cluster (initdb) with a random superuser password."""
        check_postgis(self.bindir)
        self.datadir.mkdir(parents=True, exist_ok=True)
        user = self._server_user
        if user:
            pw = pwd.getpwnam(user)
            os.chown(self.datadir, pw.pw_uid, pw.pw_gid)
        os.chmod(self.datadir, 0o700)
        password = secrets.token_urlsafe(24)
        with tempfile.NamedTemporaryFile("w", delete=False, dir="/tmp") as fh:
            fh.write(password + "\n")
        try:
            if user:
                os.chown(fh.name, pwd.getpwnam(user).pw_uid, -1)
            out = self._run(
                str(self.bindir / "initdb"), "-D", str(self.datadir), "-U", SUPERUSER,
                "--pwfile", fh.name, "--auth=scram-sha-256", "--encoding=UTF8",
                "--locale=C", "--no-instructions",
            )  # fmt: skip
        finally:
            os.unlink(fh.name)
        if out.returncode != 0:
            raise ConfigurationError(f"initdb failed in {self.datadir}: {out.stderr.strip()}")
        pw_path = self.datadir / PASSWORD_FILE
        pw_path.write_text(password + "\n")
        os.chmod(pw_path, 0o600)

    def port(self) -> int | None:
        """The port of the running server, or None when it is not running."""
        pidfile = self.datadir / "postmaster.pid"
        try:
            lines = pidfile.read_text().splitlines()
            pid, port = int(lines[0]), int(lines[3])
        except (OSError, IndexError, ValueError):
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass
        return port

    def running(self) -> bool:
        return self.port() is not None

    def start(self) -> int:
        """Start the server on a free loopback port (init first if needed); return the port."""
        if not self.initialised:
            self.init()
        current = self.port()
        if current is not None:
            return current
        port = free_port()
        options = f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories=''"
        if self.fast:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        out = self._run(
            str(self.bindir / "pg_ctl"), "start", "-D", str(self.datadir), "-w", "-t", "60",
            "-l", str(self.datadir / "server.log"), "-o", options,
        )  # fmt: skip
        if out.returncode != 0:
            log = self.datadir / "server.log"
            tail = log.read_text()[-2000:] if log.exists() else ""
            raise ConfigurationError(
                f"could not start PostgreSQL in {self.datadir}: {out.stderr.strip()}\n{tail}"
            )
        return port

    def stop(self) -> bool:
        """Stop the server if it runs (fast shutdown); True when it was running."""
        if not self.running():
            return False
        out = self._run(str(self.bindir / "pg_ctl"), "stop", "-D", str(self.datadir), "-m", "fast")
        if out.returncode != 0:
            raise ConfigurationError(f"could not stop PostgreSQL: {out.stderr.strip()}")
        return True

    def url(self, database: str = DATABASE) -> str:
        """SQLAlchemy URL of ``database`` on the running server."""
        port = self.port()
        if port is None:
            raise ConfigurationError(f"the embedded PostgreSQL in {self.datadir} is not running")
        return f"postgresql+psycopg://{SUPERUSER}:{self.password}@127.0.0.1:{port}/{database}"


@contextmanager
def throwaway_cluster(prefix: str = "gridsvc-tmp-") -> Iterator[EmbeddedCluster]:
    """A running cluster in a new temporary directory (fsync off), removed afterwards."""
    base = Path(tempfile.mkdtemp(prefix=prefix))
    os.chmod(base, 0o755)  # the server runs as 'postgres' when we run as root
    cluster = EmbeddedCluster(datadir=base / "pg", bindir=find_bindir(), fast=True)
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(base, ignore_errors=True)
