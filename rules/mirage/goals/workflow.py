"""The everyday goals beside package and run: `mirage-describe`."""

from mirage.goals import describe
from mirage.util_rules import describe as describe_steps


def rules():
    return [*describe.rules(), *describe_steps.rules()]
