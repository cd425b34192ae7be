"""Provides the routes that move models to and from a registry: /api/pull and /api/push."""

from __future__ import annotations

from typing import Any

from ..script import PullScript, Script, model_entry
from ..transport import Connection, RecordedRequest


async def pull(state: Script, conn: Connection, request: RecordedRequest) -> None:
    name = str((request.body or {}).get("model") or (request.body or {}).get("name") or "")
    script = state.next_pull()
    if state.offline:
        script = PullScript(
            error=(
                f'pull model manifest: Get "https://registry.ollama.ai/v2/library/{name}/'
                'manifests/latest": dial tcp: lookup registry.ollama.ai: no such host'
            ),
            error_after=1,
        )
    await conn.start_stream()
    lines: list[dict[str, Any]] = [{"status": "pulling manifest"}]
    for layer in range(script.layers):
        digest = f"sha256:{layer:064x}"
        short = digest[7:19]
        lines.append({"status": f"pulling {short}", "digest": digest, "total": script.layer_size})
        for step in range(1, script.steps + 1):
            lines.append(
                {
                    "status": f"pulling {short}",
                    "digest": digest,
                    "total": script.layer_size,
                    "completed": script.layer_size * step // script.steps,
                }
            )
    lines += [
        {"status": "verifying sha256 digest"},
        {"status": "writing manifest"},
        {"status": "success"},
    ]
    for index, line in enumerate(lines):
        if script.hold is not None and index == script.hold_after:
            while not script.hold.is_set():
                await conn.pause(0.005)
        if script.error is not None and index == script.error_after:
            await conn.line({"error": script.error})
            await conn.end_stream()
            return
        await conn.line(line)
        if script.delay:
            await conn.pause(script.delay)
    if state.find(name) is None:
        state.models.append(model_entry(name if ":" in name else f"{name}:latest"))
    await conn.end_stream()


async def push(state: Script, conn: Connection, request: RecordedRequest) -> None:
    name = str((request.body or {}).get("model", ""))
    if state.find(name) is None:
        await conn.json(404, {"error": f"model '{name}' not found"})
        return
    await conn.start_stream()
    if state.signed_in_registry is False:
        await conn.line({"status": "retrieving manifest"})
        await conn.line({"status": "couldn't retrieve manifest"})
        await conn.line(
            {"error": "unauthorized: access denied: you are not authorized to push here"}
        )
        await conn.end_stream()
        return
    digest = f"sha256:{7:064x}"
    lines: list[dict[str, Any]] = [{"status": "retrieving manifest"}]
    lines += [
        {
            "status": f"pushing {digest[7:19]}",
            "digest": digest,
            "total": 1000,
            "completed": done,
        }
        for done in (0, 500, 1000)
    ]
    lines += [{"status": "pushing manifest"}, {"status": "success"}]
    for line in lines:
        await conn.line(line)
    await conn.end_stream()
