"""`omniretail` console script: the embedded demo, the production server, the worker, and
staff creation. Every other Django command passes through (`omniretail migrate`, ...)."""

import argparse
import getpass
import os
import subprocess
import sys
import threading

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def _django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "omniretail.settings")
    import django
    from django.core.exceptions import ImproperlyConfigured

    try:
        django.setup()
    except ImproperlyConfigured as exc:  # a setting the operator must fix: one line, no trace
        sys.exit(f"omniretail: {exc}")


def _prepare() -> None:
    """The demo's release steps, done on every start (it is the whole installation)."""
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)


def _check_release() -> None:
    """A web process starts only on the schema its code expects: migrating is the release
    step (`omniretail migrate`, once per release, before the new processes start), never
    each process's start. Static files not collected only break pages, so they warn."""
    from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage
    from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
    from django.db.migrations.executor import MigrationExecutor

    connection = connections[DEFAULT_DB_ALIAS]
    try:
        executor = MigrationExecutor(connection)
        unapplied = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        sys.exit(
            f"omniretail: cannot use the database (DATABASE_URL): {' '.join(str(exc).split())}"
        )
    finally:
        connection.close()
        if getattr(connection, "pool", None) is not None:
            connection.close_pool()  # the server's processes open their own
    if unapplied:
        sys.exit(
            f"omniretail: the database lacks {len(unapplied)} migration(s) of this release; "
            "run `omniretail migrate` first, then start the server"
        )
    if (
        isinstance(staticfiles_storage, ManifestFilesMixin)
        and not staticfiles_storage.read_manifest()
    ):
        sys.stderr.write(
            "omniretail: no static files collected in STATIC_ROOT: pages fail until "
            "`omniretail collectstatic --noinput` has run\n"
        )


WORKER_COMMANDS = {
    # backend -> the Django command that runs its tasks, with its arguments
    "django_tasks_db.DatabaseBackend": ["db_worker", "--queue-name", "default"],
    # RQ's default worker forks a child per job, which would share this process's pooled
    # database connections and the scheduler's; the simple worker runs jobs in-process.
    # Its scheduler runs tasks deferred with `run_after`, as db_worker does.
    "django_tasks_rq.RQBackend": [
        "rqworker",
        "--worker-class",
        "rq.worker.SimpleWorker",
        "--with-scheduler",
        "--job-class",
        "django_tasks_rq.Job",
        "default",
    ],
}


def worker_command(backend: str) -> list[str]:
    """The worker command for the task backend in settings.TASKS."""
    if backend not in WORKER_COMMANDS:
        sys.exit(
            f"omniretail: the task backend {backend} has no worker; "
            "use the database (default) or RQ (REDIS_URL)"
        )
    return WORKER_COMMANDS[backend]


def _start_worker_process() -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "omniretail.cli", "worker"])


def serve(host: str, port: int, workers: int, with_worker: bool) -> None:
    """The ASGI production server (uvicorn), never runserver."""
    import uvicorn

    worker = _start_worker_process() if with_worker else None
    try:
        uvicorn.run(
            "omniretail.asgi:application",
            host=host,
            port=port,
            workers=workers,
            log_level="info",
            proxy_headers=True,
            access_log=False,  # omniretail.access logs each request, with its request id
        )
    finally:
        if worker is not None:
            worker.terminate()


def worker() -> None:
    """The backend's worker runs tasks; beside it the scheduler loop, which enqueues the
    periodic jobs when this process holds the election (core.scheduler)."""
    from django.conf import settings
    from django.core.management import call_command

    from omniretail.core.scheduler import run_forever

    command = worker_command(settings.TASKS["default"]["BACKEND"])
    threading.Thread(target=run_forever, args=(threading.Event(),), daemon=True).start()
    call_command(*command)


def demo(host: str, port: int, serve_after: bool) -> None:
    from django.conf import settings

    from omniretail.demo import load_demo_city, print_credentials

    print(">>> migrating and loading the demo city …", flush=True)
    _prepare()
    summary = load_demo_city()
    print_credentials(summary, base_url=settings.OMNI_PUBLIC_BASE_URL)
    if serve_after:
        serve(host, port, workers=1, with_worker=True)


def createstaff(args) -> None:
    from omniretail.accounts import services
    from omniretail.accounts.models import Organization
    from omniretail.core.errors import DomainError

    org = Organization.objects.filter(code=args.org).first()
    if org is None:
        sys.exit(f"no organisation with code {args.org!r}")
    password = args.password or getpass.getpass("password: ")
    try:
        user = services.create_staff(
            username=args.username, password=password, organization=org, role=args.role
        )
    except DomainError as exc:
        detail = "; ".join(f"{k}: {', '.join(v)}" for k, v in exc.fields.items())
        sys.exit(f"{exc.message} {detail}".strip())
    print(f"created {user.username} ({args.role}) in {org.name}")


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="omniretail", description=__doc__)
    sub = parser.add_subparsers(dest="command")

    p_demo = sub.add_parser("demo", help="migrate, load the demo city, serve on :8000")
    p_demo.add_argument("--host", default=DEFAULT_HOST)
    p_demo.add_argument("--port", type=int, default=DEFAULT_PORT)
    p_demo.add_argument("--no-serve", action="store_true", help="load the data and stop")

    p_serve = sub.add_parser(
        "serve", help="run the ASGI server (on a database `omniretail migrate` brought up to date)"
    )
    p_serve.add_argument("--host", default=DEFAULT_HOST)
    p_serve.add_argument("--port", type=int, default=DEFAULT_PORT)
    p_serve.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", 1)))
    p_serve.add_argument("--no-worker", action="store_true", help="do not start a task worker")

    sub.add_parser("worker", help="run background tasks, deliver events, expire unpaid orders")

    p_staff = sub.add_parser("createstaff", help="create a staff account in an organisation")
    p_staff.add_argument("username")
    p_staff.add_argument("--org", required=True, help="organisation code, e.g. platform")
    p_staff.add_argument(
        "--role", default="manager", choices=["owner", "manager", "staff", "customer_service"]
    )
    p_staff.add_argument("--password", help="asked for when omitted")

    # run by Django's command of the same name (below); listed here for --help
    sub.add_parser(
        "verify-draw",
        help="recompute group-buy draws from their public proofs: <group id>... or --campaign <id>",
    )

    known = {"demo", "serve", "worker", "createstaff", "-h", "--help"}
    if argv and argv[0] not in known:
        _django()
        from django.core.management import execute_from_command_line

        # Our own commands are spelt with hyphens (`omniretail verify-draw`); Django's
        # modules cannot be, so `verify-draw` runs the `verify_draw` command.
        command = argv[0] if argv[0].startswith("-") else argv[0].replace("-", "_")
        execute_from_command_line(["omniretail", command, *argv[1:]])
        return

    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return
    if args.command == "demo":  # one machine: the key generated into the data directory
        os.environ.setdefault("OMNI_EMBEDDED", "1")
        # the gateway, the worker and every printed link reach this server
        os.environ.setdefault("OMNI_PUBLIC_BASE_URL", f"http://{args.host}:{args.port}")
    _django()
    if args.command == "demo":
        demo(args.host, args.port, serve_after=not args.no_serve)
    elif args.command == "serve":
        _check_release()
        serve(args.host, args.port, args.workers, with_worker=not args.no_worker)
    elif args.command == "worker":
        worker()
    elif args.command == "createstaff":
        createstaff(args)


if __name__ == "__main__":
    main()
