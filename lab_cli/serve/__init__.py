"""An OpenAI-compatible server over a local checkpoint: the teacher for offline work and for tests."""
