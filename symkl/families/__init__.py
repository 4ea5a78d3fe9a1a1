"""The families symkl knows, one module each.  Adding a family means adding its module here.

>>> from symkl.families import Normal, ALL
>>> Normal in ALL
True
"""
import importlib
import pkgutil

from symkl.family import Family

_ORDER = ("Normal", "Exponential", "Gamma", "Beta", "Laplace", "Cauchy", "Poisson", "Bernoulli")


def _discover() -> tuple[Family, ...]:
    """Every Family record defined in a module of this package (nothing is registered by hand)."""
    found = []
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        found += [v for v in vars(module).values() if isinstance(v, Family)]
    rank = {name: i for i, name in enumerate(_ORDER)}
    return tuple(sorted(set(found), key=lambda f: (rank.get(f.name, len(rank)), f.name)))


ALL = _discover()
BY_NAME = {f.name.lower(): f for f in ALL}
globals().update({f.name: f for f in ALL})

__all__ = ["ALL", "BY_NAME", *sorted(f.name for f in ALL)]
