"""A throwaway PostgreSQL server for the tests and benchmarks: ``initdb`` into a temp dir, a
Unix socket there and a free loopback port, removed afterwards.

PostgreSQL refuses to run as root (CI does), so as root every server command runs as the
``postgres`` user through ``runuser`` and the temp dir is handed to that user. The superuser
``alertbot`` logs in without a password over the socket (``trust``) and with one over TCP
(``scram-sha-256``), so both kinds of URI the bot accepts are exercised, and the password is a
real secret that must never show.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

SUPERUSER = "alertbot"
SERVER_USER = "postgres"


def _bindir() -> Path:
    """The newest installed server's binaries (Debian keeps them off PATH)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version)
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb is None:
        raise RuntimeError(
            "PostgreSQL server binaries not found (initdb): "
            "apt-get install -y postgresql-15 (or postgresql)"
        )
    return Path(initdb).parent


def _version(path: str) -> int:
    part = Path(path).parts[-3]
    return int(part) if part.isdigit() else 0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Cluster:
    """A running server. ``url(db)`` over TCP with the password, ``socket_url(db)`` over the
    socket without one."""

    root: Path
    port: int
    password: str
    bindir: Path

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        return self.root

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}:{self.password}@127.0.0.1:{self.port}/{database}"

    def socket_url(self, database: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@/{database}?host={self.socket_dir}&port={self.port}"

    def psql(self, sql: str, database: str = "postgres") -> str:
        """Run ``sql`` as the superuser over the socket; its output, unaligned."""
        result = subprocess.run(
            [
                str(self.bindir / "psql"),
                "-X",
                "-q",
                "-A",
                "-t",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                str(self.socket_dir),
                "-p",
                str(self.port),
                "-U",
                SUPERUSER,
                "-d",
                database,
                "-c",
                sql,
            ],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
        return result.stdout.strip()

    def create_database(self, name: str) -> str:
        """A fresh, empty database; returns its TCP URL."""
        self.psql(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        _as_server_user(
            [str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"],
            check=False,
        )

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


def start_cluster(*, durable: bool = False) -> Cluster:
    """initdb + pg_ctl start. ``durable=False`` turns fsync off (tests); the benchmarks keep it
    on, to compare with SQLite's ``synchronous=FULL`` fairly."""
    bindir = _bindir()
    root = Path(tempfile.mkdtemp(prefix="alertbot-pg-"))
    os.chmod(root, 0o700)
    if os.geteuid() == 0:
        server = pwd.getpwnam(SERVER_USER)
        os.chown(root, server.pw_uid, server.pw_gid)
    password = secrets.token_urlsafe(12)
    cluster = Cluster(root=root, port=free_port(), password=password, bindir=bindir)
    try:
        pwfile = root / "pw"
        pwfile.write_text(password + "\n")
        if os.geteuid() == 0:
            os.chown(pwfile, server.pw_uid, server.pw_gid)
        _as_server_user(
            [
                str(bindir / "initdb"),
                "-D",
                str(cluster.data),
                "-U",
                SUPERUSER,
                f"--pwfile={pwfile}",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "-E",
                "UTF8",
                "--no-locale",
                *([] if durable else ["--no-sync"]),
            ]
        )
        pwfile.unlink()
        options = [
            f"-p {cluster.port}",
            f"-k {cluster.socket_dir}",
            "-c listen_addresses=127.0.0.1",
            "-c max_connections=200",
        ]
        if not durable:
            options += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        _as_server_user(
            [
                str(bindir / "pg_ctl"),
                "-D",
                str(cluster.data),
                "-l",
                str(root / "server.log"),
                "-o",
                " ".join(options),
                "-w",
                "-t",
                "60",
                "start",
            ]
        )
    except BaseException:
        cluster.remove()
        raise
    return cluster


def _as_server_user(argv: list[str], check: bool = True) -> None:
    """Run a server command, as ``postgres`` when we are root (the server refuses root)."""
    if os.geteuid() == 0:
        argv = ["runuser", "-u", SERVER_USER, "--", *argv]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    if check and result.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed:\n{result.stdout}\n{result.stderr}")
