"""Command line: `flask --app wsgi patrol …` for operators, `patrol worker` beside the app, and the
`patrol demo` quick start."""

from __future__ import annotations

import argparse
import ipaddress
import logging
import os
import re
import socket
import subprocess
from datetime import timedelta

import click
from flask import Flask
from flask.cli import AppGroup
from flask_migrate import upgrade

from patrol.alerts.worker import serve, start_in_thread
from patrol.demo.seed import DEMO_GUARD_PIN, DEMO_PASSWORD, has_data, seed_demo
from patrol.extensions import db
from qr import qr_terminal


def init_app(app: Flask) -> None:
    group = AppGroup("patrol", help="patrol commands")

    @group.command("seed-demo")
    def seed_demo_command():
        """Fill an empty database with the demo estate."""
        if has_data():
            raise click.ClickException("The database already has sites; the demo needs an empty one.")
        for account in seed_demo():
            click.echo(f"{account.role:<11} {account.username:<11} {DEMO_PASSWORD}")
        click.echo(f"(the guard's handover PIN: {DEMO_GUARD_PIN})")

    @group.command("create-admin")
    @click.argument("username")
    @click.option("--display-name", default=None, help="name shown to others (default: the user name)")
    @click.password_option()
    def create_admin_command(username, display_name, password):
        """Create an administrator account (the first one of an empty install, or another)."""
        from patrol.accounts.accounts import add_admin

        outcome = add_admin(username, display_name or username, password)
        if not outcome.ok:
            raise click.ClickException("; ".join(str(message) for message in outcome.errors.values()))
        click.echo(f"Administrator {outcome.value.username} created.")

    @group.command("sweep-photos")
    @click.option("--dry-run", is_flag=True, help="list what would be removed, remove nothing")
    @click.option(
        "--grace-minutes",
        type=click.IntRange(min=0),
        default=None,
        help="leave anything younger alone (default: PATROL_PHOTO_SWEEP_GRACE_MINUTES, 60)",
    )
    def sweep_photos_command(dry_run, grace_minutes):
        """Remove photos no answer shows any more, and files in the photo folder with no photo."""
        from patrol.photos.store import sweep_photos

        minutes = app.config["PATROL_PHOTO_SWEEP_GRACE_MINUTES"] if grace_minutes is None else grace_minutes
        swept = sweep_photos(app.config["PATROL_PHOTO_DIR"], timedelta(minutes=minutes), dry_run=dry_run)
        verb = "Would remove" if dry_run else "Removed"
        for sha256 in swept.photos:
            click.echo(f"{verb} photo {sha256} (row, picture and thumbnail)")
        for path in swept.files:
            click.echo(f"{verb} stray file {path}")
        click.echo(f"{verb} {len(swept.photos)} unused photo(s) and {len(swept.files)} stray file(s).")

    @group.command("alerts")
    @click.option("--no-send", is_flag=True, help="only write the alerts; leave the robot messages to the worker")
    def alerts_command(no_send):
        """One pass of the worker, for cron: alert about late work, send what is due, make the exports asked for."""
        from patrol.alerts.sending import deliver_due
        from patrol.alerts.sweep import sweep_alerts
        from patrol.database import utcnow
        from patrol.exports.building import build
        from patrol.exports.jobs import build_waiting

        swept = sweep_alerts()
        click.echo(f"{swept.feedback} task(s) past their first response, {swept.overdue} overdue task(s) found.")
        if not no_send:
            click.echo(f"{deliver_due()} robot message(s) sent.")
            built, left = build_waiting(utcnow(), build)
            click.echo(f"{built} export(s) made{', more waiting' if left else ''}.")

    @group.command("worker")
    @click.option(
        "--interval",
        type=click.FloatRange(min=1),
        default=None,
        help="longest pause between passes, in seconds (default: PATROL_WORKER_SECONDS, 30)",
    )
    def worker_command(interval):
        """Sweep for late work and send robot messages, pass after pass, until SIGTERM or Ctrl+C."""
        run_worker(app, interval)

    app.cli.add_command(group)


def run_worker(app: Flask, interval: float | None) -> None:
    """`patrol worker` (and `flask patrol worker`): the worker loop in this process until it is told to stop."""
    seconds = interval or app.config["PATROL_WORKER_SECONDS"]
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    print(f"patrol worker: a pass at least every {seconds:g} s; stop with SIGTERM or Ctrl+C.", flush=True)
    passes = serve(app, interval=seconds)
    print(f"patrol worker stopped after {passes} pass(es).", flush=True)


def lan_address() -> str:
    """This machine's address on the local network, so a phone on the same Wi-Fi can open the demo."""
    try:
        candidates = socket.gethostbyname_ex(socket.gethostname())[2]
    except OSError:
        candidates = []
    for address in candidates:
        if not address.startswith("127."):
            return address
    # Hostnames often resolve to loopback; ask the interfaces themselves (Linux `ip`).
    try:
        listing = subprocess.run(
            ["ip", "-4", "-o", "addr", "show", "scope", "global"],
            capture_output=True,
            text=True,
            timeout=2,
            check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        listing = ""
    for match in re.finditer(r"inet (\d+\.\d+\.\d+\.\d+)/", listing):
        return match.group(1)
    return "127.0.0.1"


ALL_INTERFACES = {"0.0.0.0", "::", ""}


def demo_address(host: str, port: int) -> str:
    """The address people open: the LAN one when the demo listens everywhere, else the one it listens on.

    A QR code or a link to an address nothing answers on is worse than none, so an app bound to
    loopback announces loopback, and one bound to a single address announces that address.
    """
    if host in ALL_INTERFACES:
        return f"http://{lan_address()}:{port}/"
    if host == "localhost" or _is_loopback(host):
        return f"http://127.0.0.1:{port}/"
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def run_demo(host: str, port: int) -> None:
    os.environ.setdefault("PATROL_DEMO", "1")
    # SQLite cannot wake the worker when a robot message is queued: it looks every few seconds instead.
    os.environ.setdefault("PATROL_WORKER_SECONDS", "5")
    if not port_is_free(host, port):
        raise SystemExit(
            f"Port {port} is already in use: stop what runs there, or start the demo with "
            f"--port {port + 1} (or PATROL_PORT={port + 1})."
        )
    address = demo_address(host, port)
    # Stickers and label sheets point at the address a phone on this network can open.
    os.environ.setdefault("PATROL_BASE_URL", address.rstrip("/"))
    from patrol import create_app

    app = create_app()
    with app.app_context():
        upgrade()
        if not has_data():
            seed_demo()
        db.session.remove()
    # Alerts about late work and robot messages: the worker, in a thread of this process.
    start_in_thread(app, interval=app.config["PATROL_WORKER_SECONDS"])
    print(qr_terminal(address))
    also = f"  (and http://127.0.0.1:{port}/)" if host in ALL_INTERFACES else ""
    print(f"patrol demo is running on {address}{also}")
    print(f"Sign in as any of these (password: {DEMO_PASSWORD}):")
    print("  butler      管家        scans and fills checklists")
    print("  steward     样板间管家  model-room counts")
    print("  supervisor  主管        tasks and overdue work")
    print("  admin       管理员      locations and QR labels")
    print("Stop with Ctrl+C.")
    app.run(host=host, port=port, debug=False, use_reloader=False, threaded=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="patrol")
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="run the app on SQLite with demo data")
    demo.add_argument("--host", default=os.environ.get("PATROL_HOST", "0.0.0.0"))
    demo.add_argument("--port", type=int, default=int(os.environ.get("PATROL_PORT", "5000")))
    worker = commands.add_parser(
        "worker", help="beside the app: alert about late work and send robot messages until stopped"
    )
    worker.add_argument("--interval", type=float, default=None, help="longest pause between passes, in seconds")
    args = parser.parse_args(argv)
    if args.command == "demo":
        run_demo(args.host, args.port)
    elif args.command == "worker":
        from patrol import create_app

        run_worker(create_app(), args.interval)


if __name__ == "__main__":
    main()
