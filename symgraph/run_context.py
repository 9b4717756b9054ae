"""What a run of a graph knows that the graph does not: train or predict mode,
and the step number that counter-based random ops mix into their counters."""

from dataclasses import dataclass


@dataclass(frozen=True)
class RunContext:
    is_train: bool = False
    step: int = 0
