"""Instructions executed from a process's start until its first frame is handed to the
terminal, counted by valgrind's callgrind: a figure of start-up that the machine's speed
does not move (its time does, by 1.5-2x from hour to hour), for before/after comparisons.
The Textual floor (bench/start_floor.py) is counted too: the app's count over the floor's
is the share of start-up that is the app's own.

    python bench/instructions.py [--compare REV] [--size 160x48]

Each count takes some 40 s (callgrind runs the process ~50 times slower); counts repeat to
within 0.01% (hash randomisation off). On the bench machine's fast hour, start to ready
was 0.29 s for the floor's 1.13 G instructions and 0.58 s for 2.17 G (4d4bd50).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.clients import checked_out, compile_checkout, describe_checkout  # noqa: E402
from tests.fake_ollama.server import FakeOllama  # noqa: E402
from tests.pty_app import PtyApp  # noqa: E402

FIRST_FRAME = ROOT / "bench" / "first_frame.py"


def count(checkout: Path | None, server: FakeOllama, size: tuple[int, int]) -> int:
    """Instructions to the first frame of this checkout's app, or of the floor (None)."""
    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / "callgrind.log"
        env = {
            "TERM": "xterm-256color",
            "COLORTERM": "truecolor",
            "PYTHONHASHSEED": "0",
            "XDG_CONFIG_HOME": str(Path(folder) / "config"),
        }
        if checkout is None:
            arguments = ["floor"]
        else:
            env["PYTHONPATH"] = str(checkout)
            arguments = ["app", "--host", server.url, "--data-dir", str(Path(folder) / "data")]
        program = [
            "valgrind",
            "--tool=callgrind",
            "--callgrind-out-file=/dev/null",
            f"--log-file={log}",
            sys.executable,
            str(FIRST_FRAME),
        ]
        cols, rows = size
        app = PtyApp(arguments, env=env, cols=cols, rows=rows, program=program, cwd=checkout)
        app.start()
        os.waitpid(app.pid, 0)  # it ends itself at the first frame
        with contextlib.suppress(OSError):
            os.close(app.fd)
        found = re.search(r"Collected : (\d+)", log.read_text())
        if found is None:
            raise RuntimeError(f"callgrind counted nothing: {log.read_text()[-400:]}")
        return int(found.group(1))


@contextlib.contextmanager
def _checkouts(compare: str | None) -> Iterator[list[tuple[str, Path | None]]]:
    now = [(f"now ({describe_checkout(ROOT)})", ROOT)]
    if compare is None:
        yield [("Textual floor", None), *now]
        return
    with checked_out(compare) as tree:
        yield [("Textual floor", None), (f"before ({compare})", tree), *now]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--compare", help="a revision to count as well")
    parser.add_argument("--size", default="160x48", help="terminal size, COLSxROWS")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed: nothing to count with.")
    cols, rows = (int(part) for part in args.size.split("x"))
    with FakeOllama() as server, _checkouts(args.compare) as checkouts:
        counts: list[tuple[str, int]] = []
        for label, checkout in checkouts:
            if checkout is not None:
                compile_checkout(checkout)
            counts.append((label, count(checkout, server, (cols, rows))))
            print(f"{label}: {counts[-1][1] / 1e9:.3f} G instructions", flush=True)
    floor = counts[0][1]
    print(f"\n| {args.size} | instructions to the first frame | over the floor |\n|---|---|---|")
    for label, instructions in counts:
        print(f"| {label} | {instructions / 1e9:.3f} G | {instructions / floor:.2f}x |")


if __name__ == "__main__":
    main()
