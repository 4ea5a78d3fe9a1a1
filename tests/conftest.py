"""Shared fixtures: one test per family."""
import pytest

from symkl.families import ALL


@pytest.fixture(params=ALL, ids=lambda f: f.name)
def family(request):
    return request.param
