"""symkl: derive, explain and verify information-theoretic quantities between distributions.

The public API is loaded on first use, so ``import symkl`` stays cheap (SymPy is imported when
a derivation is first asked for).

>>> import symkl
>>> from symkl.families import Normal
>>> symkl.kl(Normal(0, 1), Normal(1, 1)).expr
1/2
"""
from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "kl": "symkl.quantities", "entropy": "symkl.quantities", "cross_entropy": "symkl.quantities",
    "check": "symkl.checker", "CheckReport": "symkl.checker",
    "Result": "symkl.result", "NotDerivable": "symkl.engine", "derive": "symkl.engine",
    "IncompatiblePair": "symkl.support", "UnsafeExpressionError": "symkl.parse",
    "VerificationReport": "symkl.verify",
    **{name: "symkl.divergences" for name in (
        "divergence", "renyi", "bhattacharyya", "hellinger", "chi_square", "jeffreys",
        "renyi_entropy", "total_variation", "jensen_shannon", "f_divergence")},
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'symkl' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
