"""Provides the open conversations: reopening the tabs of last time, opening and closing one."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..domain.conversation import Conversation, ConversationSettings
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

    def open(self, session_id: str) -> OpenConversation:
        """Load a saved conversation and take this instance's lock on it.

        Raises:
            InvalidSessionId, SessionNotFound, UnreadableSession: from the store.
        """
        loaded = self.store.load(session_id)
        return OpenConversation(loaded.conversation, loaded.read_only_reason)

    def close(self, session_id: str) -> None:
        """Let other instances write the conversation again."""
        self.store.release(session_id)

    def restore(self) -> RestoredWorkspace:
        """Reopen the tabs that were open at the last quit, skipping any that are gone."""
        self._state = self.state_store.load()
        problems = [self.state_store.problem] if self.state_store.problem else []
        opened: list[OpenConversation] = []
        for session_id in self._state.open_tabs:
            try:
                opened.append(self.open(session_id))
            except SessionNotFound:
                continue  # deleted since: nothing to say
            except (InvalidSessionId, UnreadableSession) as error:
                problems.append(f"Could not reopen a conversation: {error}")
        active = self._state.active_tab
        if active not in {item.conversation.id for item in opened}:
            active = None
        return RestoredWorkspace(opened, active, self._state.last_model, problems)

    def remember(
        self, open_tabs: list[str], active_tab: str | None, last_model: str | None
    ) -> str | None:
        """Save the tab list for next start; returns a problem sentence instead of raising."""
        self._state.open_tabs = open_tabs
        self._state.active_tab = active_tab
        self._state.last_model = last_model
        return self._save_state("remember the open tabs")

    def _save_state(self, doing: str) -> str | None:
        """Write the state file; a sentence saying what could not be done, or None."""
        try:
            self.state_store.save(self._state)
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
            return ConversationSettings.model_validate(data)
        except ValueError:
            return ConversationSettings()

    @property
    def theme(self) -> str | None:
        return self._state.theme

    def remember_theme(self, theme: str) -> str | None:
        """Keep the theme chosen in the app for the next start; a problem sentence, or None."""
        self._state.theme = theme
        return self._save_state("remember the theme")

    def set_conversation_defaults(self, settings: ConversationSettings) -> str | None:
        """Remember `settings` (all but the model) for new conversations; returns a problem
        sentence instead of raising."""
        data = settings.model_dump(mode="json", exclude={"model"}, exclude_none=True)
        self._state.conversation_defaults = data
        return self._save_state("save the defaults")

    def close_all(self) -> None:
        self.store.close()
