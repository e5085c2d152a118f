import pytest

from coexist.engine import simulate
from coexist.testing import tiny_world


@pytest.fixture(scope="session")
def tiny_temporary():
    return simulate(tiny_world("japan-temporary"), seed=7)


@pytest.fixture(scope="session")
def tiny_circular():
    return simulate(tiny_world("japan-circular"), seed=7)
