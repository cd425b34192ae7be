"""Provides the routes of what the server holds: its root and version, the model list
(/api/tags), the loaded models (/api/ps), and the model admin (show, copy, delete, create)."""

from __future__ import annotations

from ..script import Script, model_capabilities, parse_version
from ..transport import Connection, RecordedRequest


async def root(state: Script, conn: Connection, request: RecordedRequest) -> None:
    await conn.body(
        200,
        b"Ollama is running",
        "text/plain; charset=utf-8",
        head_only=request.method == "HEAD",
    )


async def version(state: Script, conn: Connection, request: RecordedRequest) -> None:
    await conn.json(200, {"version": state.version})


async def tags(state: Script, conn: Connection, request: RecordedRequest) -> None:
    # Keys starting with "_" are the script's own (what only /api/show says), never listed.
    models = [
        {k: v for k, v in m.items() if not k.startswith("_")} if isinstance(m, dict) else m
        for m in state.models
    ]
    await conn.json(200, {"models": models})


async def ps(state: Script, conn: Connection, request: RecordedRequest) -> None:
    if parse_version(state.version) < (0, 1, 38):
        await conn.text(404, "404 page not found")  # an old server: no such route
        return
    await conn.json(200, {"models": state.running})


async def show(state: Script, conn: Connection, request: RecordedRequest) -> None:
    name = str((request.body or {}).get("model") or (request.body or {}).get("name") or "")
    entry = state.find(name)
    if entry is None:
        await conn.json(404, {"error": f"model '{name}' not found"})
        return
    await conn.json(
        200,
        {
            "license": "LLAMA 3.2 COMMUNITY LICENSE AGREEMENT",
            "modelfile": f"FROM {name}\nPARAMETER temperature 0.7\nPARAMETER stop <|eot_id|>",
            "parameters": f'{"temperature":<31}0.7\n{"stop":<31}"<|eot_id|>"',
            "template": "{{ .Prompt }}",
            "details": entry.get("details", {}),
            "model_info": {
                "general.architecture": "llama",
                "llama.context_length": 131072,
                "llama.embedding_length": 3072,
            },
            "capabilities": model_capabilities(entry),
            "modified_at": entry.get("modified_at", ""),
        },
    )


async def copy(state: Script, conn: Connection, request: RecordedRequest) -> None:
    body = request.body or {}
    source = state.find(str(body.get("source", "")))
    if source is None:
        await conn.json(404, {"error": f'model "{body.get("source")}" not found'})
        return
    destination = str(body.get("destination", ""))
    if not destination:
        await conn.json(400, {"error": f'destination "{destination}" is invalid'})
        return
    state.models.append({**source, "name": destination, "model": destination})
    await conn.body(200, b"", None)


async def delete(state: Script, conn: Connection, request: RecordedRequest) -> None:
    name = str((request.body or {}).get("model", ""))
    entry = state.find(name)
    if entry is None:
        await conn.json(404, {"error": f"model '{name}' not found"})
        return
    state.models.remove(entry)
    await conn.body(200, b"", None)


async def create(state: Script, conn: Connection, request: RecordedRequest) -> None:
    body = request.body or {}
    name = str(body.get("model") or body.get("name") or "")
    if parse_version(state.version) < (0, 5, 5):
        modelfile = str(body.get("modelfile") or "")
        base = modelfile.split("\n", 1)[0].removeprefix("FROM ").strip()
    else:
        base = str(body.get("from") or "")
        if not base and not body.get("files"):
            await conn.json(400, {"error": "neither 'from' or 'files' was specified"})
            return
    source = state.find(base)
    if source is None:
        await conn.json(404, {"error": f"model '{base}' not found"})
        return
    await conn.start_stream()
    for line in (
        {"status": "using existing layer sha256:" + "a" * 64},
        {"status": "creating new layer sha256:" + "b" * 64},
        {"status": "writing manifest"},
    ):
        await conn.line(line)
    if state.create_error is not None:
        await conn.line({"error": state.create_error})
        await conn.end_stream()
        return
    state.created[name] = body
    state.models = [m for m in state.models if m.get("name") != name]
    state.models.append({**source, "name": name, "model": name})
    await conn.line({"status": "success"})
    await conn.end_stream()
