"""Provides `python -m ollama_tui`."""

import sys

from .cli import main

sys.exit(main())
