"""The everyday goals beside package and run: `check`, `mirage-describe` and `run` on host programs."""

from mirage.goals import check, describe, run_host_program
from mirage.util_rules import describe as describe_steps


def rules():
    return [*check.rules(), *describe.rules(), *describe_steps.rules(), *run_host_program.rules()]
