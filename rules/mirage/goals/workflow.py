"""The everyday goals beside package and run: `check`, `mirage-describe`, `mirage-compile-commands` and `run` on host
programs."""

from mirage.goals import check, compile_commands, describe, run_host_program
from mirage.util_rules import compile_commands as compile_commands_steps
from mirage.util_rules import describe as describe_steps


def rules():
    return [
        *check.rules(),
        *compile_commands.rules(),
        *compile_commands_steps.rules(),
        *describe.rules(),
        *describe_steps.rules(),
        *run_host_program.rules(),
    ]
