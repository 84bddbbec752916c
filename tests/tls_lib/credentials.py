"""A throw-away CA and two server certificates made with `openssl`, in the forms lib/tls reads: an RSA chain for
a.example.org (PKCS#8, PKCS#1 and DER keys), an EC certificate for b.example.net (SEC 1 key), a key that belongs
to neither and an encrypted one."""

from __future__ import annotations

import os
import subprocess
from typing import Sequence


def openssl(*args: str, cwd: str) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def issue(directory: str, name: str, key_args: Sequence[str], sans: str) -> None:
    """`name`.key and `name`.pem, signed by the CA in `directory`, for the DNS names `sans`."""
    openssl(*key_args, cwd=directory)
    openssl(
        "req", "-new", "-key", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={sans.split(',')[0]}", cwd=directory
    )
    with open(os.path.join(directory, f"{name}.ext"), "w") as ext:
        ext.write("subjectAltName=" + ",".join(f"DNS:{san}" for san in sans.split(",")) + "\n")
    openssl(
        "x509",
        "-req",
        "-in",
        f"{name}.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        f"{name}.pem",
        "-days",
        "2",
        "-extfile",
        f"{name}.ext",
        cwd=directory,
    )


def make_credentials(directory: str) -> None:
    openssl(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=mirage-pants test CA",
        cwd=directory,
    )
    issue(
        directory,
        "a",
        ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "a.key"],
        "a.example.org,www.a.example.org",
    )
    issue(directory, "b", ["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "b.key"], "b.example.net")
    with open(os.path.join(directory, "a-chain.pem"), "w") as chain:
        for part in ("a.pem", "ca.pem"):
            with open(os.path.join(directory, part)) as pem:
                chain.write(pem.read())
    openssl("x509", "-in", "a.pem", "-outform", "DER", "-out", "a.der", cwd=directory)
    openssl("pkey", "-in", "a.key", "-outform", "DER", "-out", "a-key.der", cwd=directory)
    openssl("rsa", "-in", "a.key", "-traditional", "-out", "a-rsa.key", cwd=directory)
    openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "other.key", cwd=directory)
    openssl("pkey", "-in", "a.key", "-aes128", "-passout", "pass:secret", "-out", "encrypted.key", cwd=directory)
    for leftover in os.listdir(directory):
        if leftover.endswith((".csr", ".ext", ".srl")):
            os.unlink(os.path.join(directory, leftover))
