"""`pants mirage-describe`: write each unikernel's resolved functor graph to dist/ as dot and SVG."""

from __future__ import annotations

from mirage.goals.package import UnikernelFieldSet, image_relpath
from mirage.util_rules.build_options import UnikernelBuildOptions, UnikernelBuildOptionsRequest
from mirage.util_rules.describe import DescribedUnikernel, DescribeUnikernelRequest
from pants.core.util_rules import distdir
from pants.core.util_rules.distdir import DistDir
from pants.engine.console import Console
from pants.engine.fs import AddPrefix, Digest, MergeDigests, Workspace
from pants.engine.goal import Goal, GoalSubsystem
from pants.engine.internals.selectors import Get, MultiGet
from pants.engine.rules import collect_rules, goal_rule
from pants.engine.target import Targets
from pants.util.strutil import softwrap


class MirageDescribeSubsystem(GoalSubsystem):
    name = "mirage-describe"
    help = softwrap(
        """
        Write each given unikernel's resolved functor graph, as functoria's `describe --dot` does: every instance
        with the implementation it applies and the device it provides, an edge from each user to its arguments
        (numbered in parameter order), shared instances drawn with a double border, manifest devices (what the host
        attaches) filled in blue, and the start function as the root. Writes `dist/<folder>/<name>.<abi>.dot`
        beside the image and, where Graphviz's `dot` is installed, the same graph as `.svg`. Name one variant
        (`pants mirage-describe examples/dns:image@abi=hvt`) or the target for every ABI it is built for.
        """
    )


class MirageDescribe(Goal):
    subsystem_cls = MirageDescribeSubsystem
    environment_behavior = Goal.EnvironmentBehavior.LOCAL_ONLY


@goal_rule
async def mirage_describe(
    targets: Targets, console: Console, workspace: Workspace, dist_dir: DistDir
) -> MirageDescribe:
    field_sets = [UnikernelFieldSet.create(t) for t in targets if UnikernelFieldSet.is_applicable(t)]
    if not field_sets:
        console.print_stderr(
            "mirage-describe: no unikernel among the given targets; name one, e.g. examples/hello:image@abi=unix"
        )
        return MirageDescribe(exit_code=1)
    options = await MultiGet(Get(UnikernelBuildOptions, UnikernelBuildOptionsRequest(fs.address)) for fs in field_sets)
    described = await MultiGet(
        Get(DescribedUnikernel, DescribeUnikernelRequest(fs.address, image_relpath(fs, o.abi)))
        for fs, o in zip(field_sets, options)
    )
    merged = await Get(Digest, MergeDigests(d.digest for d in described))
    workspace.write_digest(await Get(Digest, AddPrefix(merged, str(dist_dir.relpath))))
    for field_set, description in zip(field_sets, described):
        console.print_stdout(f"Described {field_set.address} (abi {description.abi}):")
        for path in description.files:
            console.print_stdout(f"    {dist_dir.relpath / path}")
    return MirageDescribe(exit_code=0)


def rules():
    # The dist folder's rule comes with Pants' core goals; named here so the goal also loads where those are not.
    return [*collect_rules(), *distdir.rules()]
