"""Production settings: `check --deploy` is clean, and nothing falls back silently."""

import base64
import os
import subprocess
import sys

import pytest
from django.conf import settings

VAULT_KEYS = "k1:" + base64.b64encode(bytes(range(32))).decode()


def production_env(tmp_path, **overrides) -> dict:
    """The environment of a correctly configured production installation (None removes)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k != "DJANGO_ALLOW_ASYNC_UNSAFE"  # set by browser tests
        and not k.startswith(("HOSTKONTOR_", "SECRET_KEY"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="hostkontor.settings",
        HOSTKONTOR_ENV="production",
        SECRET_KEY="x" * 30 + "-Produktion-9f8e7d6c5b4a3928171605f4e3d2c1b0a",
        HOSTKONTOR_ALLOWED_HOSTS="hostkontor.example.com",
        HOSTKONTOR_VAR_DIR=str(tmp_path),
        HOSTKONTOR_VAULT_KEYS=VAULT_KEYS,
        HOSTKONTOR_EMAIL_HOST="smtp.example.com",
    )
    if "DATABASE_URL" in os.environ:
        env["DATABASE_URL"] = os.environ["DATABASE_URL"]
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def run(args, env):
    return subprocess.run(
        args, cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )


CHECK_DEPLOY = [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"]
DJANGO_SETUP = [sys.executable, "-c", "import django, django.conf; django.setup()"]


@pytest.mark.parametrize("preload", [None, "1"])
def test_check_deploy_is_clean_with_production_settings(tmp_path, preload):
    # given the production environment, with HSTS preloading left off or opted into
    env = production_env(tmp_path, HOSTKONTOR_HSTS_PRELOAD=preload)
    # when Django's deployment checks run
    result = run(CHECK_DEPLOY, env)
    # then they pass without a single warning
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_hsts_preload_is_off_unless_opted_in(tmp_path):
    # given production settings with and without the opt-in
    show = [
        *DJANGO_SETUP[:2],
        DJANGO_SETUP[2] + "; print(django.conf.settings.SECURE_HSTS_PRELOAD)",
    ]
    default = run(show, production_env(tmp_path))
    opted_in = run(show, production_env(tmp_path, HOSTKONTOR_HSTS_PRELOAD="1"))
    # then preloading is only on when asked for
    assert (default.stdout.strip(), opted_in.stdout.strip()) == ("False", "True")


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"SECRET_KEY": None}, "SECRET_KEY"),
        ({"SECRET_KEY": "  "}, "SECRET_KEY"),
        ({"HOSTKONTOR_VAULT_KEYS": None}, "HOSTKONTOR_VAULT_KEYS or HOSTKONTOR_VAULT_KEY_FILE"),
        ({"HOSTKONTOR_EMAIL_HOST": None}, "HOSTKONTOR_EMAIL_HOST"),
    ],
)
def test_production_refuses_to_start_without_explicit_configuration(tmp_path, overrides, named):
    # given a production environment that lacks one variable
    env = production_env(tmp_path, **overrides)
    # when Django starts (as every command and the web server do)
    result = run(DJANGO_SETUP, env)
    # then it refuses, naming the variable, and creates no fallback file next to the data
    assert result.returncode == 1
    assert "django.core.exceptions.ImproperlyConfigured: HOSTKONTOR_ENV=production needs: " in (
        result.stderr
    )
    assert named in result.stderr.splitlines()[-1]
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_production_names_every_missing_variable_at_once(tmp_path):
    env = production_env(
        tmp_path, SECRET_KEY=None, HOSTKONTOR_VAULT_KEYS=None, HOSTKONTOR_EMAIL_HOST=None
    )
    result = run([*CHECK_DEPLOY], env)
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == (
        "django.core.exceptions.ImproperlyConfigured: HOSTKONTOR_ENV=production needs: "
        "SECRET_KEY (a long random string); HOSTKONTOR_VAULT_KEYS or HOSTKONTOR_VAULT_KEY_FILE "
        "(the vault keys); HOSTKONTOR_EMAIL_HOST (the SMTP server; mail must not go to files). "
        "See README.md."
    )


def test_production_refuses_a_vault_key_file_that_does_not_exist(tmp_path):
    # given a key file setting that points nowhere
    missing = tmp_path / "keys" / "vault.keys"
    env = production_env(
        tmp_path, HOSTKONTOR_VAULT_KEYS=None, HOSTKONTOR_VAULT_KEY_FILE=str(missing)
    )
    # then startup fails naming the file, and none is created
    result = run(DJANGO_SETUP, env)
    assert result.returncode == 1
    assert f"HOSTKONTOR_VAULT_KEY_FILE ({missing} does not exist)" in result.stderr
    assert not missing.exists()


def test_production_accepts_an_existing_vault_key_file(tmp_path):
    key_file = tmp_path / "vault.keys"
    key_file.write_text(VAULT_KEYS + "\n")
    env = production_env(
        tmp_path, HOSTKONTOR_VAULT_KEYS=None, HOSTKONTOR_VAULT_KEY_FILE=str(key_file)
    )
    result = run(DJANGO_SETUP, env)
    assert result.returncode == 0, result.stderr


def test_a_misspelt_environment_is_refused(tmp_path):
    # given HOSTKONTOR_ENV with a typo (which used to mean: development, silently)
    env = production_env(tmp_path, HOSTKONTOR_ENV="prod")
    # then Django does not start
    result = run(DJANGO_SETUP, env)
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == (
        "django.core.exceptions.ImproperlyConfigured: HOSTKONTOR_ENV must be 'development' "
        "or 'production', not 'prod'"
    )
