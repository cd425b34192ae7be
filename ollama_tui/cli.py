"""Provides the command line and the composition root that builds the app from settings.

`--help` and `--version` answer without importing Textual or httpx.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__
from .config import DATA_DIR_ENV, HOST_ENV, Settings, default_data_dir, parse_header
from .domain.ids import is_valid_id

if TYPE_CHECKING:
    from .services.backend import Backend
    from .ui.app import OllamaTuiApp

ENVIRONMENT_HELP = f"""\
environment variables:
  {HOST_ENV}           the Ollama server, in any form Ollama accepts (host, host:port,
                        http(s)://host:port/prefix); default http://127.0.0.1:11434
  {DATA_DIR_ENV}   where conversations are saved; default: the platform's user
                        data dir (honours XDG_DATA_HOME)
  VISUAL, EDITOR        the editor Ctrl+G opens for a long prompt (default: vi)
  TEXTUAL_COLOR_SYSTEM  force a colour depth: truecolor, 256, standard (16)
  TEXTUAL_FPS           cap the frame rate (lower means fewer bytes over SSH)

keys: F1 in the app lists every key; Ctrl+P offers every action.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ollama-tui",
        description="A keyboard-driven terminal workspace for chatting with Ollama models.",
        epilog=ENVIRONMENT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"ollama-tui {__version__}")
    parser.add_argument(
        "--host",
        help=f"the Ollama server (overrides {HOST_ENV}); e.g. gpu-box:11434",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        help=f"where conversations are saved (overrides {DATA_DIR_ENV})",
    )
    parser.add_argument(
        "--header",
        action="append",
        default=[],
        metavar="'NAME: VALUE'",
        help="an HTTP header sent with every request, e.g. for a proxy's token (repeatable)",
    )
    parser.add_argument(
        "--connect-timeout",
        type=float,
        default=5.0,
        metavar="SECONDS",
        help="give up connecting after this long (default 5)",
    )
    parser.add_argument(
        "--session",
        metavar="ID",
        help="open this saved conversation in a tab at start (ids: `ollama-tui list`)",
    )
    parser.add_argument(
        "--read-timeout",
        type=float,
        default=300.0,
        metavar="SECONDS",
        help="give up on a reply after this long without a line (default 300: big models "
        "load slowly)",
    )
    commands = parser.add_subparsers(
        dest="command", title="commands (without one, the app starts)", metavar="COMMAND"
    )
    commands.add_parser("list", help="list saved conversations, newest first")
    export = commands.add_parser("export", help="write a saved conversation as Markdown or JSON")
    export.add_argument("id", metavar="ID", help="the conversation (see `ollama-tui list`)")
    export.add_argument("--format", choices=("md", "json"), default="md", help="default: md")
    export.add_argument("-o", "--output", type=Path, help="the file to write (default: stdout)")
    importer = commands.add_parser("import", help="add a conversation from a JSON export")
    importer.add_argument("file", type=Path, help="a JSON file written by `export --format json`")
    return parser


def settings_from_args(args: argparse.Namespace) -> Settings:
    """Flags win over the environment, which wins over defaults."""
    headers = dict(parse_header(text) for text in args.header)
    return Settings(
        host=args.host or os.environ.get(HOST_ENV) or None,
        data_dir=args.data_dir.expanduser() if args.data_dir else default_data_dir(),
        headers=headers,
        connect_timeout=args.connect_timeout,
        read_timeout=args.read_timeout,
    )


def build_backend(settings: Settings) -> Backend:
    """Wire the client, the store and the services together."""
    from .api.client import OllamaClient, Timeouts
    from .api.host import parse_ollama_host
    from .services.backend import Backend
    from .services.saver import ConversationSaver
    from .services.workspace import Workspace
    from .store import SessionStore, WorkspaceStore

    client = OllamaClient(
        parse_ollama_host(settings.host),
        headers=settings.headers,
        timeouts=Timeouts(connect=settings.connect_timeout, read=settings.read_timeout),
    )
    store = SessionStore(settings.data_dir)
    workspace = Workspace(store, WorkspaceStore(settings.data_dir))
    return Backend(settings, client, workspace, ConversationSaver(store))


def build_app(settings: Settings, *, open_session: str | None = None) -> OllamaTuiApp:
    from .ui.app import OllamaTuiApp

    return OllamaTuiApp(build_backend(settings), open_session=open_session)


def run_command(args: argparse.Namespace, settings: Settings) -> int:
    """The commands that work on saved conversations without the UI."""
    from . import commands
    from .store import SessionStore

    store = SessionStore(settings.data_dir)
    try:
        if args.command == "list":
            return commands.list_sessions(store)
        if args.command == "export":
            return commands.export_session(store, args.id, args.format, args.output)
        return commands.import_session(store, args.file)
    finally:
        store.close()


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = settings_from_args(args)
    except ValueError as error:
        parser.error(str(error))
    if args.session is not None and not is_valid_id(args.session):
        parser.error(f"--session: {args.session!r} is not a conversation id")
    try:
        if args.command:
            return run_command(args, settings)
        app = build_app(settings, open_session=args.session)
    except OSError as error:
        print(
            f"ollama-tui: cannot use the data dir {settings.data_dir}: "
            f"{error.strerror or error}. Choose another with --data-dir or {DATA_DIR_ENV}.",
            file=sys.stderr,
        )
        return 2
    app.run()
    return app.return_code or 0
