"""Rule tests of `pants tailor` for C: a c_library is proposed for C files no mirage target owns, and only for them."""

from __future__ import annotations

from mirage import register
from mirage.tailor import PutativeCTargetsRequest, unowned_files_by_folder
from mirage.target_types import CLibraryTarget
from pants.core.goals.tailor import PutativeTarget, PutativeTargets
from pants.core.target_types import FilesGeneratorTarget
from pants.core.util_rules import source_files, system_binaries
from pants.engine.rules import QueryRule
from pants.testutil.rule_runner import RuleRunner


def tailor_rule_runner() -> RuleRunner:
    return RuleRunner(
        rules=[
            *register.rules(),
            *source_files.rules(),
            *system_binaries.rules(),
            QueryRule(PutativeTargets, [PutativeCTargetsRequest]),
        ],
        target_types=[*register.target_types(), FilesGeneratorTarget],
    )


def test_unowned_files_are_grouped_by_folder() -> None:
    files = ["a/x.c", "a/x.h", "a/owned.c", "b/c/y.S", "top.c"]
    assert unowned_files_by_folder(files, owned=["a/owned.c"]) == {
        "": ("top.c",),
        "a": ("x.c", "x.h"),
        "b/c": ("y.S",),
    }


def test_proposes_a_c_library_per_folder_of_unowned_c_files() -> None:
    rule_runner = tailor_rule_runner()
    rule_runner.write_files(
        {
            # Owned: nothing to propose, also not for a file beside them that is not C.
            "lib/util/BUILD": 'c_library(name="util", sources=["util.c", "util.h"])\n',
            "lib/util/util.c": "int util(void) { return 0; }\n",
            "lib/util/util.h": "int util(void);\n",
            "lib/util/notes.txt": "not C\n",
            # A new file beside an owned one: proposed in the existing BUILD file.
            "lib/util/extra.c": "int extra(void) { return 1; }\n",
            # A folder of new C files, no BUILD file yet.
            "lib/parser/parse.c": '#include "parse.h"\nint parse(void) { return 2; }\n',
            "lib/parser/parse.h": "int parse(void);\n",
            "lib/parser/start.S": ".text\n",
        }
    )
    proposed = rule_runner.request(PutativeTargets, [PutativeCTargetsRequest(("lib/util", "lib/parser"))])
    assert proposed == PutativeTargets(
        [
            PutativeTarget.for_target_type(
                CLibraryTarget,
                path="lib/parser",
                name=None,
                triggering_sources=("parse.c", "parse.h", "start.S"),
                kwargs={"sources": ("parse.c", "parse.h", "start.S")},
            ),
            PutativeTarget.for_target_type(
                CLibraryTarget,
                path="lib/util",
                name=None,
                triggering_sources=("extra.c",),
                kwargs={"sources": ("extra.c",)},
            ),
        ]
    )


def test_files_target_does_not_count_as_owning_c_sources() -> None:
    # A `files` target carries C files as data and compiles none of them: they still want a C target.
    rule_runner = tailor_rule_runner()
    rule_runner.write_files(
        {
            "BUILD": 'files(name="checkout", sources=["lib/**/*"])\n',
            "lib/data/blob.c": "int blob;\n",
        }
    )
    proposed = rule_runner.request(PutativeTargets, [PutativeCTargetsRequest(("lib/data",))])
    assert [(p.path, p.name, p.triggering_sources) for p in proposed] == [("lib/data", "data", ("blob.c",))]


def test_nothing_is_proposed_when_every_c_file_is_owned() -> None:
    rule_runner = tailor_rule_runner()
    rule_runner.write_files(
        {
            "devices/BUILD": 'device(name="console", source="console.h")\n',
            "devices/console.h": "struct console;\n",
        }
    )
    assert rule_runner.request(PutativeTargets, [PutativeCTargetsRequest(("devices",))]) == PutativeTargets()
