"""Sustained declaration submissions against ``icrms serve``, from a separate load process.

Builds a demo workspace (generated history, a promoted model), brings the active profiles to
``--profiles`` with generated ones, starts ``icrms serve`` as its own process, and sends
10-item declarations at a fixed rate (open loop: requests leave on schedule whether or not
earlier ones returned). Reports p50/p99 latency, errors and the server's memory at start and
end; then steps the rate up to find the highest one whose p99 stays within 10 ms.

    python bench/api_load.py --rate 200 --seconds 60

Prints one JSON line with the figures and the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import pyarrow.compute as pc
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ingest import machine
from profiles_gen import generated_profiles

RUN = f"{int(time.time()) % 100_000:05d}"  # new declaration ids in every run (no replays)
IN_FLIGHT = 128  # requests on the wire at once
TIMEOUT = 10.0  # seconds from a request's due time to giving up on it


def say(message: str) -> None:
    """Progress on stderr (the figures go to stdout)."""
    print(f"{time.strftime('%H:%M:%S')} {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its workers so far."""
    tick = os.sysconf("SC_CLK_TCK")
    children = Path(f"/proc/{pid}/task/{pid}/children")
    pids = [pid, *(int(k) for k in children.read_text().split())] if children.exists() else [pid]
    total = 0
    for p in pids:
        fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


def copy_store(source_url: str, target_url: str) -> None:
    """Copy every operational table (the demo's SQLite store) into a fresh PostgreSQL store."""
    from sqlalchemy import insert, inspect, select, text

    from icrms.core.db import Base, Store
    from icrms.core.tables import import_all

    import_all()
    source, target = Store(source_url, upgrade=False), Store(target_url)
    with target.engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())
    with source.engine.connect() as read, target.engine.begin() as write:
        for table in Base.metadata.sorted_tables:
            rows = [dict(r._mapping) for r in read.execute(select(table))]
            for start in range(0, len(rows), 5000):
                write.execute(insert(table), rows[start : start + 5000])
            keys = list(table.primary_key.columns)
            if rows and len(keys) == 1 and keys[0].autoincrement in (True, "auto"):
                key = keys[0].name  # a serial key: continue after the copied rows
                sequence = write.scalar(
                    text(f"SELECT pg_get_serial_sequence('{table.name}', '{key}')")
                )
                if sequence:
                    write.execute(
                        text(f"SELECT setval('{sequence}', (SELECT max({key}) FROM {table.name}))")
                    )
    assert inspect(target.engine).has_table("audit_head")
    source.dispose()
    target.dispose()


def stored_assessments(home: Path) -> int:
    """Assessments in the store (every worker's), to count what the server did."""
    from sqlalchemy import func, select

    from icrms.core.db import Store
    from icrms.selectivity.tables import AssessmentRow
    from icrms.settings import Settings

    store = Store(Settings(home=home).store_url, upgrade=False)
    with store.session() as s:
        count = s.scalar(select(func.count()).select_from(AssessmentRow)) or 0
    store.dispose()
    return count


def server_rss_mb(pid: int) -> float:
    """Resident memory of the server and its worker processes (uvicorn forks workers)."""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    kids = [int(k) for k in children.read_text().split()] if children.exists() else []
    return round(rss_mb(pid) + sum(rss_mb(k) for k in kids), 1)


def prepare(home: Path, declarations: int, profiles: int) -> str:
    """Demo workspace, ``profiles`` active profiles, a system token; returns the token."""
    env = {**os.environ, "ICRMS_HOME": str(home)}
    demo = subprocess.run(
        [
            sys.executable,
            "-m",
            "icrms",
            "demo",
            "--declarations",
            str(declarations),
            "--no-serve",
            "--json",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if demo.returncode != 0:
        raise SystemExit(demo.stderr)
    os.environ["ICRMS_HOME"] = str(home)
    from icrms.auth import service as auth
    from icrms.auth.schemas import Role, TokenCreate
    from icrms.core.db import Store
    from icrms.profiles import service
    from icrms.profiles.schemas import ProfileCreate
    from icrms.settings import Settings

    settings = Settings(home=home)
    store = Store(settings.store_url)
    items = pq.read_table(home / "demo" / "declarations.parquet")
    table = items.append_column("hs6", pc.utf8_slice_codeunits(items.column("hs_code"), 0, 6))
    table = table.append_column("hs4", pc.utf8_slice_codeunits(items.column("hs_code"), 0, 4))
    table = table.append_column(
        "unit_value", pc.divide(items.column("customs_value"), items.column("net_mass_kg"))
    )
    with store.session() as s:
        active = len(service.list_profiles(s, status="active"))
        extra = generated_profiles(table, max(profiles - active, 0))
        for p in extra:
            spec = ProfileCreate.model_validate(
                p.model_dump(include=set(ProfileCreate.model_fields))
            )
            service.add_profile(s, profile=spec, actor="bench")
            service.set_status(
                s, code=spec.code, status="active", actor="bench", approved_by="bench-2"
            )
        token = auth.create_token(
            s, token=TokenCreate(name="bench-cdps", role=Role.system), actor="bench"
        ).token
    store.dispose()
    return token


def declarations(home: Path, count: int) -> list[dict[str, Any]]:
    """10-item declarations built from the generated history (items repeated where fewer)."""
    rows = pq.read_table(home / "demo" / "declarations.parquet").to_pylist()
    by_id: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_id.setdefault(row["declaration_id"], []).append(row)
    from icrms.declarations.schemas import DeclarationCreate

    out = []
    for items in list(by_id.values())[:count]:
        base = DeclarationCreate.from_item_rows(items).model_dump(
            mode="json", exclude_computed_fields=True
        )
        first = base["items"]
        base["items"] = [{**first[i % len(first)], "item_no": i + 1} for i in range(10)]
        out.append(base)
    return out


async def run_rate(
    url: str, token: str, pool: list[dict[str, Any]], rate: float, seconds: float, start_no: int
) -> dict[str, Any]:
    """Send ``rate`` requests a second for ``seconds``; latencies of every answer."""
    latencies: list[float] = []
    errors: dict[str, int] = {}
    total = int(rate * seconds)
    # at most IN_FLIGHT requests at once; the others wait here (an asyncio queue is cheap,
    # httpx's own pool queue is not with thousands waiting). Latency counts from the moment a
    # request was due, so waiting here is part of it; a request not answered within
    # TIMEOUT seconds of being due counts as an error.
    gate = asyncio.Semaphore(IN_FLIGHT)
    limits = httpx.Limits(max_connections=IN_FLIGHT, max_keepalive_connections=IN_FLIGHT)
    async with httpx.AsyncClient(
        base_url=url, headers={"Authorization": f"Bearer {token}"}, limits=limits, timeout=TIMEOUT
    ) as client:

        async def one(n: int, due: float) -> None:
            body = dict(pool[n % len(pool)])
            body["declaration_id"] = f"L{RUN}{start_no + n:08d}-{body['declaration_id']}"[:64]
            try:
                async with asyncio.timeout(TIMEOUT):
                    async with gate:
                        response = await client.post("/api/v1/declarations", json=body)
                status = str(response.status_code)
            except TimeoutError:
                status = "timeout"
            except httpx.HTTPError as exc:
                status = type(exc).__name__
            latencies.append(time.perf_counter() - due)
            if status != "201":
                errors[status] = errors.get(status, 0) + 1

        t0 = time.perf_counter()
        tasks = []
        for n in range(total):
            due = t0 + n / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(n, due)))
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - t0
    latencies.sort()

    def pct(q: float) -> float:
        return round(1000 * latencies[min(len(latencies) - 1, int(q * len(latencies)))], 2)

    return {
        "rate": rate,
        "seconds": seconds,
        "requests": total,
        "achieved_rate": round(total / elapsed, 1),  # requests due / time to the last answer
        "p50_ms": pct(0.50),
        "p90_ms": pct(0.90),
        "p99_ms": pct(0.99),
        "max_ms": round(1000 * latencies[-1], 2),
        "errors": errors,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--declarations", type=int, default=20_000, help="demo history size")
    parser.add_argument("--profiles", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument(
        "--search",
        default="25,50,75,100,150,200",
        help="rates to step through, ascending; stops at the first that misses p99 <= 10 ms",
    )
    parser.add_argument("--workers", type=int, default=1, help="server worker processes")
    parser.add_argument(
        "--store-url",
        default=None,
        help="serve from this PostgreSQL store (the prepared workspace's store is copied there)",
    )
    parser.add_argument("--step-seconds", type=float, default=15)
    parser.add_argument("--home", type=Path, default=None, help="reuse a prepared workspace")
    args = parser.parse_args()

    home = args.home or Path(tempfile.mkdtemp(prefix="icrms-api-load-")) / "ws"
    token_file = home / "bench-token"
    if token_file.exists():
        token = token_file.read_text().strip()
    else:
        token = prepare(home, args.declarations, args.profiles)
        token_file.write_text(token)
    pool = declarations(home, 5000)
    port = free_port()
    env = {**os.environ, "ICRMS_HOME": str(home)}
    if args.store_url:
        say("copying the workspace's store to PostgreSQL")
        copy_store(f"sqlite:///{home / 'icrms.sqlite'}", args.store_url)
        env["ICRMS_DATABASE_URL"] = os.environ["ICRMS_DATABASE_URL"] = args.store_url
    log = (home / "serve.log").open("ab")  # a pipe nobody reads would block the server
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "icrms",
            "serve",
            "--port",
            str(port),
            "--workers",
            str(args.workers),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit("server did not start")
            time.sleep(0.5)
        say("server ready; warming up")
        load_start = os.getloadavg()
        warm = asyncio.run(run_rate(url, token, pool, 20, 5, 0))
        memory_start = server_rss_mb(server.pid)
        say(f"sustained: {args.rate}/s for {args.seconds} s")
        cpu_start, stored_start = cpu_seconds(server.pid), stored_assessments(home)
        sustained = asyncio.run(run_rate(url, token, pool, args.rate, args.seconds, 10_000_000))
        time.sleep(2)  # requests the client gave up on may still be finishing
        stored = stored_assessments(home) - stored_start
        sustained["stored_by_server"] = stored
        sustained["server_cpu_ms_per_submission"] = round(
            1000 * (cpu_seconds(server.pid) - cpu_start) / max(stored, 1), 2
        )
        memory_end = server_rss_mb(server.pid)
        steps = []
        for i, rate in enumerate(float(r) for r in args.search.split(",")):
            say(f"step: {rate}/s for {args.step_seconds} s")
            step = asyncio.run(
                run_rate(url, token, pool, rate, args.step_seconds, 20_000_000 * (i + 2))
            )
            steps.append(step)
            if step["p99_ms"] > 10 or step["errors"]:
                break  # higher rates only queue more
        within = [s["rate"] for s in steps if s["p99_ms"] <= 10 and not s["errors"]]
        load_end = os.getloadavg()
        try:  # one worker's counters; the server may still be working off the last step
            with httpx.Client(
                base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60
            ) as c:
                metrics = c.get("/metrics").text
        except httpx.HTTPError:
            metrics = ""
        builds = next(
            (
                line.split()[-1]
                for line in metrics.splitlines()
                if line.startswith("icrms_snapshot_builds_total")
            ),
            None,
        )
        active = subprocess.run(
            [sys.executable, "-m", "icrms", "profiles", "list", "--json"],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        n_active = sum(1 for p in json.loads(active.stdout or "[]") if p.get("status") == "active")
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:  # requests still queued in the workers: stop them
            children = Path(f"/proc/{server.pid}/task/{server.pid}/children")
            for kid in children.read_text().split() if children.exists() else []:
                os.kill(int(kid), 9)
            server.kill()
            server.wait(timeout=30)
    print(
        json.dumps(
            {
                "bench": "api_load",
                "store": "postgresql"
                if "postgresql" in env.get("ICRMS_DATABASE_URL", "")
                else "sqlite",
                "workers": args.workers,
                "active_profiles": n_active,
                "items_per_declaration": 10,
                "warmup": warm,
                "sustained": {
                    **sustained,
                    "server_rss_mb_start": memory_start,
                    "server_rss_mb_end": memory_end,
                },
                "steps": steps,
                "highest_rate_p99_within_10ms": max(within) if within else None,
                "snapshot_builds": builds,
                "load_average_start": [round(x, 2) for x in load_start],
                "load_average_end": [round(x, 2) for x in load_end],
                "machine": machine(),
            }
        )
    )


if __name__ == "__main__":
    main()
