"""Derivation routes, tried in order; each returns Pieces or raises Declined with a reason.

>>> [name for name, _ in ROUTES]
['bregman', 'linearity', 'integrate']
"""
from symkl.routes import bregman, integrate, linearity

ROUTES = (("bregman", bregman.derive), ("linearity", linearity.derive),
          ("integrate", integrate.derive))
