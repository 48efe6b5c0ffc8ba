"""Per-leaf scores on each leaf's eval split and the forgetting matrix along a model's lineage."""
