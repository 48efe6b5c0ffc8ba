"""``lab chat``: talk to a checkpoint in the terminal, with the system prompt it was trained with."""
