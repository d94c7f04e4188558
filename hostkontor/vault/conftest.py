import pytest

from hostkontor.vault.testing import vault_keys  # noqa: F401 (fixture)


@pytest.fixture(autouse=True)
def _vault_keys_everywhere(vault_keys):  # noqa: F811
    """Every vault test runs with a known key from the environment."""
    return vault_keys
