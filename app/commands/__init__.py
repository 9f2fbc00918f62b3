"""The `kompeten` sub-commands; each prints its progress and a summary."""
