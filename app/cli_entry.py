"""`python -m app.cli_entry ...` is the `kompeten` command (used for child processes of the demo)."""

from app.cli import main

if __name__ == "__main__":
    main()
