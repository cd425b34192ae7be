"""The config file and the command line: parsing, problems with lines, precedence."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from ollama_tui.cli import build_parser, settings_from_args
from ollama_tui.config import HostConfig, read_config

FULL = """\
# every key, as the README documents it
default_host = "gpu"
data_dir = "~/chats"
theme = "ollama-midnight"
flush_hz = 20
cursor_blink = true
animations = false
max_fps = 30
connect_timeout = 3
read_timeout = 120
use_proxy = true

[hosts.laptop]
url = "127.0.0.1:11434"

[hosts.gpu]
url = "https://gpu.example.com/ollama"
headers = { Authorization = "Bearer s3cret" }
verify_tls = false
read_timeout = 600

[defaults]
model = "qwen3:8b"
system = "Be brief."
keep_alive = "10m"
options = { temperature = 0.2, num_ctx = 8192 }

[keys]
"app.models" = "f6"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def settings_for(argv: list[str], environ: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return settings_from_args(build_parser().parse_args(argv), environ or {})


def test_a_full_config_is_read_key_by_key(tmp_path: Path) -> None:
    config = read_config(write(tmp_path, FULL))
    assert config.problems == []
    assert config.default_host == "gpu" and config.theme == "ollama-midnight"
    assert config.data_dir == Path("~/chats").expanduser()
    assert (config.flush_hz, config.cursor_blink, config.animations, config.max_fps) == (
        20,
        True,
        False,
        30,
    )
    laptop, gpu = config.hosts
    # Top-level connection settings are every host's defaults; a host's own win.
    assert laptop == HostConfig(
        "laptop", "127.0.0.1:11434", use_proxy=True, connect_timeout=3, read_timeout=120
    )
    assert gpu.headers == {"Authorization": "Bearer s3cret"}
    assert (gpu.verify_tls, gpu.read_timeout, gpu.connect_timeout) == (False, 600, 3)
    assert config.default_model == "qwen3:8b"
    assert config.conversation_defaults == {
        "system": "Be brief.",
        "keep_alive": "10m",
        "options": {"temperature": 0.2, "num_ctx": 8192},
    }
    assert config.keys == {"app.models": "f6"}


def test_wrong_values_are_reported_with_file_line_and_key_and_the_rest_is_used(
    tmp_path: Path,
) -> None:
    path = write(
        tmp_path,
        'theme = "ollama-16"\n'
        "flush_hz = 0\n"
        'cursor_blink = "yes"\n'
        "colour = 3\n"
        "\n"
        "[hosts.gpu]\n"
        "url = 11434\n"
        "\n"
        "[hosts.box]\n"
        'url = "box:11434"\n'
        "read_timeout = true\n"
        "\n"
        "[defaults]\n"
        "temperature = 0.5\n",
    )
    config = read_config(path)
    assert config.theme == "ollama-16"  # good keys are kept
    assert config.problems == [
        f"{path}, line 2: flush_hz: must be from 1 to 120; ignored",
        f"{path}, line 3: cursor_blink: expected true or false, got 'yes'; ignored",
        f"{path}, line 7: hosts.gpu.url: expected a URL like http://gpu-box:11434, got 11434;"
        " ignored",
        f"{path}: [hosts.gpu] has no url; host ignored",
        f"{path}, line 11: hosts.box.read_timeout: expected seconds, got True; ignored",
        f"{path}, line 14: defaults.temperature: unknown key; ignored (a typo?)",
        f"{path}, line 4: colour: unknown key; ignored (a typo?)",
    ]
    assert [host.name for host in config.hosts] == ["box"]


def test_a_file_that_is_not_toml_names_the_line_and_falls_back_to_the_defaults(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, 'theme = "a"\n[hosts.gpu\nurl = "x"\n')
    config = read_config(path)
    assert len(config.problems) == 1
    assert str(path) in config.problems[0] and "line 2" in config.problems[0]
    assert config.theme is None and config.hosts == []
    assert read_config(tmp_path / "missing.toml").problems == []  # no file: nothing to say
    before = path.read_bytes()
    settings_for(["--config", str(path)])
    assert path.read_bytes() == before  # the user's file is never rewritten


def test_the_host_comes_from_the_flag_then_the_environment_then_the_config(
    tmp_path: Path,
) -> None:
    path = str(write(tmp_path, FULL))
    env = {"OLLAMA_HOST": "env-box:1234"}
    flag = settings_for(["--config", path, "--host", "flag-box"], env)
    assert (flag.host, flag.host_name) == ("flag-box", "default")
    from_env = settings_for(["--config", path], env)
    assert (from_env.host, from_env.host_name) == ("env-box:1234", "default")
    from_config = settings_for(["--config", path])
    assert (from_config.host, from_config.host_name) == ("https://gpu.example.com/ollama", "gpu")
    assert from_config.headers == {"Authorization": "Bearer s3cret"}
    assert [h.name for h in from_config.other_hosts] == ["laptop"]
    # OLLAMA_HOST naming a configured host's address takes that host, headers and all.
    same = settings_for(["--config", path], {"OLLAMA_HOST": "https://gpu.example.com:443/ollama"})
    assert same.host_name == "gpu" and same.read_timeout == 600
    # A flag's header is added to the host's.
    extra = settings_for(["--config", path, "--header", "X-Trace: 1"])
    assert extra.headers == {"Authorization": "Bearer s3cret", "X-Trace": "1"}
    nothing = settings_for(["--config", str(tmp_path / "none.toml")])
    assert nothing.host is None and nothing.other_hosts == ()
    assert "no such file" in nothing.problems[0]


def test_data_dir_timeouts_and_ssh_defaults_follow_the_same_order(tmp_path: Path) -> None:
    path = str(write(tmp_path, FULL))
    settings = settings_for(["--config", path])
    assert settings.data_dir == Path("~/chats").expanduser()
    assert settings.max_fps == 30 and not settings.animations and settings.cursor_blink
    assert settings_for(["--config", path], {"OLLAMA_TUI_DATA_DIR": "/env"}).data_dir == Path(
        "/env"
    )
    flagged = settings_for(["--config", path, "--data-dir", "/flag", "--read-timeout", "9"])
    assert flagged.data_dir == Path("/flag") and flagged.read_timeout == 9
    plain = tmp_path / "plain.toml"
    plain.write_text("")
    local = settings_for(["--config", str(plain)])
    assert local.animations and local.max_fps is None
    remote = settings_for(["--config", str(plain)], {"SSH_CONNECTION": "10.0.0.2 5 10.0.0.1 22"})
    assert not remote.animations and remote.max_fps is None  # Textual's rate, as locally


def test_help_lists_every_flag_and_environment_variable() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ollama_tui", "--help"], capture_output=True, text=True, check=True
    )
    for word in (
        "--config",
        "--host",
        "--data-dir",
        "--header",
        "--connect-timeout",
        "--read-timeout",
        "--session",
        "--version",
        "OLLAMA_HOST",
        "OLLAMA_TUI_DATA_DIR",
        "OLLAMA_TUI_CONFIG",
        "SSH_CONNECTION",
        "HTTPS_PROXY",
        "TEXTUAL_COLOR_SYSTEM",
        "VISUAL",
    ):
        assert word in result.stdout, word


def test_the_readme_names_every_binding_id_the_config_can_rebind() -> None:
    from ollama_tui.ui.kit.keys import known_binding_ids

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    missing = sorted(i for i in known_binding_ids() if f"`{i}`" not in readme)
    assert missing == []


def test_headers_are_checked_as_they_are_read_and_a_problem_never_quotes_a_value(
    tmp_path: Path,
) -> None:
    secret = "sk-configsecret-0123"
    path = write(
        tmp_path,
        "max_reply_mb = 2\n"
        "[headers]\n"
        f'Authorization = "Bearer {secret}\\n"\n'
        f'X-Accent = "café-{secret}"\n'
        f'X-Control = "a\\u001bb{secret}"\n'
        f'"X Spaced" = "{secret}"\n'
        "X-Number = 5\n",
    )
    config = read_config(path)
    # Spaces and a line break around a value are not part of it: pasted, and meant without.
    assert config.connection["headers"] == {"Authorization": f"Bearer {secret}"}
    assert config.max_reply_bytes == 2_000_000
    assert settings_for(["--config", str(path)]).max_reply_bytes == 2_000_000
    assert settings_for(["--config", str(tmp_path / "none.toml")]).max_reply_bytes == 8_000_000
    problems = "\n".join(config.problems)
    assert secret not in problems
    assert f"{path}, line 4: headers.X-Accent: its value has characters other " in problems
    assert "headers.X-Control: its value has a line break or another control" in problems
    assert "headers.X Spaced: a header name is letters" in problems
    assert "line 7: headers.X-Number: not text; the header is not sent" in problems
    for flag in (f"X-Accent: café{secret}", f"Authorization Bearer {secret}"):
        result = subprocess.run(
            [sys.executable, "-m", "ollama_tui", "--header", flag, "list"],
            capture_output=True,
            text=True,
        )
        assert result.returncode == 2 and "--header" in result.stderr
        assert secret not in result.stderr


def test_a_password_in_a_host_url_is_masked_in_every_problem(tmp_path: Path) -> None:
    path = str(write(tmp_path, 'default_host = "http://alice:pw-hostsecret-77@gpu-box"\n'))
    settings = settings_for(["--config", path])
    assert settings.host == "http://alice:pw-hostsecret-77@gpu-box"  # still used to connect
    assert "default_host: no [hosts." in settings.problems[0]
    assert "pw-hostsecret-77" not in " ".join(settings.problems)
    assert "http://***@gpu-box" in settings.problems[0]


def test_a_key_holding_an_escape_sequence_is_refused_where_it_is_read(tmp_path: Path) -> None:
    # Keys are drawn in F1, the footer and the welcome: an escape in one must not get there.
    path = write(
        tmp_path,
        '[keys]\n"app.models" = "f9\\u001b]0;PWNED\\u0007"\n"app.help" = "f2, ctrl+k"\n',
    )
    config = read_config(path)
    assert config.keys == {"app.help": "f2, ctrl+k"}
    assert any("app.models" in problem for problem in config.problems)


def test_follow_step_is_rows_or_half_and_half_by_default_over_ssh(tmp_path: Path) -> None:
    ssh = {"SSH_CONNECTION": "10.0.0.2 5 10.0.0.1 22"}
    plain = write(tmp_path, "")
    assert settings_for(["--config", str(plain)]).follow_step == 1
    assert settings_for(["--config", str(plain)], ssh).follow_step is None  # half the view
    rows = write(tmp_path, "follow_step = 12\n")
    assert settings_for(["--config", str(rows)], ssh).follow_step == 12
    half = write(tmp_path, 'follow_step = "half"\n')
    assert settings_for(["--config", str(half)]).follow_step is None
    bad = write(tmp_path, 'follow_step = "lots"\n')
    config = read_config(bad)
    assert config.follow_step is None
    assert config.problems == [
        f'{bad}, line 1: follow_step: must be a number of rows or "half"; ignored'
    ]
    assert read_config(write(tmp_path, "follow_step = 0\n")).follow_step is None


AUTO_CONFIG = """\
default_host = "auto"

[hosts.laptop]
url = "127.0.0.1:11434"

[hosts.gpu]
url = "gpu-box"
"""


def test_default_host_auto_spreads_new_conversations_over_the_hosts(tmp_path: Path) -> None:
    path = str(write(tmp_path, AUTO_CONFIG))
    settings = settings_for(["--config", path])
    assert settings.problems == ()
    assert settings.auto_host
    # The first host is the default one: the models screen and pulls work on it.
    assert settings.host_name == "laptop" and [h.name for h in settings.other_hosts] == ["gpu"]
    # --host (and OLLAMA_HOST) name one host, and win over `auto` as over any default_host.
    assert not settings_for(["--config", path, "--host", "gpu-box"]).auto_host
    assert not settings_for(["--config", path], {"OLLAMA_HOST": "gpu-box"}).auto_host


def test_default_host_auto_with_one_host_is_refused_and_that_host_is_used(tmp_path: Path) -> None:
    one = AUTO_CONFIG.split("[hosts.gpu]")[0]
    settings = settings_for(["--config", str(write(tmp_path, one))])
    assert not settings.auto_host and settings.host_name == "laptop"
    (problem,) = settings.problems
    assert "line 1: default_host:" in problem
    assert '"auto" spreads requests over two [hosts.NAME] tables or more' in problem
    assert "there is one; [hosts.laptop] is used" in problem
    none = settings_for(["--config", str(write(tmp_path, 'default_host = "auto"\n'))])
    assert not none.auto_host and none.host is None
    assert "there are none; 127.0.0.1:11434 is used" in none.problems[0]


def test_no_host_may_be_called_auto(tmp_path: Path) -> None:
    config = read_config(write(tmp_path, '[hosts.auto]\nurl = "gpu-box"\n'))
    assert config.hosts == []
    (problem,) = config.problems
    assert problem.endswith('hosts.auto: "auto" chooses among the hosts, it cannot be one; ignored')
