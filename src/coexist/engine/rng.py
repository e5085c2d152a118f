"""Randomness owned by the engine.

Per-person draws come from a counter-based stream: a hash of (seed, person, month, slot),
so a draw never depends on the order in which people are visited or on the number of
threads. The compiled passes hash (seed, month) once a month, then each person's key
with one mix; the key itself is the person's death draw, and every other slot costs one
more mix. Aggregate draws (Poisson counts of applicants, multinomial splits) come from
NumPy generators spawned from the seed per month and phase.
"""

from __future__ import annotations

import numpy as np
from numba import njit, uint64

__all__ = ["uniform", "uniforms", "month_key", "person_key", "draw", "draw_from_key", "generator", "SLOT"]

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)

# Slots name the independent draws a person makes in one month.
SLOT = {
    "test": 1,
    "language": 2,
    "job_change": 3,
    "abscond": 4,
    "choice": 5,
    "early_return": 6,
    "family": 7,
    "exit": 8,
    "transition": 9,
    "detect": 10,
    "depart": 11,
    "home_job": 12,
    "remigrate": 13,
    "death": 0,  # the person's key itself (see draw_from_key)
    "admit": 15,
    "attr_a": 16,
    "attr_b": 17,
    "attr_c": 18,
    "attr_d": 19,
    "employer": 20,
    "target": 21,
    "job_sector": 22,
    "route": 23,
    "border": 24,
    "recognise": 25,
    "search": 26,
    "recall": 27,
}
# The same slots as plain module constants, which compiled code can read.
for _name, _value in SLOT.items():
    globals()[f"SLOT_{_name.upper()}"] = _value
_DEATH = SLOT["death"]


@njit(inline="always", cache=True)
def _mix(z):
    z = (z ^ (z >> uint64(30))) * uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> uint64(27))) * uint64(0x94D049BB133111EB)
    return z ^ (z >> uint64(31))


@njit(inline="always", cache=True)
def month_key(seed, month):
    """The stream of one month of one run, hashed once before a pass."""
    z = _mix(uint64(seed) * uint64(0x9E3779B97F4A7C15) + uint64(0xD1B54A32D192ED03))
    return _mix(z + uint64(month) * uint64(0xD1B54A32D192ED03))


@njit(inline="always", cache=True)
def person_key(stream, person):
    """The stream of one person in one month (one mix); each slot then costs one more."""
    return _mix(stream + uint64(person) * uint64(0x9E3779B97F4A7C15))


@njit(inline="always", cache=True)
def _unit(z):
    return (z >> uint64(11)) * (1.0 / 9007199254740992.0)


@njit(inline="always", cache=True)
def draw_from_key(key):
    """The key's own uniform: the draw of slot 0 (death), which needs no further mix."""
    return _unit(key)


@njit(inline="always", cache=True)
def draw(key, slot):
    """A uniform number in [0, 1) for one slot (1, 2, ...) of a person's monthly stream."""
    return _unit(_mix(key + uint64(slot) * uint64(0x8CB92BA72F3D8DD7)))


@njit(inline="always", cache=True)
def uniform(seed, person, month, slot):
    """A uniform number in [0, 1) fixed by (seed, person, month, slot)."""
    key = person_key(month_key(seed, month), person)
    if slot == _DEATH:
        return draw_from_key(key)
    return draw(key, slot)


def generator(seed: int, month: int, phase: int) -> np.random.Generator:
    """NumPy generator for aggregate draws of one phase in one month."""
    return np.random.default_rng(np.random.SeedSequence([int(seed), int(month) + 100_000, int(phase)]))


@njit(cache=True)
def uniforms(seed, persons, month, slot):
    """Vector of counter-based uniforms for the given person ids."""
    out = np.empty(persons.shape[0], dtype=np.float64)
    for k in range(persons.shape[0]):
        out[k] = uniform(seed, persons[k], month, slot)
    return out
