"""Command groups of the ``scalewatch`` CLI (one module per group)."""
