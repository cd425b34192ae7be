"""Provides `background`: the one way this app starts a worker, so that none fails silently.

Textual posts `Worker.StateChanged` only to the node that started the worker, and it does not
bubble: an App-level handler never hears of a tab's or a screen's worker. So every worker is
started here instead of with `@work`: an exception that escapes it is posted to the app as
`WorkFailed` (which the app reports and logs), the worker ends in the ERROR state, and the
app keeps running (`exit_on_error=False`). Cancellation is not a failure.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from functools import wraps
from typing import Any, Concatenate, ParamSpec, TypeVar

from textual.dom import DOMNode
from textual.message import Message
from textual.worker import Worker

P = ParamSpec("P")
NodeT = TypeVar("NodeT", bound=DOMNode)


class WorkFailed(Message):
    """A worker raised: `what` it was doing, in words, and the exception."""

    def __init__(self, what: str, error: Exception) -> None:
        super().__init__()
        self.what = what
        self.error = error


def background(
    what: str, *, group: str, exclusive: bool = False, thread: bool = False
) -> Callable[[Callable[Concatenate[NodeT, P], Any]], Callable[Concatenate[NodeT, P], Worker[Any]]]:
    """Decorate a method to run as a worker on its node, as `@work` does.

    Args:
        what: What the worker does, for the user ("Checking the server").
        group: The worker group; with `exclusive`, a new run cancels the running one.
        thread: Run in a thread (for blocking file or database work).
    """

    def decorator(
        method: Callable[Concatenate[NodeT, P], Any],
    ) -> Callable[Concatenate[NodeT, P], Worker[Any]]:
        @wraps(method)
        def start(node: NodeT, /, *args: P.args, **kwargs: P.kwargs) -> Worker[Any]:
            # Taken now, on the loop: a thread worker has no active app to ask.
            app = node.app

            def report(error: Exception) -> None:
                app.post_message(WorkFailed(what, error))  # thread-safe

            if inspect.iscoroutinefunction(method):

                async def run() -> Any:
                    try:
                        return await method(node, *args, **kwargs)
                    except Exception as error:
                        report(error)
                        raise

                work: Callable[[], Any] = run
            else:

                def run_blocking() -> Any:
                    try:
                        return method(node, *args, **kwargs)
                    except Exception as error:
                        report(error)
                        raise

                work = run_blocking
            return node.run_worker(
                work,
                name=method.__name__,
                group=group,
                description=what,
                exclusive=exclusive,
                thread=thread,
                exit_on_error=False,
            )

        return start

    return decorator
