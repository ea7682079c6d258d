"""Errors shared by every builder."""


class BuildError(Exception):
    """A build step failed; the message names the file, symbol or tool output."""
