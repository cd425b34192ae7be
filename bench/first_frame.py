"""Runs a program of the start step and ends its process once its first frame is handed to
the terminal, so that what start-up executes can be counted (`bench/instructions.py`).

    python bench/first_frame.py app ARGS...      ollama_tui of the working directory
    python bench/first_frame.py floor            the floor of start-up (start_floor.py)
"""

from __future__ import annotations

import os
import runpy
import sys
from pathlib import Path
from typing import Any

from textual.app import App

display = App._display


def _first_frame(app: App[Any], screen: Any, renderable: Any) -> None:
    display(app, screen, renderable)
    if renderable is not None:
        os._exit(0)  # no quitting: only start-up is counted


App._display = _first_frame  # type: ignore[method-assign, assignment]

if __name__ == "__main__":
    program, *arguments = sys.argv[1:]
    if program == "floor":
        sys.argv = ["start_floor.py"]
        runpy.run_path(str(Path(__file__).with_name("start_floor.py")), run_name="__main__")
    else:
        sys.path.insert(0, os.getcwd())
        sys.argv = ["ollama-tui", *arguments]
        runpy.run_module("ollama_tui", run_name="__main__")
