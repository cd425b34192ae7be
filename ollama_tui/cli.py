"""Provides the command line and the composition root that builds the app from settings.

`--help` and `--version` answer without importing Textual or httpx.
"""

from __future__ import annotations

import argparse
import gc
import os
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__
from .config import (
    CONFIG_ENV,
    DATA_DIR_ENV,
    DEFAULT_FLUSH_HZ,
    DEFAULT_MAX_REPLY_BYTES,
    HOST_ENV,
    ConfigFile,
    HostConfig,
    Settings,
    default_config_path,
    default_data_dir,
    follow_step,
    over_ssh,
    parse_header,
    read_config,
    sixteen_colours,
)
from .console import terminal_safe_output
from .domain.ids import is_valid_id
from .domain.secrets import redact, remember_connection, remember_secrets

PYDANTIC_PLUGINS_ENV = "PYDANTIC_DISABLE_PLUGINS"
"""Read by pydantic when it first looks for plugins."""

if TYPE_CHECKING:
    from .api.client import OllamaClient
    from .services.backend import Backend
    from .ui.app import OllamaTuiApp

ENVIRONMENT_HELP = f"""\
environment variables:
  {HOST_ENV}           the Ollama server, in any form Ollama accepts (host, host:port,
                        http(s)://host:port/prefix); default http://127.0.0.1:11434
  {DATA_DIR_ENV}   where conversations are saved; default: the platform's user
                        data dir (honours XDG_DATA_HOME)
  {CONFIG_ENV}     the config file; default: config.toml in the platform's user
                        config dir (honours XDG_CONFIG_HOME)
  VISUAL, EDITOR        the editor Ctrl+G opens for a long prompt (default: vi)
  SSH_CONNECTION        when set (an SSH session): no animation, and a reply followed half
                        a view at a time, unless the config says otherwise
  HTTP_PROXY, HTTPS_PROXY, NO_PROXY
                        used only for hosts with use_proxy = true in the config
  TEXTUAL_COLOR_SYSTEM  force a colour depth: truecolor, 256, standard (16)
  TEXTUAL_FPS           cap the frame rate (the config's max_fps wins)

precedence: flags, then environment variables, then the config file, then defaults.

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
        "--config",
        type=Path,
        metavar="FILE",
        help=f"the config file (overrides {CONFIG_ENV}); see the README for every key",
    )
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


def _default_host(given: str | None, config: ConfigFile) -> HostConfig:
    """`--host`/`OLLAMA_HOST` (a configured host when its name or URL matches), else the
    config's `default_host`, else 127.0.0.1."""
    from .api.host import parse_ollama_host  # stdlib only: --help stays fast

    wanted = given or config.default_host
    if wanted is None:
        return HostConfig("default", None, **config.connection)
    for host in config.hosts:
        if wanted == host.name or parse_ollama_host(wanted) == parse_ollama_host(host.url):
            return host
    if not given:
        config.problems.append(
            f"{config.path}: default_host: no [hosts.{wanted}] table, so it is taken as a URL"
        )
    return HostConfig("default", wanted, **config.connection)


def settings_from_args(
    args: argparse.Namespace, environ: Mapping[str, str] = os.environ
) -> Settings:
    """Flags win over the environment, which wins over the config file, then defaults.

    Raises:
        ValueError: for a malformed `--header` (the config's problems are collected instead).
    """
    config_path = args.config.expanduser() if args.config else default_config_path(environ)
    config = read_config(config_path)
    if args.config and not config_path.exists():
        config.problems.append(f"{config_path}: no such file; using the defaults")
    default = _default_host(args.host or environ.get(HOST_ENV) or None, config)
    headers = {**default.headers, **dict(parse_header(text) for text in args.header)}
    # Remembered before anything is said about the config: no problem, toast, stderr line
    # or error can quote a header value or a URL's password from here on.
    for host in (*config.hosts, default):
        remember_connection(host.url, host.headers)
    remember_connection(None, headers)
    remember_secrets(secret for server in config.mcp_servers for secret in server.secrets)
    data_dir = (
        args.data_dir.expanduser()
        if args.data_dir
        else default_data_dir(environ)
        if environ.get(DATA_DIR_ENV, "").strip()
        else config.data_dir or default_data_dir(environ)
    )
    remote = over_ssh(environ)
    return Settings(
        host=default.url,
        host_name=default.name,
        data_dir=data_dir,
        headers=headers,
        connect_timeout=args.connect_timeout or default.connect_timeout,
        read_timeout=args.read_timeout or default.read_timeout,
        verify_tls=default.verify_tls,
        use_proxy=default.use_proxy,
        other_hosts=tuple(host for host in config.hosts if host.name != default.name),
        # --host and OLLAMA_HOST name one host, and win over the config's `auto` as over
        # any default_host.
        auto_host=config.auto_host and not (args.host or environ.get(HOST_ENV)),
        flush_hz=config.flush_hz or DEFAULT_FLUSH_HZ,
        follow_step=follow_step(config.follow_step, remote),
        theme=config.theme,
        sixteen_colours=sixteen_colours(environ),
        keymap=dict(config.keys),
        cursor_blink=bool(config.cursor_blink),
        animations=config.animations if config.animations is not None else not remote,
        # Over SSH too: at 20 a second a reply's last words and its stats line waited for
        # the frames (tail lag 23 ms, output for 160 ms after the end, against 11 and 65 at
        # Textual's 60) to save 3-7% of the bytes (bench/PROFILE.md, section (n)).
        max_fps=config.max_fps,
        default_model=config.default_model,
        conversation_defaults=dict(config.conversation_defaults),
        theme_dirs=(config_path.parent / "themes",),
        max_reply_bytes=config.max_reply_bytes or DEFAULT_MAX_REPLY_BYTES,
        mcp_servers=tuple(config.mcp_servers),
        tool_roots=tuple(config.tool_roots or (Path.cwd(),)),
        tool_rounds=config.tool_rounds or 8,
        auto_approve=frozenset(config.auto_approve),
        problems=tuple(redact(problem) for problem in config.problems),
        config_path=config_path,
    )


def _client_for(host: HostConfig) -> OllamaClient:
    from .api.client import OllamaClient, Timeouts
    from .api.host import parse_ollama_host

    return OllamaClient(
        parse_ollama_host(host.url),
        headers=host.headers,
        timeouts=Timeouts(connect=host.connect_timeout, read=host.read_timeout),
        trust_env=host.use_proxy,
        verify_tls=host.verify_tls,
    )


def build_backend(settings: Settings) -> Backend:
    """Wire the clients, the store and the services together."""
    from .services.backend import Backend, HostClients
    from .services.saver import ConversationSaver
    from .services.workspace import Workspace
    from .store import SessionStore, WorkspaceStore

    hosts = HostClients(
        settings.host_name,
        {host.name: _client_for(host) for host in settings.hosts},
    )
    store = SessionStore(settings.data_dir)
    workspace = Workspace(store, WorkspaceStore(settings.data_dir))
    return Backend(settings, hosts, workspace, ConversationSaver(store))


def build_app(settings: Settings, *, open_session: str | None = None) -> OllamaTuiApp:
    from .ui.app import OllamaTuiApp

    return OllamaTuiApp(build_backend(settings), open_session=open_session)


def run_command(args: argparse.Namespace, settings: Settings) -> int:
    """The commands that work on saved conversations without the UI."""
    from . import cli_commands
    from .store import SessionStore

    for problem in settings.problems:
        print(f"ollama-tui: {problem}", file=sys.stderr)
    store = SessionStore(settings.data_dir)
    try:
        # The streams as they are now: the terminal-safe ones of `main`.
        out, err = sys.stdout, sys.stderr
        if args.command == "list":
            # Fitted to a terminal; piped (to grep, say), every title is whole.
            width = shutil.get_terminal_size().columns if out.isatty() else None
            return cli_commands.list_sessions(store, out, err, width=width)
        if args.command == "export":
            return cli_commands.export_session(store, args.id, args.format, args.output, out, err)
        return cli_commands.import_session(store, args.file, out, err)
    except Exception as error:
        # A traceback would print local variables' worth of conversation titles and
        # paths; what failed, in one line, is what a person can act on.
        print(cli_commands.describe_failure(args.command, error), file=sys.stderr)
        return 1
    finally:
        store.close()


def main(argv: list[str] | None = None) -> int:
    """Everything the command line prints, before and after the app, passes the console's
    boundary (`console.py`); the app draws through its own."""
    with terminal_safe_output():
        app = _prepare(argv)
        if isinstance(app, int):
            return app
    app.run()
    with terminal_safe_output():
        if app.crash_report:
            print(app.crash_report, file=sys.stderr)
    return app.return_code or 0


def _prepare(argv: list[str] | None) -> int | OllamaTuiApp:
    """The app to run, or the exit status of a command or of a problem with the flags."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = settings_from_args(args)
    except ValueError as error:
        parser.error(str(error))
    if args.session is not None and not is_valid_id(args.session):
        parser.error(f"--session: {args.session!r} is not a conversation id")
    if settings.max_fps:
        os.environ["TEXTUAL_FPS"] = str(settings.max_fps)  # read when Textual is imported
    # A pydantic plugin (a tracer, say) would see every request and answer this process
    # validates, and looking for one reads every installed distribution's entry points as
    # the first model is built (~16 ms): none is loaded.
    os.environ[PYDANTIC_PLUGINS_ENV] = "__all__"
    try:
        if args.command:
            return run_command(args, settings)
        # Start-up makes a great many objects that live as long as the app (modules,
        # classes, the stylesheet, the first screen) and few that die: the collector's full
        # passes over them are wasted (~50 ms of the CPU of the imports alone). The app
        # turns it on again once its first frame is drawn (`OllamaTuiApp.on_ready`).
        gc.disable()
        app = build_app(settings, open_session=args.session)
    except OSError as error:
        gc.enable()
        print(
            f"ollama-tui: cannot use the data dir {settings.data_dir}: "
            f"{error.strerror or error}. Choose another with --data-dir or {DATA_DIR_ENV}.",
            file=sys.stderr,
        )
        return 2
    return app
