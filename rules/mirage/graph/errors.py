"""Errors raised by the pure resolver: each message names the unikernel, the path and the fix."""


class MirageConfigError(Exception):
    """A problem in what the BUILD files declare; the message is meant for the user, not a traceback."""


class ResolutionError(MirageConfigError):
    """The functor graph cannot be resolved for the chosen ABI."""
