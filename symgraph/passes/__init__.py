"""Graph passes: each a function from a graph to a graph (or to an analysis)."""
