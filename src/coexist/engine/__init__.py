"""The simulation engine: compiled monthly passes over a struct-of-arrays population."""

from coexist.engine.result import SimulationResult
from coexist.engine.simulate import simulate

__all__ = ["SimulationResult", "simulate"]
