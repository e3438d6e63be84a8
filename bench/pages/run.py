"""The pages benchmark (issue 15): the client file side by side with the framework
floor, the Django admin change page of the same file and the list page, in ONE run
of one gunicorn (``recouvrement/gunicorn.conf.py``), on SQLite and PostgreSQL.

    .venv/bin/python bench/pages/run.py --databases sqlite,postgres \\
        --pg-url postgres://postgres@127.0.0.1:5432/bench_pages --rounds 4 --duration 8

For each database: a fresh database with the benchmark file (build.py), the static
files collected, gunicorn started with the product's configuration (only the bind
address, the settings module — the product's plus the floor view, bench_settings.py
— and worker recycling turned off so that no round pays a worker's start), a signed-in
session (the real login form), then ``wrk -t2 -c10`` on each page in turn, page after
page, ``--rounds`` times (A B C D A B C D …), with ``Accept-Encoding: gzip`` as a
browser sends it. For each page: requests per second (wrk) and the CPU the gunicorn
processes spent per request (utime + stime from /proc: live workers, plus what the
master holds of the workers it reaped), medians over the rounds. The database
server's own CPU (PostgreSQL's backends) is not in that figure. Prints one JSON line
per page and database, then a Markdown table.

The client file twice: as an agent opens it again (its content served from the cache,
fiche/caching.py), and « rendered », every request with a query string of its own
(bench/pages/miss.lua), what the page costs the first time after a write.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
OUT = ROOT / "bench" / "out" / "pages"
PYTHON = str(ROOT / ".venv" / "bin" / "python")
TICKS = os.sysconf("SC_CLK_TCK")


#: pages requested through a wrk script: the client file with a new query string each
#: time, so that its content is rendered on every request (no cache hit).
SCRIPTS = {"client file, rendered": HERE / "miss.lua"}


def pages(dossier: int) -> dict[str, str]:
    return {
        "client file": f"/dossiers/{dossier}/",
        "client file, rendered": f"/dossiers/{dossier}/",
        "floor": f"/bench/floor/{dossier}/",
        "admin change page": f"/admin/dossiers/dossier/{dossier}/change/",
        "list": "/dossiers/?vue=tous",
    }


def database_env(database: str, pg_url: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench_settings",
        "PYTHONPATH": f"{HERE}:{ROOT}",
        "DJANGO_HTTPS": "0",
        "DJANGO_DEBUG": "0",
        "RECOUVREMENT_VAR_DIR": str(OUT / "var"),
        "DJANGO_STATIC_ROOT": str(OUT / "static"),
        "DJANGO_LOG_LEVEL": "WARNING",
    }
    env.pop("DATABASE_URL", None)
    if database == "postgres":
        env["DATABASE_URL"] = pg_url
    else:
        env["SQLITE_PATH"] = str(OUT / "pages.sqlite3")
    return env


def fresh_database(database: str, pg_url: str) -> None:
    if database == "postgres":
        import psycopg

        name = urllib.parse.urlparse(pg_url).path.lstrip("/")
        assert "pages" in name, "the benchmark only drops a database named after it"
        admin_url = pg_url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(str(OUT / "pages.sqlite3") + suffix).unlink(missing_ok=True)


def process_cpu(pid: int) -> tuple[float, float]:
    """(own CPU, reaped children's CPU) in seconds, from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    utime, stime, cutime, cstime = (int(v) for v in fields[11:15])
    return (utime + stime) / TICKS, (cutime + cstime) / TICKS


def gunicorn_cpu(master: int) -> float:
    """CPU of the master, its live workers and the workers it reaped."""
    own, reaped = process_cpu(master)
    total = own + reaped
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            if ppid == master:
                total += process_cpu(int(entry))[0]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


def sign_in(base: str, username: str, password: str) -> str:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    html = opener.open(f"{base}/connexion/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    data = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "username": username, "password": password}
    ).encode()
    opener.open(urllib.request.Request(f"{base}/connexion/", data=data, headers={"Referer": base}))
    cookies = {c.name: c.value for c in jar}
    assert "sessionid" in cookies, "sign-in failed"
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def wrk(
    url: str, cookie: str, duration: float, connections: int, script: Path | None = None
) -> tuple[float, int, int]:
    out = subprocess.run(
        [
            "wrk", "-t2", f"-c{connections}", f"-d{int(duration)}s", "--timeout", "60s",
            "-H", f"Cookie: {cookie}", "-H", "Accept-Encoding: gzip",
            *(["-s", str(script)] if script else []), url,
        ],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, requests, int(bad.group(1)) if bad else 0


def bench_database(database: str, args) -> list[dict]:
    env = database_env(database, args.pg_url)
    OUT.mkdir(parents=True, exist_ok=True)
    fresh_database(database, args.pg_url)
    built = json.loads(
        subprocess.run(
            [PYTHON, str(HERE / "build.py")], env=env, cwd=ROOT, check=True,
            capture_output=True, text=True,
        ).stdout.strip().splitlines()[-1]
    )  # fmt: skip
    subprocess.run(
        [PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], env=env, cwd=ROOT, check=True
    )
    port = args.port
    server_env = {
        **env,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_MAX_REQUESTS": "0",
        "GUNICORN_ACCESS_LOG": str(OUT / f"access-{database}.log"),
        "GUNICORN_ERROR_LOG": str(OUT / f"error-{database}.log"),
    }
    gunicorn = str(ROOT / ".venv" / "bin" / "gunicorn")
    server = subprocess.Popen(
        [gunicorn, "-c", str(ROOT / "recouvrement" / "gunicorn.conf.py")],
        env=server_env, cwd=ROOT, start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/connexion/", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        cookie = sign_in(base, built["username"], built["password"])
        urls = pages(built["dossier"])
        for name, url in urls.items():  # warm-up: every worker loads its templates
            wrk(base + url, cookie, 5, args.connections, SCRIPTS.get(name))
        samples: dict[str, list[tuple[float, float, int]]] = {name: [] for name in urls}
        for _ in range(args.rounds):
            for name, url in urls.items():
                before = gunicorn_cpu(server.pid)
                # The admin page takes seconds under load: a longer round, enough requests.
                duration = args.duration * (3 if name == "admin change page" else 1)
                rps, requests, bad = wrk(
                    base + url, cookie, duration, args.connections, SCRIPTS.get(name)
                )
                cpu = gunicorn_cpu(server.pid) - before
                assert bad == 0, f"{name}: {bad} responses not 2xx/3xx"
                assert requests, f"{name}: no request completed in {args.duration} s"
                samples[name].append((rps, cpu * 1000 / requests, requests))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    rows = []
    for name, values in samples.items():
        rows.append(
            {
                "database": database,
                "page": name,
                "req_s": round(statistics.median(v[0] for v in values), 1),
                "cpu_ms": round(statistics.median(v[1] for v in values), 2),
                "rounds": [(round(v[0], 1), round(v[1], 2)) for v in values],
            }
        )
        print(json.dumps(rows[-1]), flush=True)
    return rows


def table(rows: list[dict]) -> str:
    lines = [
        "| page | database | req/s | CPU ms/req | × floor (req/s) | client file ÷ this (req/s) |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for row in rows:
        same = {r["page"]: r for r in rows if r["database"] == row["database"]}
        floor, file = same["floor"]["req_s"], same["client file"]["req_s"]
        lines.append(
            f"| {row['page']} | {row['database']} | {row['req_s']} | {row['cpu_ms']} "
            f"| {row['req_s'] / floor:.2f} | {file / row['req_s']:.1f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/bench_pages"),
    )
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--duration", type=int, default=8)
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")
    rows = []
    for database in args.databases.split(","):
        rows += bench_database(database, args)
    print(table(rows))


if __name__ == "__main__":
    main()
