"""Printers: LaTeX for textbooks (and, later, other notations)."""
