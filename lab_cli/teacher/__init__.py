"""Teacher models: an OpenAI-compatible client with bounded concurrency and retries, and the local default."""
