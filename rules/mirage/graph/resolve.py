"""Resolve a unikernel's functor graph: which implementation provides each device, as a DAG of shared instances.

Resolution is local: a parameter is filled only from what the unikernel or the functor that has the parameter
names or sits beside, so adding an implementation in an unrelated folder never changes another unikernel's
image. For each device parameter, in order:

1. the unikernel's binding for the parameter's path (`bindings={"stack.netif": ...}`);
2. else the ABI's default for the device (`defaults` of the `abi` target);
3. else the one implementation *visible* to the target that has the parameter (the unikernel for its `devices`,
   an implementation for its `requires`) that provides the device and supports the ABI. Visible are the
   implementations that target lists in its own `dependencies`, and those declared in its own BUILD folder (not
   sub- or parent folders): the folder is the owner's to curate, which lets a library such as lib/tcpip compose
   its own layers, while no other folder can add a candidate. Two visible candidates are an error, not a choice.

Data implementations (crunch: another application's files) are never visible: they are bound explicitly. When
nothing fits, the error lists the candidates elsewhere in the repository with the exact `bindings` entry to add.
An implementation applied to the same resolved arguments is one instance (functoria's sharing), so a device is
never connected twice.

Several instances of one device: a device the host attaches (`platform_device`: net, block) is a host resource,
and an implementation with keys is configured per instance (unix's tap netif names its tap by a key): neither is
a pure function of its arguments, so each is one instance per *root*, the unikernel parameter its path starts
from. `devices={"inside": netif, "outside": netif}` gives two manifest entries, `inside` and `outside`, and every
layer built over them (ethernet, ARP, ...) is distinct too, because its arguments differ; what has no attached
device below it (a clock) stays shared. Within one root, sharing is unchanged: `stack.netif` and
`stack.ethernet.netif` are the one interface of that stack. Two roots never share a host resource: a unikernel
that wants one interface for two parameters takes the layer above it once.

Keys of an implementation instantiated more than once are per instance: each instance reads them under its
root's name (`inside.ipv4`, `outside.ipv4`), declared with the implementation's type and default, so each can be
set at configure time (`--mirage-keys="{'inside.ipv4': ...}"`) or at boot (`--inside.ipv4=...`). The bare name
stays the key where it is unambiguous, when the implementation has one instance; with several it is not declared,
so a bare `--ipv4=` is refused at boot instead of setting an unknown one of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Dict, List, Mapping, Optional, Set, Tuple

from mirage.graph.errors import ResolutionError
from mirage.graph.keys import resolve_keys
from mirage.graph.model import Abi, Catalogue, Implementation, Instance, KeySpec, ResolvedGraph, Unikernel, folder_of

# The size of the manifest note (MIRAGE_MANIFEST_MAX_DEVICES in lib/platform/image_notes.h).
MANIFEST_MAX_DEVICES = 16


def resolve_instances(
    unikernel: Unikernel,
    abi: Abi,
    catalogue: Catalogue,
    configured_keys: Mapping[str, str] = {},
) -> ResolvedGraph:
    resolver = _Resolver(unikernel, abi, catalogue)
    owner = _Owner(unikernel.address, unikernel.dependencies)
    start_args = tuple(
        resolver.resolve_parameter((param,), device, stack=(), owner=owner) for param, device in unikernel.devices
    )
    resolver.check_bindings_used()
    resolver.check_manifest_size()
    resolver.scope_instance_keys()
    key_specs: List[KeySpec] = list(unikernel.keys)
    for node in resolver.nodes:
        for spec in catalogue.implementations[node.implementation].keys:
            key_specs.append(replace(spec, name=f"{node.key_scope}.{spec.name}") if node.key_scope else spec)
    keys = resolve_keys(unikernel.address, key_specs, configured_keys)
    return ResolvedGraph(
        unikernel=unikernel.address,
        abi=abi.name,
        start=unikernel.start,
        instances=tuple(node.freeze() for node in resolver.nodes),
        start_args=start_args,
        keys=keys,
    )


@dataclass(frozen=True)
class _Owner:
    """The target whose parameter is being resolved: what it makes visible."""

    address: str
    dependencies: Tuple[str, ...]

    def sees(self, implementation: Implementation) -> bool:
        if implementation.data:
            return False
        return implementation.address in self.dependencies or folder_of(implementation.address) == folder_of(
            self.address
        )


@dataclass
class _Node:
    name: str
    implementation: str
    device: str
    connect: str
    args: Tuple[str, ...]
    platform_device: Optional[str]
    paths: List[str] = field(default_factory=list)
    key_scope: Optional[str] = None

    @property
    def roots(self) -> Set[str]:
        return {path.split(".", 1)[0] for path in self.paths}

    def freeze(self) -> Instance:
        return Instance(
            name=self.name,
            implementation=self.implementation,
            device=self.device,
            connect=self.connect,
            args=self.args,
            paths=tuple(self.paths),
            platform_device=self.platform_device,
            key_scope=self.key_scope,
        )


class _Resolver:
    def __init__(self, unikernel: Unikernel, abi: Abi, catalogue: Catalogue) -> None:
        self.unikernel = unikernel
        self.abi = abi
        self.catalogue = catalogue
        self.bindings: Dict[str, str] = dict(unikernel.bindings)
        self.defaults: Dict[str, str] = dict(abi.defaults)
        self.nodes: List[_Node] = []
        self._by_identity: Dict[Tuple[str, Tuple[str, ...], Optional[str]], _Node] = {}
        self._names: Set[str] = set()
        self._visited_paths: List[str] = []

    # --- messages -------------------------------------------------------------------------------------------

    def _route(self, path: Tuple[str, ...]) -> str:
        return " -> ".join((self.unikernel.address, *path))

    def _fail(self, path: Tuple[str, ...], problem: str, fix: str) -> ResolutionError:
        return ResolutionError(
            f"{self.unikernel.address} (abi {self.abi.name}): {problem}\n"
            f"  path: {self._route(path)}\n"
            f"  fix: {fix}"
        )

    def _traits(self) -> str:
        return f"traits: {', '.join(self.abi.traits) or 'none'}"

    def _binding_fix(self, path: Tuple[str, ...], what: str = "<implementation address>") -> str:
        return f"{self._binding_entry(path, what)} on {self.unikernel.address}"

    @staticmethod
    def _binding_entry(path: Tuple[str, ...], what: str) -> str:
        return f'bindings={{"{".".join(path)}": "{what}"}}'

    # --- resolution -----------------------------------------------------------------------------------------

    def resolve_parameter(self, path: Tuple[str, ...], device: str, stack: Tuple[str, ...], owner: _Owner) -> str:
        """Resolve the device expected at `path` and return the name of its instance."""
        dotted = ".".join(path)
        self._visited_paths.append(dotted)
        if device not in self.catalogue.devices:
            kind = self.catalogue.other_targets.get(device)
            raise self._fail(
                path,
                f"`{device}` is expected to be a device but is "
                + (f"a `{kind}` target." if kind else "not a known target."),
                "name a `device` target here.",
            )
        implementation = self._choose(path, device, owner)
        if implementation.address in stack:
            cycle = " -> ".join((*stack[stack.index(implementation.address) :], implementation.address))
            raise self._fail(
                path,
                f"cycle between implementations: {cycle}.",
                "an implementation may not require, directly or through others, the device it provides; "
                f"bind one step of the cycle to a different implementation with {self._binding_fix(path)}.",
            )
        inner_stack = (*stack, implementation.address)
        inner_owner = _Owner(implementation.address, implementation.dependencies)
        args = tuple(
            self.resolve_parameter((*path, param), required, inner_stack, inner_owner)
            for param, required in implementation.requires
        )
        return self._instance(implementation, args, dotted, root=path[0]).name

    def _choose(self, path: Tuple[str, ...], device: str, owner: _Owner) -> Implementation:
        dotted = ".".join(path)
        if dotted in self.bindings:
            address = self.bindings[dotted]
            origin = f"the binding `{dotted}` of {self.unikernel.address}"
            return self._checked(path, device, address, origin, fix=self._binding_fix(path))
        if device in self.defaults:
            address = self.defaults[device]
            origin = f"the default for {device} in abi `{self.abi.name}` ({self.abi.address})"
            fix = f"fix the `defaults` of {self.abi.address}, or override it with {self._binding_fix(path)}"
            return self._checked(path, device, address, origin, fix=fix)
        providers = sorted(
            (impl for impl in self.catalogue.implementations.values() if impl.provides == device),
            key=lambda impl: impl.address,
        )
        candidates = [impl for impl in providers if impl.supports(self.abi)]
        visible = [impl for impl in candidates if owner.sees(impl)]
        if len(visible) == 1:
            return visible[0]
        if len(visible) > 1:
            listing = "".join(f"\n    {impl.address}" for impl in visible)
            raise self._fail(
                path,
                f"{len(visible)} implementations of {device} visible to {owner.address} support abi "
                f"`{self.abi.name}`:{listing}",
                f"choose one with {self._binding_fix(path, '//' + visible[0].address)}, or set it in the "
                f"`defaults` of {self.abi.address}.",
            )
        if not candidates:
            others = "".join(f"\n    {impl.address} ({impl.describe_abis()})" for impl in providers)
            problem = f"no implementation of {device} supports abi `{self.abi.name}` ({self._traits()})." + (
                f" Implementations of {device} exist for other ABIs:{others}" if providers else ""
            )
            return_fix = (
                f'add an `implementation` with provides="{device}" and `abi_traits` that abi `{self.abi.name}` '
                f"has (or `{self.abi.name}` in its `abis`), or add one to the `defaults` of {self.abi.address}."
            )
            raise self._fail(path, problem, return_fix)
        listing = "".join(f"\n    {self._binding_entry(path, '//' + impl.address)}" for impl in candidates)
        raise self._fail(
            path,
            f"nothing chooses the {device} here: no binding, no default in abi `{self.abi.name}`, and no "
            f"implementation visible to {owner.address} (those in its `dependencies` or its own folder "
            f"{folder_of(owner.address)}; crunch targets are never picked unbound). "
            f"Candidates in the repository for abi `{self.abi.name}`, each with the entry that binds it:{listing}",
            f"add one of these entries to the `bindings` of {self.unikernel.address}, or set the device in the "
            f"`defaults` of {self.abi.address}.",
        )

    def _checked(self, path: Tuple[str, ...], device: str, address: str, origin: str, fix: str) -> Implementation:
        implementation = self.catalogue.implementations.get(address)
        if implementation is None:
            kind = self.catalogue.other_targets.get(address)
            what = f"a `{kind}` target" if kind else "not a known target"
            raise self._fail(path, f"{origin} names {address}, which is {what}, not an `implementation`.", fix)
        if implementation.provides != device:
            raise self._fail(
                path,
                f"{origin} names {address}, which provides {implementation.provides}, but {device} is expected.",
                fix,
            )
        if not implementation.supports(self.abi):
            raise self._fail(
                path,
                f"{origin} names {address}, which does not support abi `{self.abi.name}` "
                f"(its {implementation.describe_abis()}; the abi's {self._traits()}).",
                f"add `{self.abi.name}` to the `abis` of {address} if it works there, or {fix}",
            )
        return implementation

    def _instance(self, implementation: Implementation, args: Tuple[str, ...], dotted: str, root: str) -> _Node:
        # A host resource or a keyed configuration: one per root, never shared between two unikernel parameters.
        per_root = implementation.platform_device is not None or bool(implementation.keys)
        identity = (implementation.address, args, root if per_root else None)
        node = self._by_identity.get(identity)
        if node is None:
            node = _Node(
                name=self._fresh_name(dotted),
                implementation=implementation.address,
                device=implementation.provides,
                connect=implementation.connect,
                args=args,
                platform_device=implementation.platform_device,
            )
            self._by_identity[identity] = node
            # Arguments were created first, so appending keeps the list in dependency order.
            self.nodes.append(node)
        node.paths.append(dotted)
        return node

    def _fresh_name(self, dotted: str) -> str:
        base = dotted.replace(".", "_").replace("-", "_")
        name, suffix = base, 1
        while name in self._names:
            name, suffix = f"{base}_{suffix}", suffix + 1
        self._names.add(name)
        return name

    def check_manifest_size(self) -> None:
        attached = [node for node in self.nodes if node.platform_device is not None]
        if len(attached) > MANIFEST_MAX_DEVICES:
            names = ", ".join(node.name for node in attached)
            raise ResolutionError(
                f"{self.unikernel.address} (abi {self.abi.name}): {len(attached)} devices need host resources "
                f"({names}), but an image's manifest holds at most {MANIFEST_MAX_DEVICES}.\n"
                "  fix: share devices between paths (bind them to the same implementation) or use fewer."
            )

    def scope_instance_keys(self) -> None:
        """Give each instance of an implementation that has keys and several instances its root as key scope."""
        by_implementation: Dict[str, List[_Node]] = {}
        for node in self.nodes:
            if self.catalogue.implementations[node.implementation].keys:
                by_implementation.setdefault(node.implementation, []).append(node)
        for address, nodes in by_implementation.items():
            if len(nodes) < 2:
                continue
            scopes: Dict[str, _Node] = {}
            for node in nodes:
                roots = sorted(node.roots)
                clash = scopes.get(roots[0]) if len(roots) == 1 else None
                if len(roots) != 1 or clash is not None:
                    where = ", ".join(sorted(node.paths + (clash.paths if clash else [])))
                    raise ResolutionError(
                        f"{self.unikernel.address} (abi {self.abi.name}): {address} has keys and several instances, "
                        f"but the instances at {where} do not each belong to one unikernel parameter, so their keys "
                        "cannot be named per instance (`<parameter>.<key>`).\n"
                        "  fix: give each instance its own parameter in `devices`, or bind the paths to one "
                        "implementation applied to the same arguments."
                    )
                scopes[roots[0]] = node
                node.key_scope = roots[0]

    def check_bindings_used(self) -> None:
        visited = set(self._visited_paths)
        for dotted in sorted(self.bindings):
            if dotted not in visited:
                known = ", ".join(sorted(visited)) or "none"
                raise ResolutionError(
                    f"{self.unikernel.address} (abi {self.abi.name}): the binding `{dotted}` names no device "
                    f"parameter of this unikernel's graph.\n"
                    f"  parameters: {known}\n"
                    f"  fix: use one of these paths (parameters joined by `.`) as the key in `bindings`."
                )
