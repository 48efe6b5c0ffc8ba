"""General prompts shipped with lab (``probes``): the probe half measures drift, the rehearsal half is rehearsed.

The defaults of a drift measurement live here, free of imports, so the command line can show them cheaply.
"""

# Defaults keep drift affordable beside the per-leaf scores on a CPU: 32 probes are one generation batch (enough
# for an interval over probes), and 64 new tokens answer most general prompts (a greeting, a sum, a definition)
# while cutting a rambling one short. Measured on the bundled SmolLM2-135M: the base and one checkpoint (two answer
# passes and the KL) took 287 s on 2 cores shared with a running benchmark; the base's answers are then cached.
# `lab eval --probe-count 98` uses every probe.
PROBE_COUNT = 32
PROBE_TOKENS = 64
