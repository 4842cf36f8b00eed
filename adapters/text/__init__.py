"""Text adapters: tables of Unicode data the domain asks about through ports/text.py."""
