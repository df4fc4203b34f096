"""Private PostgreSQL and Redis instances, and the app's processes, for tests and bench/.

Each instance runs on its own port in a temporary directory, so tests can stop and restart it
without touching the shared services other people use. Every wait has a timeout.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.db import connection

REPO = Path(__file__).resolve().parents[2]
PG_BIN = Path("/usr/lib/postgresql/15/bin")
VENV_BIN = Path(sys.executable).parent


def wait_for(predicate, timeout: float, message, interval: float = 0.2):
    """Poll `predicate` until it returns something truthy; raise TimeoutError after `timeout`.

    `message` may be a callable, called only on timeout (say, to show a process's log then).
    """
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        try:
            result = predicate()
            if result:
                return result
        except Exception as error:  # the thing waited for may fail until it is ready
            last_error = error
        time.sleep(interval)
    if callable(message):
        message = message()
    raise TimeoutError(f"{message} (after {timeout}s; last error: {last_error})")


def free_port(preferred: int) -> int:
    """`preferred` if nothing listens there, else any free port."""
    for port in (preferred, 0):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return probe.getsockname()[1]
    raise RuntimeError("no free port")


def missing_tools() -> list[str]:
    tools = [str(PG_BIN / "initdb"), str(PG_BIN / "pg_ctl"), "redis-server"]
    return [tool for tool in tools if shutil.which(tool) is None]


class OwnPostgres:
    """A throwaway PostgreSQL 15 cluster (trust auth, loopback only) that can be restarted."""

    def __init__(self, port: int = 55432):
        self.port = free_port(port)
        self.root = Path(tempfile.mkdtemp(prefix="cw-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.as_postgres = os.geteuid() == 0  # initdb refuses to run as root

    def _run(self, *command: str, timeout: float = 60) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if self.as_postgres else []
        subprocess.run([*prefix, *command], check=True, capture_output=True, timeout=timeout)

    def init(self) -> OwnPostgres:
        if self.as_postgres:
            shutil.chown(self.root, "postgres", "postgres")
        self._run(
            str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust",
            "-E", "UTF8", "--no-sync",
        )  # fmt: skip
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"\nport = {self.port}\nlisten_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{self.root}'\nfsync = off\n"
                "full_page_writes = off\nsynchronous_commit = off\nmax_connections = 200\n"
            )
        return self

    def start(self) -> None:
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", "-t", "30", "start")  # fmt: skip
        wait_for(self.is_up, 30, "own PostgreSQL did not come up")

    def stop(self, mode: str = "fast") -> None:
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", "30", "stop")  # fmt: skip

    def is_up(self) -> bool:
        import psycopg

        with psycopg.connect(self.url("postgres"), connect_timeout=2) as conn:
            return conn.execute("SELECT 1").fetchone() == (1,)

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> None:
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')

    def query(self, database: str, sql: str, params=()) -> list[tuple]:
        import psycopg

        with psycopg.connect(self.url(database), connect_timeout=5) as conn:
            return conn.execute(sql, params).fetchall()

    def destroy(self) -> None:
        with contextlib.suppress(Exception):
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


class OwnRedis:
    """A throwaway Redis without persistence that can be stopped and started on the same port."""

    def __init__(self, port: int = 6390):
        self.port = free_port(port)
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--loglevel", "warning"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for(self.is_up, 20, "own Redis did not come up")

    def is_up(self) -> bool:
        import redis

        client = redis.Redis(port=self.port, socket_connect_timeout=1, socket_timeout=1)
        try:
            return bool(client.ping())
        finally:
            client.close()

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
            self.process = None

    def url(self, db: int) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"


def app_env(postgres: OwnPostgres, database: str, redis: OwnRedis, **extra: str) -> dict:
    """Production-like settings for the app's processes, pointed at the private services."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DATABASE_", "REDIS_", "CELERY_", "DJANGO_", "PYTEST"))
    }
    env |= {
        "DEBUG": "0",
        "SECRET_KEY": "fault-tests-only-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": postgres.url(database),
        "CONN_MAX_AGE": "60",
        "REDIS_URL": redis.url(0),
        "CELERY_BROKER_URL": redis.url(1),
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "STATIC_MANIFEST": "0",
        "SOURCES_FETCH_ALLOW": "127.0.0.1",
        "SOURCES_PER_HOST_CONCURRENCY": "8",
        "CELERY_VISIBILITY_TIMEOUT": "4",
        "CELERY_UNACKED_RESTORE_INTERVAL": "1",
        "CELERY_UNACKED_RESTORE_THROTTLE": "1",
        "LOG_FORMAT": "json",
        "API_THROTTLE_ANON": "100000/minute",
        "API_THROTTLE_USER": "100000/minute",
        "PYTHONUNBUFFERED": "1",
    }
    return env | extra


def manage(env: dict, *args: str, timeout: float = 180) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stderr[-4000:]}")
    return done.stdout


def django_script(env: dict, code: str, timeout: float = 120):
    """Run Python in the app's environment (Django set up); returns the JSON it prints last."""
    out = manage(env, "shell", "-c", code, timeout=timeout)
    return json.loads(out.strip().splitlines()[-1])


class AppProcess:
    """One long-running process of the app (gunicorn, celery worker or beat) with its log."""

    def __init__(self, name: str, command: list[str], env: dict, log_dir: Path):
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        self.log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Signal the whole process group (gunicorn and prefork workers have children)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, sig)

    def stop(self, timeout: float = 15) -> None:
        stop_process(self.process, timeout=timeout)
        self.log.close()

    def tail(self, lines: int = 60) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return ""


def gunicorn(
    env: dict, port: int, log_dir: Path, workers: int = 2, name: str = "web", urlconf_env=None
):
    command = [
        str(VENV_BIN / "gunicorn"), "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers), "--timeout", "30", "--graceful-timeout", "5",
    ]  # fmt: skip
    process = AppProcess(name, command, env | (urlconf_env or {}), log_dir)
    import httpx

    try:
        wait_for(
            lambda: httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200,
            60,
            "gunicorn did not answer /healthz",
        )
    except TimeoutError:
        process.stop()
        raise TimeoutError(process.tail()) from None
    return process


def worker_command(name: str, concurrency: int = 1, pool: str = "solo") -> list[str]:
    return [
        str(VENV_BIN / "celery"), "-A", "config", "worker", f"--pool={pool}",
        f"--concurrency={concurrency}", "--without-mingle", "--without-gossip", "-l", "INFO",
        "-n", f"{name}@%h",
    ]  # fmt: skip


def celery_worker(env: dict, name: str, log_dir: Path, concurrency: int = 1, pool: str = "solo"):
    return AppProcess(name, worker_command(name, concurrency, pool), env, log_dir)


def current_database_url() -> str:
    """The URL of the database the running tests use (a worker process must share it)."""
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return (
        f"postgres://{db.get('USER') or 'postgres'}{password}@{db.get('HOST') or '127.0.0.1'}:"
        f"{db.get('PORT') or 5432}/{db['NAME']}"
    )


def start_worker_process(name: str, log: Path, **extra_env: str) -> subprocess.Popen:
    """A Celery worker process on the tests' database and broker, with quick redelivery."""
    env = {
        **os.environ,
        "DATABASE_URL": current_database_url(),
        "CELERY_VISIBILITY_TIMEOUT": "4",
        "CELERY_UNACKED_RESTORE_INTERVAL": "1",
        "CELERY_UNACKED_RESTORE_THROTTLE": "1",
        "SOURCES_TOTAL_TIMEOUT": "60",
        "SOURCES_PER_HOST_CONCURRENCY": "8",
        **extra_env,
    }
    return subprocess.Popen(
        worker_command(name), cwd=REPO, env=env, stdout=log.open("wb"),
        stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip


def stop_process(process: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 20):
    """Signal the process's group (it was started in a session of its own), then wait;
    whatever is still there after `timeout` is killed."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


def celery_beat(env: dict, name: str, log_dir: Path):
    command = [
        str(VENV_BIN / "celery"), "-A", "config", "beat", "-l", "INFO",
        "--pidfile", str(log_dir / f"{name}.pid"),
    ]  # fmt: skip
    return AppProcess(name, command, env, log_dir)
