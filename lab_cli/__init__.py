"""lab: grow a language model's knowledge and skills from a taxonomy git repository."""

__version__ = "0.1.0"
