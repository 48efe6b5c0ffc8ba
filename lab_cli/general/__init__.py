"""General prompts shipped with lab (``probes``): the probe half measures drift, the rehearsal half is rehearsed.

The defaults of a drift measurement live here, free of imports, so the command line can show them cheaply.
"""

# Defaults keep drift cheap beside the per-leaf scores on a CPU: 32 probes are one generation batch, and 64 new
# tokens answer most general prompts (a greeting, a sum, a definition) while cutting a rambling one short. On the
# bundled SmolLM2-135M on 2 cores that is about a minute per model; `lab eval --probe-count 98` uses every probe.
PROBE_COUNT = 32
PROBE_TOKENS = 64
