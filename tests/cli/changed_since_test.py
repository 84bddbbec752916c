"""`--changed-since` sees the resolved graph: editing an implementation marks exactly the images that use it.

Both runs go to the checkout's one pantsd, which builds Pants' rule graphs once and notices the edits between them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest
from cli.checkout import git, make_checkout, pantsd, run_pants


def changed_targets(checkout: Path) -> set:
    result = run_pants(checkout, ["--changed-since=HEAD", "--changed-dependents=transitive", "list"], daemon=True)
    return set(result.stdout.split())


@pytest.fixture
def checkout(tmp_path: Path) -> Iterator[Path]:
    with pantsd(make_checkout(tmp_path / "repo")) as checkout:
        yield checkout


def test_editing_an_implementation_marks_the_images_that_use_it(checkout: Path) -> None:
    git(checkout, "init", "-q")
    git(checkout, "add", "-A")
    git(checkout, "commit", "-q", "-m", "base")

    # hello sleeps through targets/unix:sleep, so editing it marks hello.
    with (checkout / "targets/unix/sleep.c").open("a") as f:
        f.write("/* edited */\n")
    changed = changed_targets(checkout)
    assert "targets/unix:sleep" in changed
    assert "examples/hello:image@abi=unix" in changed
    # The same application on hvt sleeps through another implementation: it is not marked.
    assert "examples/hello:image@abi=hvt" not in changed

    # hello does not use the wall clock: editing it must not mark hello.
    git(checkout, "checkout", "--", ".")
    with (checkout / "targets/unix/pclock.c").open("a") as f:
        f.write("/* edited */\n")
    changed = changed_targets(checkout)
    assert "targets/unix:pclock" in changed
    assert not any(target.startswith("examples/hello:image") for target in changed)
