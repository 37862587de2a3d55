"""Cost of one storefront request inside the process, as gunicorn's worker pays it: the WSGI app
called directly (no HTTP, no test client), so the figures hold on a busy machine where wrk's do not.

    SECRET_KEY=x .venv/bin/python -m benchmarks.storefront_request \\
        --database-url postgresql://USER@HOST/DB [--repeat 500] [--profile home]

Run benchmarks/storefront.py on that database first (it fills the bench-cat-* categories and
bench-p-* products). For the home page, a category and a product page (the pages
benchmarks/storefront_http.sh asks for) and /healthz, as a visitor without cookies as wrk is,
it prints the SQL statements run, whether the response sets a cookie, wall-clock p50 and the
process's CPU time per request (the lowest of five rounds: other processes on the machine
slow a round down, never speed it up), the same when the page is built from the database (as
after a commit: nothing kept for the revision, shop.readcache), and Python function calls per
request, which do not depend on the machine's load at all. Statements, wall-clock and calls
are of the steady state, where nothing commits between requests. ``--profile PAGE`` adds
cProfile's top functions.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import time

from sqlalchemy import event, text
from werkzeug.test import EnvironBuilder

ROUNDS = 5


def _call(app, path: str, *, built: bool = False) -> tuple[str, list, bytes]:  # noqa: ANN001
    if built:  # as the first request after a commit: nothing kept for the revision
        from shop import readcache

        readcache.clear()
    environ = EnvironBuilder(path=path, base_url="http://127.0.0.1:8011").get_environ()
    started: dict = {}

    def start_response(status, headers, exc_info=None) -> None:  # noqa: ANN001
        started.update(status=status, headers=headers)

    body = b"".join(app(environ, start_response))
    return started["status"], started["headers"], body


def _function_calls(app, path: str, repeat: int) -> tuple[float, cProfile.Profile]:  # noqa: ANN001
    profile = cProfile.Profile(time.process_time)
    profile.enable()
    for _ in range(repeat):
        _call(app, path)
    profile.disable()
    stats = pstats.Stats(profile)
    return stats.total_calls / repeat, profile


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--repeat", type=int, default=500)
    parser.add_argument("--profile", choices=["home", "category", "product", "healthz"])
    args = parser.parse_args(argv)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("SECRET_KEY", "storefront-request-benchmark")
    sys.path.insert(0, os.getcwd())
    import wsgi  # after DATABASE_URL is set: wsgi builds the app on import
    from shop.extensions import db

    app = wsgi.app
    with app.app_context():
        count = db.session.scalar(text("SELECT count(*) FROM products WHERE slug LIKE 'bench-p-%'"))
        engine = db.engine
    if not count:
        print("no bench-p-* products: run benchmarks/storefront.py on this database first")
        return 1
    paths = {
        "home": "/",
        "category": "/c/bench-cat-3",
        "product": f"/p/bench-p-{count // 2:07d}",
        "healthz": "/healthz",
    }
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    print(f"storefront request, in process, {count:,} products, {args.repeat} requests per page")
    print(
        f"{'page':10} {'status':6} {'bytes':>6} {'stmts':>5} {'cookie':>6} "
        f"{'p50 ms':>7} {'cpu ms':>7} {'built ms':>8} {'calls':>6}"
    )
    summary = []
    for name, path in paths.items():
        for _ in range(20):  # warm: templates compiled, cards and bodies rendered
            _call(app, path)
        statements.clear()
        status, headers, body = _call(app, path)
        ran = len(statements)
        walls, cpus, built_cpus = [], [], []
        per_round = max(args.repeat // ROUNDS, 1)
        for _ in range(ROUNDS):
            cpu_start = time.process_time()
            for _ in range(per_round):
                start = time.perf_counter()
                _call(app, path)
                walls.append(time.perf_counter() - start)
            cpus.append((time.process_time() - cpu_start) / per_round)
            cpu_start = time.process_time()
            for _ in range(per_round):
                _call(app, path, built=True)
            built_cpus.append((time.process_time() - cpu_start) / per_round)
        walls.sort()
        calls, profile = _function_calls(app, path, min(args.repeat, 200))
        cookie = any(key.lower() == "set-cookie" for key, _ in headers)
        p50, cpu, built = walls[len(walls) // 2] * 1000, min(cpus) * 1000, min(built_cpus) * 1000
        print(
            f"{name:10} {status.split()[0]:6} {len(body):6} {ran:5} {'yes' if cookie else 'no':>6} "
            f"{p50:7.2f} {cpu:7.2f} {built:8.2f} {calls:6.0f}"
        )
        summary.append(f"{name}_cpu_ms={cpu:.2f} {name}_built_cpu_ms={built:.2f}")
        if name == args.profile:
            out = io.StringIO()
            pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(40)
            print(out.getvalue())
    print("storefront_request " + " ".join(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
