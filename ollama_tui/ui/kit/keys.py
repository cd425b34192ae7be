"""Provides the one list of keys: every action a user can press, with its id (the name the
config's `[keys]` rebinds it by), its default keys, the words the footer, F1 and the palette
show, and where it applies. Every `BINDINGS`, the help screen, the palette, the welcome and the
config's check are built from it, so each shows the key actually bound."""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from textual.binding import Binding, BindingType
from textual.dom import DOMNode
from textual.screen import Screen

Place = Literal[
    "app",
    "chat",
    "composer",
    "transcript",
    "browser",
    "models",
    "picker",
    "pull_offer",
    "settings",
    "help",
    "confirm",
    "choice",
    "text_dialog",
    "attach",
    "inspect",
    "create",
    "embed",
    "approval",
    "throughput",
    "measurement",
    "commands",
    "compare",
    "version_map",
    "library",
    "grants",
]
"""Where a key works: the app everywhere, the conversation and its parts, a screen, a dialog."""


@dataclass(frozen=True)
class Command:
    """How a key's action is offered in the palette over a conversation (screens other than
    the conversations list their shown keys there by themselves)."""

    title: str
    text: str = ""
    """What it does; the bound key follows in brackets (alone when this is empty)."""
    after: str = ""
    """The id of the key pressed first, for an action reached in two presses."""
    when_allowed: bool = False
    """Listed only while the action can run (stopping a reply: only while one is written)."""
    action: str = ""
    """What the palette runs, when not the key's action (a key on a selected message that
    the palette offers with no message selected)."""

    def action_of(self, key: Key) -> str:
        return self.action or key.action


@dataclass(frozen=True)
class Key:
    """One action a user can press."""

    id: str
    """The binding id: config files rebind the key by it, so it never changes."""
    keys: str
    """The default keys, Textual's names, comma-separated alternatives."""
    action: str
    label: str
    """The footer's short word."""
    place: Place
    help: str = ""
    """The longer description for F1 and the tooltip; the label when empty. `{id}` stands
    for the key bound to another action."""
    show: bool = True
    """Shown in the footer."""
    priority: bool = False
    display: str | None = None
    """The footer's spelling of the default key, where Textual's would mislead."""
    command: Command | None = None
    follows: str = ""
    """The id of an app key this one repeats on a modal screen (which hides the app's keys):
    rebinding that one rebinds this one too, unless this one is rebound itself."""
    workspace: bool = False
    """Acts on the tab in view: not while a dialog or another screen covers the tabs (Ctrl+W
    in a dialog would close the tab behind it, unseen; there it is the field's own key)."""

    def binding(self) -> Binding:
        return Binding(
            self.keys,
            self.action,
            self.label,
            show=self.show,
            key_display=self.display,
            priority=self.priority,
            tooltip=describe(self, {}) if self.help else "",
            id=self.id,
        )


@dataclass(frozen=True)
class Section:
    """A group of keys in F1, with the key that opens its screen (named in its title)."""

    place: Place
    title: str
    opened_by: str = ""


def _tab_keys() -> tuple[Key, ...]:
    return tuple(
        Key(
            f"app.tab_{number}",
            f"alt+{number}",
            f"go_to_tab({number})",
            f"Go to tab {number}",
            "app",
            show=False,
            priority=True,
            workspace=True,
        )
        for number in range(1, 10)
    )


# In each place, in the order the footer shows them while they fit.
KEYS: tuple[Key, ...] = (
    # -- everywhere: keys that TextArea would otherwise swallow (Ctrl+W deletes a word
    # there) are priority.
    Key(
        "app.new_tab",
        "ctrl+n",
        "new_tab",
        "New",
        "app",
        help="New conversation tab",
        priority=True,
        command=Command("New conversation", "Open a new tab"),
        workspace=True,
    ),
    Key(
        "app.close_tab",
        "ctrl+w",
        "close_tab",
        "Close",
        "app",
        help="Close the tab (it stays saved)",
        priority=True,
        command=Command("Close conversation", "Close this tab; it stays saved"),
        workspace=True,
    ),
    Key(
        "app.pick_model",
        "ctrl+l",
        "pick_model",
        "Model",
        "app",
        help="Choose the model for this conversation",
        priority=True,
        command=Command("Choose model", "The model for this conversation"),
        workspace=True,
    ),
    Key(
        "app.next_tab",
        "ctrl+pagedown,alt+right",
        "next_tab",
        "Next tab",
        "app",
        show=False,
        priority=True,
        command=Command("Next tab"),
        workspace=True,
    ),
    Key(
        "app.previous_tab",
        "ctrl+pageup,alt+left",
        "previous_tab",
        "Previous tab",
        "app",
        show=False,
        priority=True,
        command=Command("Previous tab"),
        workspace=True,
    ),
    *_tab_keys(),
    Key(
        "app.conversations",
        "ctrl+o",
        "conversations",
        "Saved",
        "app",
        help="Saved conversations: search, open, rename, delete, export",
        priority=True,
        command=Command("Saved conversations", "Search, open, rename, delete, export"),
    ),
    Key(
        "app.models",
        "f3",
        "models",
        "Models",
        "app",
        help="Models: pull, create, copy, delete, load, inspect, embed",
        command=Command("Models", "Pull, push, create, copy, delete, load, unload, inspect, embed"),
    ),
    Key(
        "app.settings",
        "f4",
        "conversation_settings",
        "Settings",
        "app",
        help="System prompt, options, thinking, reply format",
        command=Command(
            "Conversation settings", "System prompt, options, keep-alive, thinking, JSON output"
        ),
        workspace=True,
    ),
    Key(
        "app.compare",
        "f5",
        "compare_models",
        "Compare",
        "app",
        help="Compare models: the next prompt goes to 2-4 models at once",
        show=False,
        command=Command("Compare models", "The next prompt to 2-4 models, side by side"),
        workspace=True,
    ),
    Key(
        "app.measure",
        "f8",  # F6 and F7 select in every text area
        "measure_server",
        "Measure",
        "app",
        help="Measure the server: N requests one after another, then at once",
        show=False,
        command=Command(
            "Measure the server", "Whether it runs requests together or queues them; tokens/s"
        ),
        workspace=True,
    ),
    Key(
        "app.help",
        "f1",
        "help",
        "Keys",
        "app",
        help="Every key, by screen",
        command=Command("Help", "Every key"),
    ),
    Key(
        "app.quit",
        "ctrl+q",
        "quit",
        "Quit",
        "app",
        help="Quit (replies in progress are saved)",
        priority=True,
    ),
    # -- the conversation. With a message selected (the transcript has focus); first, so
    # that the footer shows them first.
    Key("chat.message.copy", "c", "copy_message", "Copy", "chat", help="Copy the message"),
    Key(
        "chat.message.copy_code",
        "b",
        "copy_code",
        "Copy code",
        "chat",
        help="Copy a code block of the message (again: the next one)",
    ),
    Key(
        "chat.message.edit",
        "e",
        "edit_message",
        "Edit",
        "chat",
        help="Edit this prompt and send it again (later turns are kept as a version)",
    ),
    Key(
        "chat.message.regenerate",
        "r",
        "regenerate",
        "Regenerate",
        "chat",
        help="Write the selected reply (a prompt: the last reply) again, keeping the old one",
    ),
    Key(
        "chat.message.continue",
        "n",
        "continue_reply",
        "Continue",
        "chat",
        help="Carry on the last reply where it was cut off or stopped (never an earlier one)",
        command=Command(
            "Continue reply",
            "Carry on the last reply from where it stopped",
            after="chat.select",
        ),
    ),
    Key(
        "chat.message.previous_version",
        "left",
        "switch_version(-1)",
        "Version",
        "chat",
        help="The previous version from this message",
        display="←",
    ),
    Key(
        "chat.message.next_version",
        "right",
        "switch_version(1)",
        "Version",
        "chat",
        help="The next version from this message",
        display="→",
    ),
    Key(
        "chat.message.version_map",
        "t",
        "version_map",
        "Map",
        "chat",
        help="The map of versions: every branch of this conversation as a tree",
        command=Command(
            "Map of versions",
            "Every version of this conversation as a tree; Enter jumps to one",
            when_allowed=True,
            action="open_version_map",
        ),
    ),
    Key(
        "chat.message.thinking",
        "h",
        "toggle_thinking",
        "Thinking",
        "chat",
        help="Show or hide the model's thinking before this reply",
    ),
    Key(
        "chat.message.back",
        "escape,tab,i",
        "back_to_composer",
        "Prompt",
        "chat",
        help="Back to the prompt",
    ),
    Key(
        "chat.stop",
        "escape",
        "stop_reply",
        "Stop",
        "chat",
        help="Stop the reply being written",
        command=Command("Stop reply", "Stop the reply being written", when_allowed=True),
    ),
    Key(
        "chat.cancel_edit",
        "escape",
        "cancel_edit",
        "Cancel edit",
        "chat",
        help="Leave the earlier prompt as it was",
    ),
    Key(
        "chat.regenerate",
        "ctrl+r",
        "regenerate",
        "Regenerate",
        "chat",
        help="Write the selected reply (else the last) again; the old one stays as a version",
        command=Command(
            "Regenerate reply", "Write the selected reply (else the last) again; the old is kept"
        ),
    ),
    Key(
        "chat.recent",
        "tab",
        "choose_recent",
        "Recent",
        "chat",
        help="In a new conversation: choose one of the recent conversations to reopen",
        show=False,
    ),
    Key(
        "chat.select",
        "shift+tab",
        "select_messages",
        "Messages",
        "chat",
        help="Select a message to copy, edit, regenerate or flip versions",
        command=Command("Select messages", "Copy, copy code, edit, regenerate, flip versions"),
    ),
    Key(
        "chat.attach",
        "ctrl+t",
        "attach_image",
        "Files",
        "chat",
        help="Attach files: text and code in the prompt, images for a vision model",
        command=Command("Attach files", "Text and code in the prompt, images for a vision model"),
    ),
    # The composer keeps focus, so the transcript's scroll keys are claimed here.
    Key(
        "chat.page_up",
        "pageup",
        "scroll_transcript(-1)",
        "Scroll up",
        "chat",
        show=False,
        priority=True,
    ),
    Key(
        "chat.page_down",
        "pagedown",
        "scroll_transcript(1)",
        "Scroll down",
        "chat",
        show=False,
        priority=True,
    ),
    Key(
        "chat.follow",
        "ctrl+end",
        "follow",
        "Jump to the end and follow it",
        "chat",
        show=False,
        command=Command("Follow the end"),
    ),
    Key(
        "chat.earlier",
        "ctrl+up",
        "show_earlier",
        "Show earlier messages",
        "chat",
        show=False,
        command=Command("Show earlier messages"),
    ),
    # -- the composer. TextArea inserts a newline for Enter before ordinary bindings run:
    # only a priority binding can claim Enter for sending.
    Key(
        "composer.send",
        "enter",
        "submit",
        "Send",
        "composer",
        help="Send the prompt",
        priority=True,
    ),
    # Ctrl+J is LF and reaches us in every terminal; Shift/Alt+Enter only where the
    # terminal speaks the kitty keyboard protocol.
    Key(
        "composer.newline",
        "ctrl+j,shift+enter,alt+enter",
        "newline",
        "New line",
        "composer",
        help="New line (pasted text keeps its lines)",
        display="^j",
        priority=True,
    ),
    # Tab completes a slash command while the popup offers one; else it moves focus on.
    Key(
        "composer.complete",
        "tab",
        "complete",
        "Complete",
        "composer",
        help="Complete the slash command (/ shows them)",
        show=False,
        priority=True,
    ),
    # While the popup shows, the arrows move its highlight and Escape closes it; else they
    # move the cursor (and Escape stops a reply) as before.
    Key(
        "composer.popup_previous",
        "up",
        "popup_move(-1)",
        "Previous",
        "composer",
        help="In the slash popup: the entry above",
        show=False,
        priority=True,
    ),
    Key(
        "composer.popup_next",
        "down",
        "popup_move(1)",
        "Next",
        "composer",
        help="In the slash popup: the entry below",
        show=False,
        priority=True,
    ),
    Key(
        "composer.popup_close",
        "escape",
        "close_popup",
        "Close",
        "composer",
        help="Close the slash popup",
        show=False,
        priority=True,
    ),
    Key(
        "composer.editor",
        "ctrl+g",
        "edit_externally",
        "Editor",
        "composer",
        help="Edit the prompt in $VISUAL / $EDITOR",
        command=Command("Edit prompt in $EDITOR"),
    ),
    # -- the transcript, focused: a turn selected.
    Key("transcript.previous", "up,k", "select(-1)", "Previous", "transcript", show=False),
    Key("transcript.next", "down,j", "select(1)", "Next", "transcript", show=False),
    Key("transcript.first", "home", "select_end(-1)", "First", "transcript", show=False),
    Key("transcript.last", "end", "select_end(1)", "Last", "transcript", show=False),
    Key(
        "transcript.tool_calls",
        "enter",
        "open_tools",
        "Tool calls",
        "transcript",
        help="Open or close the tool calls of the selected reply (arguments and results)",
    ),
    Key(
        "transcript.summary",
        "enter",
        "open_summary",
        "Summary",
        "transcript",
        help="On the line of summarised turns: read the summary, restore the turns",
    ),
    # -- the saved conversations. Typing goes to the filter, so the list's keys are priority.
    Key("browser.close", "escape", "close", "Close", "browser"),
    Key("browser.open", "enter", "open", "Open", "browser", priority=True),
    # In the trash Enter restores: its own binding, so the footer says so.
    Key(
        "browser.restore",
        "enter",
        "restore",
        "Restore",
        "browser",
        help="Restore it from the trash",
        priority=True,
    ),
    Key("browser.down", "down", "move(1)", "Next", "browser", show=False, priority=True),
    Key("browser.up", "up", "move(-1)", "Previous", "browser", show=False, priority=True),
    Key("browser.pgdn", "pagedown", "page(1)", "Page down", "browser", show=False, priority=True),
    Key("browser.pgup", "pageup", "page(-1)", "Page up", "browser", show=False, priority=True),
    Key("browser.first", "ctrl+home", "ends(0)", "First", "browser", show=False, priority=True),
    Key("browser.last", "ctrl+end", "ends(1)", "Last", "browser", show=False, priority=True),
    Key("browser.rename", "f2", "rename", "Rename", "browser"),
    Key(
        "browser.delete",
        "ctrl+d",
        "delete",
        "Delete",
        "browser",
        help="Move to the trash ({browser.undo} undoes)",
        priority=True,
    ),
    Key("browser.undo", "ctrl+z", "undo", "Undo delete", "browser", priority=True),
    Key(
        "browser.export",
        "ctrl+e",
        "export",
        "Export",
        "browser",
        help="Export as Markdown (or .json)",
        priority=True,
    ),
    Key(
        "browser.duplicate",
        "ctrl+k",
        "duplicate",
        "Continue",
        "browser",
        help="Continue from here in a new conversation",
        priority=True,
    ),
    Key(
        "browser.trash",
        "ctrl+t",
        "toggle_trash",
        "Trash",
        "browser",
        help="Show the trash, or the saved ones",
        priority=True,
    ),
    Key("browser.empty", "ctrl+x", "empty_trash", "Empty trash", "browser", priority=True),
    # A modal screen hides the app's own keys: these two are the way to every other key.
    Key(
        "browser.help",
        "f1",
        "app.help",
        "Keys",
        "browser",
        help="Every key, by screen",
        follows="app.help",
    ),
    Key(
        "browser.palette",
        "ctrl+p",
        "app.command_palette",
        "palette",
        "browser",
        show=False,
        priority=True,
    ),
    # -- the models screen.
    Key(
        "models.use",
        "enter",
        "use",
        "New chat",
        "models",
        help="Start a conversation with it",
        priority=True,
    ),
    Key(
        "models.inspect",
        "i",
        "inspect",
        "Inspect",
        "models",
        help="Inspect it: facts, parameters, template, license, Modelfile",
    ),
    Key("models.load", "l", "load", "Load", "models", help="Load into memory now"),
    Key("models.unload", "x", "unload", "Unload", "models", help="Free its memory now"),
    Key("models.pull", "p", "pull", "Pull", "models", help="Pull a model by name"),
    Key(
        "models.delete",
        "delete,d",
        "delete",
        "Delete",
        "models",
        help="Delete it from the server",
        display="d",
    ),
    Key(
        "models.use_here",
        "u",
        "use_here",
        "Use here",
        "models",
        help="Use it in the current conversation",
    ),
    Key("models.create", "c", "create", "Create", "models", help="Create a model from this one"),
    Key("models.copy", "y", "copy", "Copy", "models", help="Copy it under a new name"),
    Key("models.embed", "e", "embed", "Embed", "models", help="Compare texts' embeddings"),
    # Most terminals send Shift+P as a plain "P"; only the kitty protocol reports shift+p.
    Key("models.push", "P,shift+p", "push", "Push", "models", help="Push it to its registry"),
    Key("models.sort", "s", "sort", "Sort", "models", help="Sort by name, size, date, loaded"),
    Key(
        "models.cancel_job",
        "ctrl+x",
        "cancel_job",
        "Stop/clear job",
        "models",
        help="Stop a job; with none running, clear the finished ones",
    ),
    Key("models.close", "escape", "close", "Back", "models"),
    Key("models.refresh", "r", "refresh", "Refresh", "models", show=False),
    # -- the model picker: typing goes to its filter.
    Key("picker.cancel", "escape", "cancel", "Cancel", "picker"),
    Key("picker.down", "down", "move(1)", "Next", "picker", show=False),
    Key("picker.up", "up", "move(-1)", "Previous", "picker", show=False),
    Key("picker.choose", "enter", "choose", "Choose", "picker", priority=True),
    # -- dialogs: each says its keys in its own hint line as well.
    Key("pull_offer.accept", "enter,y", "accept", "Pull it", "pull_offer"),
    Key("pull_offer.decline", "escape,n", "decline", "Not now", "pull_offer"),
    Key("settings.cancel", "escape", "cancel", "Cancel", "settings"),
    Key("settings.save", "ctrl+s", "save", "Save", "settings", priority=True),
    Key(
        "settings.save_default",
        "ctrl+d",
        "save(True)",
        "Save as default",
        "settings",
        help="Save, and start new conversations with these settings too",
        priority=True,
    ),
    Key("help.close", "escape,f1,q", "close", "Close", "help"),
    Key("confirm.yes", "enter,y", "answer(True)", "Yes", "confirm", priority=True),
    Key("confirm.no", "escape,n", "answer(False)", "No", "confirm"),
    Key("choice.back", "escape", "answer_none", "Back", "choice"),
    Key("text_dialog.cancel", "escape", "cancel", "Cancel", "text_dialog"),
    Key("attach.complete", "tab", "complete", "Complete", "attach", priority=True),
    Key("inspect.close", "escape", "close", "Close", "inspect"),
    Key("commands.close", "escape,q", "close", "Close", "commands"),
    Key("inspect.copy", "ctrl+y", "copy_modelfile", "Copy Modelfile", "inspect"),
    Key("create.close", "escape", "close", "Cancel", "create"),
    Key("create.create", "ctrl+s", "create", "Create", "create", priority=True),
    Key("embed.close", "escape", "close", "Close", "embed"),
    Key("embed.run", "ctrl+s", "embed", "Embed", "embed", priority=True),
    Key("throughput.start", "enter", "start", "Start", "throughput", priority=True),
    Key(
        "throughput.close",
        "escape",
        "close",
        "Cancel",
        "throughput",
        help="Stop the test while it runs, else close",
    ),
    Key(
        "throughput.save",
        "ctrl+s",
        "save",
        "Save",
        "throughput",
        priority=True,
        help="Save the result (as Markdown or JSON: the Save as field)",
    ),
    Key("measurement.close", "escape", "close", "Close", "measurement"),
    Key("picker.mark", "space", "mark", "Mark", "picker", priority=True, help="Mark or unmark"),
    *(
        Key(
            f"compare.keep_{number}",
            str(number),
            f"keep({number})",
            f"Keep {number}",
            "compare",
            help=f"Keep reply {number}: the others stay as its versions",
            show=number == 1,
        )
        for number in range(1, 5)
    ),
    Key("compare.stop_one", "x", "stop_one", "Stop this", "compare", help="Stop this reply"),
    Key("compare.next", "tab", "next_column", "Next", "compare", show=False, help="Next reply"),
    Key(
        "compare.stop",
        "escape",
        "stop_all",
        "Stop all",
        "compare",
        help="Stop every reply",
    ),
    # The same key once every reply has ended: the footer names what it does then.
    Key(
        "compare.keep_first",
        "escape",
        "keep_first",
        "Keep 1",
        "compare",
        help="Once every reply has ended: keep the first",
    ),
    Key("approval.once", "y", "answer('once')", "Allow once", "approval"),
    Key(
        "approval.all",
        "a",
        "answer('conversation')",
        "Allow for this conversation",
        "approval",
    ),
    Key("approval.deny", "n,escape", "answer('denied')", "Deny", "approval"),
    Key("approval.reason", "r", "reason", "Deny with a reason", "approval"),
    # -- the map of versions: its list keeps the focus, so its keys are priority.
    Key("version_map.jump", "enter", "jump", "Jump", "version_map", priority=True),
    Key("version_map.close", "escape", "close", "Close", "version_map", priority=True),
    Key("version_map.up", "up,k", "move(-1)", "Previous", "version_map", show=False, priority=True),
    Key("version_map.down", "down,j", "move(1)", "Next", "version_map", show=False, priority=True),
    Key(
        "version_map.previous_version",
        "left",
        "other_version(-1)",
        "Version",
        "version_map",
        help="The previous version at the branch the cursor is in",
        display="←",
        priority=True,
    ),
    Key(
        "version_map.next_version",
        "right",
        "other_version(1)",
        "Version",
        "version_map",
        help="The next version at the branch the cursor is in",
        display="→",
        priority=True,
    ),
    # -- the prompt library. Typing goes to the filter, so its keys are priority ones.
    Key("library.use", "enter", "use", "Use", "library", priority=True),
    Key(
        "library.new_conversation",
        "ctrl+n",
        "new_conversation",
        "New conversation",
        "library",
        help="A new conversation with the persona",
        priority=True,
        follows="app.new_tab",
    ),
    Key(
        "library.delete",
        "ctrl+d",
        "delete",
        "Delete",
        "library",
        help="Delete the prompt or persona (asks first)",
        priority=True,
    ),
    Key("library.close", "escape", "close", "Close", "library"),
    Key("library.down", "down", "move(1)", "Next", "library", show=False, priority=True),
    Key("library.up", "up", "move(-1)", "Previous", "library", show=False, priority=True),
    # -- the tool permissions of a conversation. The list has focus and takes Enter for
    # itself: the withdrawal's keys are priority ones.
    Key(
        "grants.withdraw",
        "enter,delete",
        "withdraw",
        "Withdraw",
        "grants",
        help="Ask again before each call of the highlighted tool",
        priority=True,
    ),
    Key(
        "grants.withdraw_all",
        "a",
        "withdraw_all",
        "Withdraw all",
        "grants",
        help="Ask again before each call of every tool",
    ),
    Key("grants.close", "escape", "close", "Close", "grants"),
)

REGISTRY: dict[str, Key] = {key.id: key for key in KEYS}

SECTIONS: tuple[Section, ...] = (
    Section("app", "Everywhere"),
    Section("chat", "Conversation"),
    Section("composer", "Composer"),
    Section("models", "Models", opened_by="app.models"),
    Section("browser", "Saved conversations", opened_by="app.conversations"),
    Section("picker", "Model picker", opened_by="app.pick_model"),
    Section("pull_offer", "Pull offer"),
)
"""The groups of F1, in order. The transcript's keys (arrows), the help screen's own and the
dialogs' (each says them in its hint line) have none."""

_KEY_NAMES = {"pageup": "PageUp", "pagedown": "PageDown", "escape": "Esc"}
_REFERENCE = re.compile(r"\{([a-z0-9_.]+)\}")


def key_name(key: str) -> str:
    """`ctrl+pagedown` -> `Ctrl+PageDown`, `f1` -> `F1`, `y` -> `y`."""
    *modifiers, name = key.strip().split("+")
    if name in _KEY_NAMES:
        name = _KEY_NAMES[name]
    elif len(name) > 1 or modifiers:
        name = name.capitalize()
    return "+".join([*(modifier.capitalize() for modifier in modifiers), name])


def bindings(place: Place) -> list[BindingType]:
    """The `BINDINGS` of the screen or widget where `place`'s keys work."""
    return [key.binding() for key in KEYS if key.place == place]


def keys_in(place: Place) -> list[Key]:
    return [key for key in KEYS if key.place == place]


def place_of(node: DOMNode) -> Place | None:
    """Where the keys of `node` (a screen, a widget) belong, read from its bindings."""
    for binding in type(node).BINDINGS:
        if isinstance(binding, Binding) and binding.id in REGISTRY:
            return REGISTRY[binding.id].place
    return None


def full_keymap(keymap: Mapping[str, str]) -> dict[str, str]:
    """The config's `[keys]` with the keys that follow another (see `Key.follows`) rebound
    with it."""
    following = {
        key.id: keymap[key.follows]
        for key in KEYS
        if key.follows in keymap and key.id not in keymap
    }
    return {**keymap, **following}


def bound_keys(binding_id: str, keymap: Mapping[str, str]) -> list[str]:
    """The keys bound to `binding_id` now, as F1 writes them: the config's `[keys]` entry
    if it has one, else the default."""
    keys = full_keymap(keymap).get(binding_id) or REGISTRY[binding_id].keys
    return [key_name(key) for key in keys.split(",") if key.strip()]


def bound_key(binding_id: str, keymap: Mapping[str, str]) -> str:
    """The first key bound to `binding_id` now (`Ctrl+N`, or the config's)."""
    return bound_keys(binding_id, keymap)[0]


def keys_on(screen: Screen[Any], binding_id: str) -> list[str]:
    """The keys bound to `binding_id` on `screen` now, for a hint the screen draws: read
    from the bindings Textual has (the config's [keys] applied), else the defaults (an
    action that is off has none there)."""
    found = [
        key_name(active.binding.key)
        for active in screen.active_bindings.values()
        if active.binding.id == binding_id
    ]
    return found or bound_keys(binding_id, {})


def key_on(screen: Screen[Any], binding_id: str) -> str:
    """The first of `keys_on`."""
    return keys_on(screen, binding_id)[0]


def describe(key: Key, keymap: Mapping[str, str]) -> str:
    """What `key` does, in full, naming the keys it mentions as they are bound now."""
    return _REFERENCE.sub(lambda ref: bound_key(ref.group(1), keymap), key.help or key.label)


@functools.cache  # the registry is fixed: asked for every binding at each footer refresh
def actions_taken_over(place: Place) -> frozenset[str]:
    """The app's actions that a screen of `place` does in its own way, with a key that
    follows the app's (the library's new conversation on a persona): the app's priority
    keys are tried before any screen's, so the app must let these pass."""
    return frozenset(
        REGISTRY[key.follows].action
        for key in keys_in(place)
        if key.follows and not key.action.startswith("app.")
    )


@functools.cache  # the registry is fixed: asked for every binding at each footer refresh
def workspace_actions() -> frozenset[str]:
    """The app's actions on the tab in view, which a covering screen turns off."""
    return frozenset(key.action.split("(")[0] for key in KEYS if key.workspace)


def known_binding_ids() -> set[str]:
    """Every binding id a `[keys]` entry in the config can rebind."""
    return set(REGISTRY)


def unknown_binding_ids(ids: Iterable[str]) -> list[str]:
    """The ids no action has, each with the known ones it may be a slip for."""
    unknown = []
    for binding_id in sorted(set(ids) - REGISTRY.keys()):
        close = difflib.get_close_matches(binding_id, REGISTRY, n=3, cutoff=0.85)
        unknown.append(
            f"{binding_id} (did you mean {' or '.join(close)}?)" if close else binding_id
        )
    return unknown
