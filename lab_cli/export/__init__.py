"""Checkpoints written for other runtimes: GGUF for llama.cpp, Ollama and LM Studio (``lab model export``)."""
