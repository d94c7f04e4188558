import os
import subprocess
import sys

from django.conf import settings


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    # given the production environment with a real secret key
    env = {
        k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }  # set by browser tests
    env.update(
        HOSTKONTOR_ENV="production",
        SECRET_KEY="x" * 30 + "-Produktion-9f8e7d6c5b4a3928171605f4e3d2c1b0a",
        HOSTKONTOR_ALLOWED_HOSTS="hostkontor.example.com",
        HOSTKONTOR_VAR_DIR=str(tmp_path),
    )
    # when Django's deployment checks run
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    # then they pass without a single warning
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
