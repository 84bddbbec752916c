"""The mirage Pants plugin: MirageOS-style unikernels as build targets."""


def rules():
    return []


def target_types():
    return []
