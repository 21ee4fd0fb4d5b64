"""``python -m kl_derive`` runs the command-line tool."""

from .cli import main

if __name__ == "__main__":  # pragma: no cover - exercised through subprocess tests
    main()
