"""The `hromada` command: `hromada serve`, `hromada demo`, and Django's own commands."""

from __future__ import annotations

import argparse
import os
import sys


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hromada.settings")
    import django

    django.setup()


def serve(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="hromada serve", description="Serve hromada.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument(
        "--lan",
        action="store_true",
        help="serve volunteers' phones on the local network (binds 0.0.0.0, any host name)",
    )
    parser.add_argument("--threads", type=int, default=int(os.environ.get("HROMADA_THREADS", 8)))
    args = parser.parse_args(argv)
    host = args.host
    if args.lan:
        os.environ["HROMADA_LAN"] = "1"
        if host == "127.0.0.1":
            host = "0.0.0.0"  # noqa: S104 (serving the site's Wi-Fi is what --lan is for)
    _setup()
    from waitress import serve as waitress_serve

    from hromada.wsgi import application

    print(f"hromada: serving on http://{host}:{args.port}/", flush=True)
    waitress_serve(
        application,
        host=host,
        port=args.port,
        threads=args.threads,
        ident="hromada",
        # a desk on a slow phone over Wi-Fi should not hold a thread forever
        channel_timeout=60,
        connection_limit=500,
    )


def demo(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="hromada demo", description="Load the demo town.")
    parser.add_argument("--households", type=int, default=1300)
    args = parser.parse_args(argv)
    _setup()
    from hromada.demo import load_demo

    load_demo(households=args.households, out=sys.stdout)


def main() -> None:
    argv = sys.argv[1:]
    if argv and argv[0] == "serve":
        serve(argv[1:])
        return
    if argv and argv[0] == "demo":
        demo(argv[1:])
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hromada.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["hromada", *argv])
