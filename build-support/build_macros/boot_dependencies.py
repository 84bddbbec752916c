# BUILD-file prelude (see `build_file_prelude_globs` in pants.toml): what a test that boots images depends on.

# The program that boots each ABI's images; unix images are programs themselves.
BOOTERS = (
    ("hvt", "//targets/hvt/tender"),
    ("spt", "//targets/spt/tender"),
    ("virtio", "//targets/virtio/runner"),
    ("virt_arm64", "//targets/virtio/runner"),
)


def boot_dependencies(*images, abis=("hvt", "spt", "virtio")):
    """The runtime_package_dependencies of a test that boots each of `images` (unikernel addresses) on each of
    `abis`: every image packaged for every ABI, then the tender or runner of each ABI that has one, once."""
    booters = dict(BOOTERS)
    programs = []
    for abi in abis:
        if abi in booters and booters[abi] not in programs:
            programs.append(booters[abi])
    return [*(f"{image}@abi={abi}" for image in images for abi in abis), *programs]
