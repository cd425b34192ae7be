"""Theme files: the shipped ones load, a broken one is reported and skipped."""

from __future__ import annotations

from pathlib import Path

from ollama_tui.ui.themes import load_themes, shipped_theme_dirs


def test_shipped_themes_are_valid() -> None:
    themes, problems = load_themes(shipped_theme_dirs())
    assert problems == []
    names = {theme.name for theme in themes}
    assert {"ollama-dark", "ollama-light"} <= names


def test_a_broken_theme_is_reported_once_and_skipped(tmp_path: Path) -> None:
    (tmp_path / "good.toml").write_text('name = "good"\nprimary = "#123456"\n')
    (tmp_path / "bad-colour.toml").write_text('name = "bad"\nprimary = "not-a-color"\n')
    (tmp_path / "bad-key.toml").write_text('name = "odd"\nprimary = "#fff"\nsparkle = 1\n')
    (tmp_path / "bad-toml.toml").write_text("name = \n")
    themes, problems = load_themes([tmp_path])
    assert [theme.name for theme in themes] == ["good"]
    assert len(problems) == 3
    assert any("not-a-color" in problem for problem in problems)
    assert any("sparkle" in problem for problem in problems)
