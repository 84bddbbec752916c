"""The one jinja2 setup every generated file uses: strict (an undefined name is an error, never an empty string),
no autoescaping (the outputs are C and config files, not HTML), and block tags that leave no blank lines."""

from __future__ import annotations

from typing import Callable

import jinja2


def strict_environment(**filters: Callable[..., str]) -> jinja2.Environment:
    """An environment with the given filters, by name."""
    env = jinja2.Environment(
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        autoescape=False,
    )
    env.filters.update(filters)
    return env
