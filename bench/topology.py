"""The horizontal topology on loopback (issue 9): PostgreSQL, Redis, N gunicorn app instances, M schedulers, nginx.

    script/topology                     # up until Ctrl-C: 2 app instances, 2 schedulers, nginx; prints the URLs
    script/topology --county 60         # … with a bench county (bench/checkins_data.py) of 60 subjects

Everything runs as this machine's processes in one temporary directory, removed on exit: a throwaway PostgreSQL
15 cluster (as the `postgres` user when root, tech-notes §9; durable settings), migrated with `flask db upgrade`;
redis-server for the abuse limits (production refuses per-process counting); the app instances with
deploy/gunicorn.conf.py on free ports, `SQJZ_CONFIG=production`; `python -m scheduler` processes; and nginx as an
unprivileged foreground process (www-data when root) with a generated configuration that includes
deploy/nginx/sqjz-proxy.conf. Production's secrets are throwaway values from the testing configuration, WeChat's
API base a closed loopback port, so nothing leaves the machine.

bench/topology_checks.py uses the `Topology` class for the scaling and failover checks.
"""

import argparse
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import checkins_data as data
from checkins_wsgi import build

from correction.db import db

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
PROXY_CONF = ROOT / "deploy" / "nginx" / "sqjz-proxy.conf"
GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"
STATIC = ROOT / "mobile_api" / "console" / "static"
# Durable writes as in production (tech-notes §8, §9); connections for 2 instances × 4 workers × a pool of 10,
# two schedulers, the harness.
PG_SETTINGS = ("-c listen_addresses=127.0.0.1 -c max_connections=150 -c shared_buffers=256MB "
               "-c max_wal_size=2GB -c checkpoint_timeout=15min")
# Production's required secrets: throwaway values (those of config/settings.py's Testing class).
SECRETS = {
    "SECRET_KEY": "testing-secret-key-0123456789abcdef-0123456789",
    "ID_NUMBER_KEYS": "dGVzdGluZy1pZC1udW1iZXIta2V5LTAwMDAwMDAwMDA=",
    "ID_INDEX_KEY": "testing-id-index-key",
    "VAPID_PRIVATE_KEY": "RvaIbpW3rdNc-eSSEG5hoh0HY8ozy3RZy-GxOjVTxqE",
    "VAPID_PUBLIC_KEY": "BMQTo4RvRDFOA7tU22mC9OwmDpsqCUwEVIm_Zt1vZSklu6_ac51Emc_dSOoNjOQSGHm-qH9hwmUn6CcMJQGb2b0",
    "VAPID_SUBJECT": "mailto:sqjz-topology@example.com",
    "WECHAT_APPID": "topology-placeholder-appid",
    "WECHAT_SECRET": "topology-placeholder-secret",
    "WECHAT_API_BASE": "http://127.0.0.1:9",
}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise RuntimeError(f"timed out after {seconds:.0f} s waiting for {what}")


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:
            return answer.status == 200
    except OSError:
        return False


def accepts(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


@dataclass
class Process:
    """A child in its own process group, its output in a log file."""

    name: str
    command: list[str]
    log_path: Path
    env: dict
    port: int | None = None
    popen: subprocess.Popen | None = field(default=None, repr=False)

    def start(self) -> "Process":
        with self.log_path.open("ab") as out:  # the child keeps its own handle
            self.popen = subprocess.Popen(self.command, stdout=out, stderr=subprocess.STDOUT, env=self.env,
                                          cwd=ROOT, start_new_session=True)
        return self

    @property
    def pid(self) -> int:
        return self.popen.pid

    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def signal(self, signum: int) -> None:
        if self.running():
            os.killpg(self.popen.pid, signum)

    def stop(self, seconds: float = 30) -> None:
        """SIGTERM, then SIGKILL after `seconds`; waits for the process either way."""
        if not self.running():
            return
        self.signal(signal.SIGTERM)
        try:
            self.popen.wait(seconds)
        except subprocess.TimeoutExpired:
            self.signal(signal.SIGKILL)
            self.popen.wait(10)


class Cluster:
    """A throwaway PostgreSQL 15 cluster on a free loopback port (as `postgres` when root: tech-notes §9)."""

    def __init__(self, work: Path, settings: str = PG_SETTINGS):
        self.dir, self.settings = work / "pg", settings
        self.bindir = Path(subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True,
                                          check=True).stdout.strip())
        self.as_pg = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        self.port = free_port()
        self.started = False

    def _pg(self, *command: str) -> None:
        subprocess.run([*self.as_pg, *command], check=True, stdout=subprocess.DEVNULL)

    def start(self, database: str) -> str:
        """initdb, start, create `database`; returns its SQLAlchemy URL."""
        self.dir.mkdir()
        if self.as_pg:
            shutil.chown(self.dir, "postgres")
        self._pg(str(self.bindir / "initdb"), "-D", str(self.dir / "data"), "-U", "sqjz", "--auth=trust", "-E",
                 "UTF8", "--locale=C.UTF-8")
        self._pg(str(self.bindir / "pg_ctl"), "-D", str(self.dir / "data"), "-l", str(self.dir / "log"), "-w",
                 "start", "-o", f"-p {self.port} -k {self.dir} {self.settings}")
        self.started = True
        subprocess.run([str(self.bindir / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "sqjz",
                        database], check=True)
        return f"postgresql+psycopg://sqjz@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        if self.started:
            subprocess.run([*self.as_pg, str(self.bindir / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "fast",
                            "-w", "stop"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self.started = False


def nginx_config(work: Path, port: int, upstreams: dict[str, list[int]]) -> str:
    """nginx.conf for an unprivileged foreground nginx: one server per upstream, the first on `port`, each next
    on the port after (e.g. `all` on port, `one` on port + 1)."""
    blocks = []
    for index, (name, ports) in enumerate(upstreams.items()):
        servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=3 fail_timeout=10s;" for p in ports)
        blocks.append(f"""
    upstream sqjz_{name} {{
        least_conn;
{servers}
    }}
    server {{
        listen 127.0.0.1:{port + index};
        client_max_body_size 6m;
        location /console/static/ {{ alias {STATIC}/; expires 1h; }}
        location / {{
            include {PROXY_CONF};
            proxy_pass http://sqjz_{name};
        }}
    }}""")
    temp = "\n".join(f"    {kind}_temp_path {work}/nginx-{kind};" for kind in
                     ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return f"""daemon off;
worker_processes 1;  # the box has 2 cores shared with every other process here
pid {work}/nginx.pid;
error_log {work}/nginx-error.log warn;
events {{ worker_connections 1000; }}
http {{
    include /etc/nginx/mime.types;
    access_log off;
{temp}
{''.join(blocks)}
}}
"""


class Topology:
    """PostgreSQL, Redis, app instances, schedulers and nginx on loopback; `with Topology(...) as t:` or
    `up()`/`down()`. Methods start each part, so a harness can act between them (create a table, seed)."""

    def __init__(self, work: Path | None = None, workers: int | None = None, app_entry: str = "wsgi:app"):
        self._tmp = None if work else tempfile.TemporaryDirectory(prefix="sqjz-topology-")
        self.work = work or Path(self._tmp.name)
        os.chmod(self.work, 0o755)  # nginx's workers (www-data) read its configuration here
        self.workers, self.app_entry = workers or 2 * (os.cpu_count() or 1), app_entry
        self.cluster = Cluster(self.work)
        self.apps: list[Process] = []
        self.schedulers: list[Process] = []
        self.redis = self.nginx = None
        self.database_url = None
        self.env = {**os.environ, **SECRETS, "SQJZ_CONFIG": "production", "TRUSTED_PROXIES": "1",
                    "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "bench"), os.environ.get("PYTHONPATH", "")])}

    # ---------------------------------------------------------------------------------------- the parts --

    def start_database(self) -> str:
        self.database_url = self.cluster.start("sqjz")
        self.env["DATABASE_URL"] = self.database_url
        log(f"==> PostgreSQL on 127.0.0.1:{self.cluster.port}; migrating")
        # The testing configuration: migrating needs the database only (production also wants the Redis URL).
        done = subprocess.run([str(VENV_BIN / "flask"), "--app", "wsgi", "db", "upgrade"], cwd=ROOT, text=True,
                              env={**self.env, "SQJZ_CONFIG": "testing"}, capture_output=True)
        if done.returncode:
            raise RuntimeError(f"flask db upgrade failed:\n{done.stderr[-3000:]}")
        return self.database_url

    def start_redis(self) -> None:
        port = free_port()
        self.redis = Process("redis", ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "",
                                       "--appendonly", "no"], self.work / "redis.log", self.env, port).start()
        wait_until(lambda: accepts(port), 20, "redis-server")
        self.env["RATELIMIT_STORAGE_URI"] = f"redis://127.0.0.1:{port}/0"

    def app_process(self, number: int, port: int | None = None) -> Process:
        port = port or free_port()
        env = {**self.env, "SQJZ_BIND": f"127.0.0.1:{port}", "SQJZ_WORKERS": str(self.workers)}
        command = [str(VENV_BIN / "gunicorn"), "--config", str(GUNICORN_CONF), "--access-logfile", "/dev/null",
                   "--log-level", "warning", self.app_entry]
        return Process(f"app{number}", command, self.work / f"app{number}.log", env, port)

    def start_apps(self, count: int) -> None:
        for number in range(len(self.apps) + 1, len(self.apps) + count + 1):
            self.apps.append(self.app_process(number).start())
        for app in self.apps:
            wait_until(lambda a=app: answers(f"http://127.0.0.1:{a.port}/healthz"), 90, f"{app.name} /healthz")

    def restart_app(self, index: int) -> None:
        """Start an app instance again on its port (after stop or kill)."""
        old = self.apps[index]
        self.apps[index] = app = self.app_process(index + 1, old.port).start()
        wait_until(lambda: answers(f"http://127.0.0.1:{app.port}/healthz"), 90, f"{app.name} /healthz")

    def start_schedulers(self, count: int, registry: str | None = None, lease_seconds: int | None = None) -> None:
        extra = (["--registry", registry] if registry else []) + (
            ["--lease-seconds", str(lease_seconds)] if lease_seconds else [])
        for number in range(len(self.schedulers) + 1, len(self.schedulers) + count + 1):
            self.schedulers.append(Process(f"scheduler{number}", [sys.executable, "-m", "scheduler", *extra],
                                           self.work / f"scheduler{number}.log", self.env).start())

    def start_nginx(self, upstreams: dict[str, list[int]] | None = None) -> None:
        """nginx in front: by default one server `all` over every app instance."""
        upstreams = upstreams or {"all": [app.port for app in self.apps]}
        port = free_port()
        while not all(not accepts(port + i) for i in range(len(upstreams))):
            port = free_port()
        conf = self.work / "nginx.conf"
        conf.write_text(nginx_config(self.work, port, upstreams))
        command = ["nginx", "-e", str(self.work / "nginx-error.log"), "-c", str(conf), "-p", str(self.work)]
        if os.geteuid() == 0:  # never as root: the master too runs as www-data, on ports above 1024
            user = pwd.getpwnam("www-data")
            for path in [self.work, *self.work.glob("nginx*")]:
                os.chown(path, user.pw_uid, user.pw_gid)
            command = ["runuser", "-u", "www-data", "--", *command]
        self.nginx = Process("nginx", command, self.work / "nginx.log", self.env, port).start()
        self.nginx_ports = {name: port + i for i, name in enumerate(upstreams)}
        for name, p in self.nginx_ports.items():
            wait_until(lambda p=p: answers(f"http://127.0.0.1:{p}/healthz"), 20, f"nginx ({name})")

    # ---------------------------------------------------------------------------------------- the whole --

    def up(self, apps: int = 2, schedulers: int = 2) -> "Topology":
        try:
            self.start_database()
            self.start_redis()
            self.start_apps(apps)
            self.start_schedulers(schedulers)
            self.start_nginx()
        except BaseException:
            self.down()
            raise
        return self

    def down(self) -> None:
        """Stop everything and remove the directory; a second Ctrl-C does not interrupt it half-way."""
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, signal.SIG_IGN)
        for process in [self.nginx, *self.apps, *self.schedulers, self.redis]:
            if process is not None:
                process.stop()
        self.cluster.stop()
        if self._tmp is not None:
            self._tmp.cleanup()

    def __enter__(self) -> "Topology":
        return self

    def __exit__(self, *exc) -> None:
        self.down()

    def urls(self) -> list[tuple[str, str]]:
        found = [(f"nginx ({name})", f"http://127.0.0.1:{port}/") for name, port in self.nginx_ports.items()]
        found += [(f"{app.name} (gunicorn, pid {app.pid})", f"http://127.0.0.1:{app.port}/") for app in self.apps]
        found += [(f"{s.name} (pid {s.pid})", str(s.log_path)) for s in self.schedulers]
        found += [("PostgreSQL", self.database_url), ("Redis", self.env["RATELIMIT_STORAGE_URI"]),
                  ("logs", str(self.work))]
        return found


def seed_county(database_url: str, subjects: int, seed_value: int) -> dict:
    """The bench county (bench/checkins_data.py) in the topology's database, as bench/checkins.py seeds it."""
    os.environ.update(SECRETS, SQJZ_CONFIG="production", DATABASE_URL=database_url)
    app = build("synchronous_commit=off")
    with app.app_context():
        counts = data.seeded(db.engine) or data.seed(subjects, seed_value, 0.04)
        data.save_state(counts)
        db.session.remove()
        db.engine.dispose()
    return counts


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="sqjz's horizontal topology on loopback, until Ctrl-C.")
    parser.add_argument("--apps", type=int, default=2, help="gunicorn app instances")
    parser.add_argument("--schedulers", type=int, default=2, help="python -m scheduler processes")
    parser.add_argument("--workers", type=int, default=None, help="sync workers per instance (default 2 × cores)")
    parser.add_argument("--county", type=int, default=0, help="seed a bench county of this many subjects")
    args = parser.parse_args(argv)
    stop = []
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):  # SIGINT too: a background job ignores it
        signal.signal(signum, lambda *_: stop.append(1))
    with Topology(workers=args.workers) as topology:
        topology.start_database()
        if args.county:
            log(f"==> seeding a bench county of {args.county} subjects")
            seed_county(topology.database_url, args.county, 2023)
        topology.start_redis()
        topology.start_apps(args.apps)
        topology.start_schedulers(args.schedulers)
        topology.start_nginx()
        print("sqjz topology is up:")
        for name, url in topology.urls():
            print(f"  {name:<34} {url}")
        print("Ctrl-C stops everything and removes the directory.", flush=True)
        while not stop:
            time.sleep(0.5)
        log("==> stopping")
    return 0


if __name__ == "__main__":
    sys.exit(main())
