"""The floor of the instrument: a prompt that streams a reply by printing each token.

Run in the same pseudo-terminal, against the same fake server, as the app, it shows what the
harness itself costs (Python's start, the pty, the HTTP stream) with nothing drawn but the
text. It imports only the standard library and nothing from this repository.

    python bench/bare_loop.py http://127.0.0.1:PORT

Keys: typed characters are echoed; Enter sends them as one chat turn; Ctrl+Q quits.
"""

from __future__ import annotations

import http.client
import json
import os
import sys
import termios
import urllib.parse

PROMPT = b"\r\nAsk anything> "
MODEL = "llama3.2:latest"


def stream(host: str, port: int, prompt: str) -> None:
    body = {"model": MODEL, "messages": [{"role": "user", "content": prompt}], "stream": True}
    connection = http.client.HTTPConnection(host, port, timeout=600)
    connection.request("POST", "/api/chat", json.dumps(body), {"Content-Type": "application/json"})
    response = connection.getresponse()
    for line in response:
        item = json.loads(line)
        text = item.get("message", {}).get("content", "")
        if text:
            os.write(1, text.replace("\n", "\r\n").encode())
        if item.get("done"):
            os.write(1, f"\r\n[{item.get('eval_count', 0)} tokens]".encode())
    connection.close()


def main() -> None:
    address = urllib.parse.urlsplit(sys.argv[1])
    terminal = sys.stdin.fileno()
    mode = termios.tcgetattr(terminal)
    mode[0] &= ~(termios.IXON | termios.ICRNL)  # Ctrl+Q reaches us; Enter stays \r
    mode[3] &= ~(termios.ICANON | termios.ECHO)  # key by key, echoed by us as a TUI does
    termios.tcsetattr(terminal, termios.TCSANOW, mode)
    os.write(1, PROMPT)
    typed = bytearray()
    while True:
        key = os.read(terminal, 1)
        if key in (b"", b"\x11"):
            return
        if key == b"\r":
            os.write(1, b"\r\n")
            stream(address.hostname or "127.0.0.1", address.port or 80, typed.decode())
            typed.clear()
            os.write(1, PROMPT)
        else:
            typed += key
            os.write(1, key)


if __name__ == "__main__":
    main()
