"""Provides the open conversations: reopening the tabs of last time, opening and closing one."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..domain.conversation import Conversation, ConversationSettings
from ..domain.ids import is_valid_id
from ..domain.json_fields import WrongValue
from ..store import (
    InvalidSessionId,
    SessionNotFound,
    SessionStore,
    UnreadableSession,
    WorkspaceState,
    WorkspaceStore,
)


@dataclass(frozen=True)
class OpenConversation:
    """A conversation ready for a tab; `read_only_reason` says why it cannot be changed."""

    conversation: Conversation
    read_only_reason: str | None = None
    draft: str = ""
    """The prompt typed in its tab and not sent, when the tab last closed."""
    never_saved: bool = False
    """A tab that had only a draft when the app quit: its conversation has no file yet, so
    it is started afresh (with today's defaults) under the same id."""


@dataclass(frozen=True)
class RestoredWorkspace:
    """What start-up reopens, and what it could not (each a user-facing sentence)."""

    conversations: list[OpenConversation]
    active_id: str | None
    last_model: str | None
    problems: list[str]


class Workspace:
    """Owns which conversations are open in this instance and remembers them for next time."""

    def __init__(self, store: SessionStore, state_store: WorkspaceStore) -> None:
        self.store = store
        self.state_store = state_store
        self._state = WorkspaceState(open_tabs=[], active_tab=None, last_model=None)
        self._writing = threading.Lock()
        """Drafts are saved from a worker thread while the loop may save the tab list."""

    def open(self, session_id: str) -> OpenConversation:
        """Load a saved conversation and take this instance's lock on it, with the prompt
        left unsent in it last time (not in a read-only tab, which cannot send it).

        Raises:
            InvalidSessionId, SessionNotFound, UnreadableSession: from the store.
        """
        loaded = self.store.load(session_id)
        draft = "" if loaded.read_only_reason else self._state.drafts.get(session_id, "")
        return OpenConversation(loaded.conversation, loaded.read_only_reason, draft)

    def close(self, session_id: str) -> None:
        """Let other instances write the conversation again."""
        self.store.release(session_id)

    def restore(self) -> RestoredWorkspace:
        """Reopen the tabs that were open at the last quit, skipping any that are gone (but
        not one that held only an unsent prompt: that comes back as a new conversation)."""
        self._state = self.state_store.load()
        problems = [self.state_store.problem] if self.state_store.problem else []
        opened: list[OpenConversation] = []
        for session_id in self._state.open_tabs:
            try:
                opened.append(self.open(session_id))
            except SessionNotFound:
                draft = self._state.drafts.get(session_id)
                if draft and is_valid_id(session_id):
                    opened.append(
                        OpenConversation(Conversation(id=session_id), draft=draft, never_saved=True)
                    )
                # else deleted since: nothing to say
            except (InvalidSessionId, UnreadableSession) as error:
                problems.append(f"Could not reopen a conversation: {error}")
        active = self._state.active_tab
        if active not in {item.conversation.id for item in opened}:
            active = None
        return RestoredWorkspace(opened, active, self._state.last_model, problems)

    def remember(
        self,
        open_tabs: list[str],
        active_tab: str | None,
        last_model: str | None,
        drafts: Mapping[str, str],
    ) -> str | None:
        """Save the tab list and the open tabs' unsent prompts for next start; returns a
        problem sentence instead of raising."""
        values = {"open_tabs": open_tabs, "active_tab": active_tab, "last_model": last_model}
        return self._save_state("remember the open tabs", values, drafts)

    def remember_draft(self, session_id: str, text: str) -> str | None:
        """Keep a tab's unsent prompt ("" forgets it); safe to call from a worker thread.
        Returns a problem sentence instead of raising."""
        return self._save_state("keep the unsent prompt", {}, {session_id: text})

    def _save_state(
        self, doing: str, values: Mapping[str, Any], drafts: Mapping[str, str] | None = None
    ) -> str | None:
        """Merge into the state file the keys this change is about, and nothing else (another
        instance may have saved others since); a sentence saying what failed, or None."""
        with self._writing:
            try:
                self._state = self.state_store.update(values, drafts)
            except OSError as error:
                return f"Could not {doing}: {error.strerror or error}."
        return None

    def conversation_defaults(
        self, configured: Mapping[str, Any] | None = None
    ) -> ConversationSettings:
        """The settings a new conversation starts with: the config's `[defaults]`, then those
        saved from the app on top; without a model (that is chosen apart). Values that do not
        parse are dropped rather than refusing to start."""
        data = {**(configured or {}), **self._state.conversation_defaults}
        data.pop("model", None)
        try:
            return ConversationSettings.read(data)
        except WrongValue:
            return ConversationSettings()

    @property
    def theme(self) -> str | None:
        return self._state.theme

    def remember_theme(self, theme: str) -> str | None:
        """Keep the theme chosen in the app for the next start; a problem sentence, or None."""
        return self._save_state("remember the theme", {"theme": theme})

    def set_conversation_defaults(self, settings: ConversationSettings) -> str | None:
        """Remember `settings` (all but the model) for new conversations; returns a problem
        sentence instead of raising."""
        data = {
            name: value
            for name, value in settings.to_json_dict().items()
            if value is not None and name != "model"
        }
        return self._save_state("save the defaults", {"conversation_defaults": data})

    def close_all(self) -> None:
        self.store.close()
