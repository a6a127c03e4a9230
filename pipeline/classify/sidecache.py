"""Values worked out from a fitted model (its stacked coefficients, its n-gram lookups), kept beside the model
rather than on it: a saved model does not carry them, and they go when the model goes.

The models are dataclasses (not hashable) and scikit-learn estimators, so the store is keyed by id(); a weak
reference to the owner tells a live owner from another object that now has its address, and drops the
entry when the owner is collected.
"""

from __future__ import annotations

import weakref

_KEPT: dict[int, tuple[weakref.ref, dict]] = {}  # id(owner) -> (a weak reference to it, its values by key)


def kept_for(owner) -> dict:
    """The dict of values kept for `owner` (empty the first time it is asked for)."""
    address = id(owner)
    ref, kept = _KEPT.get(address, (None, None))
    if ref is None or ref() is not owner:  # an owner not seen before, or another one now at its address
        kept = {}
        _KEPT[address] = (weakref.ref(owner, lambda _r: _KEPT.pop(address, None)), kept)
    return kept
