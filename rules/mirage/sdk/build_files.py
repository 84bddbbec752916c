"""Read the SDK's BUILD files the way Pants does, without Pants: each call of a target type becomes an `SdkTarget`.

The SDK's BUILD files are ordinary BUILD files of this repository (devices/BUILD, targets/hvt/BUILD, ...), so the
wheel ships them as they are; the plugin evaluates them with recording functions and declares the targets they
describe as synthetic targets (sdk/sdk_rules.py). Pure: no Pants engine, no file system.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, List, Mapping, Sequence, Tuple

from mirage.graph.errors import MirageConfigError


class SdkBuildFileError(MirageConfigError):
    """The bundled SDK's BUILD file cannot be read: the wheel is damaged or from another plugin version."""


@dataclass(frozen=True)
class SdkTarget:
    alias: str
    directory: str
    name: str
    # The call's keyword arguments, as the BUILD file gave them (name excluded).
    kwargs: Tuple[Tuple[str, Any], ...]

    @property
    def address_spec(self) -> str:
        return f"//{self.directory}:{self.name}"

    def field(self, alias: str, default: Any = None) -> Any:
        return dict(self.kwargs).get(alias, default)


def evaluate_build_file(
    path: str, text: str, target_aliases: Iterable[str], symbols: Mapping[str, Any]
) -> List[SdkTarget]:
    """The targets that the BUILD file at `path` declares, in order."""
    directory = os.path.dirname(path)
    declared: List[SdkTarget] = []

    def recorder(alias: str) -> Callable[..., None]:
        def record(**kwargs: Any) -> None:
            name = kwargs.pop("name", None) or os.path.basename(directory)
            declared.append(SdkTarget(alias, directory, name, tuple(sorted(kwargs.items()))))

        return record

    namespace: Dict[str, Any] = {**symbols, **{alias: recorder(alias) for alias in target_aliases}}
    try:
        exec(compile(text, path, "exec"), namespace)
    except Exception as e:  # Any failure here means a damaged bundle, reported with the file it came from.
        raise SdkBuildFileError(
            f"The mirage plugin's bundled SDK file {path} cannot be evaluated: {type(e).__name__}: {e}\n"
            "  fix: reinstall the plugin's wheel (mirage-pants) that your pants.toml names in [GLOBAL].plugins."
        ) from e
    return declared


def evaluate_prelude(path: str, text: str) -> Dict[str, Any]:
    """The functions that a BUILD-file prelude defines (its public names)."""
    namespace: Dict[str, Any] = {}
    try:
        exec(compile(text, path, "exec"), namespace)
    except Exception as e:
        raise SdkBuildFileError(
            f"The mirage plugin's bundled SDK prelude {path} cannot be evaluated: {type(e).__name__}: {e}\n"
            "  fix: reinstall the plugin's wheel (mirage-pants) that your pants.toml names in [GLOBAL].plugins."
        ) from e
    return {name: value for name, value in namespace.items() if not name.startswith("_") and callable(value)}


def _glob_regex(pattern: str) -> "re.Pattern[str]":
    """Pants' glob syntax: `*` within one path component, `**` across any number of them."""
    parts = []
    for component in pattern.split("/"):
        if component == "**":
            parts.append("(?:[^/]+/)*")
        else:
            parts.append(re.escape(component).replace(r"\*", "[^/]*").replace(r"\?", "[^/]") + "/")
    return re.compile("".join(parts)[:-1] + "$" if not pattern.endswith("**") else "".join(parts) + ".*$")


def match_sources(directory: str, globs: Sequence[str], files: Iterable[str]) -> Tuple[str, ...]:
    """The files (repository paths) that a sources field's `globs`, relative to `directory`, select."""
    includes = [_glob_regex(g) for g in globs if not g.startswith("!")]
    excludes = [_glob_regex(g[1:]) for g in globs if g.startswith("!")]
    prefix = f"{directory}/" if directory else ""
    selected = []
    for path in files:
        if not path.startswith(prefix):
            continue
        relative = path[len(prefix) :]
        if any(r.match(relative) for r in includes) and not any(r.match(relative) for r in excludes):
            selected.append(path)
    return tuple(sorted(selected))
