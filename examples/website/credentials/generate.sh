#!/bin/sh
# Makes the example's throw-away credentials with openssl: a CA whose key is discarded at the end, an RSA chain
# for example.test and www.example.test, and an EC (P-256) one for other.example.test, valid for 100 years.
# Their private keys are public once committed: they are for tests and benchmarks, never for anything real.
#
#     examples/website/credentials/generate.sh [FOLDER]     # FOLDER: where to write them (default: beside this)
set -eu
out=${1:-$(dirname "$0")}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
days=36500

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/ca.key" -out "$out/ca.pem" -days "$days" \
    -subj "/CN=mirage-pants website CA (throw-away, public key material)" \
    -addext "basicConstraints=critical,CA:true" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null

# issue NAME KEYFILE SANS: a leaf for NAME signed by the CA, its file the leaf then the CA (the chain served).
issue() {
    openssl req -new -key "$2" -subj "/CN=$1" -out "$work/$1.csr" 2>/dev/null
    printf 'subjectAltName=%s\nbasicConstraints=critical,CA:false\nextendedKeyUsage=serverAuth\n' "$3" >"$work/$1.ext"
    openssl x509 -req -in "$work/$1.csr" -CA "$out/ca.pem" -CAkey "$work/ca.key" -CAcreateserial \
        -CAserial "$work/ca.srl" -days "$days" -extfile "$work/$1.ext" -out "$work/$1.leaf" 2>/dev/null
    cat "$work/$1.leaf" "$out/ca.pem" >"$out/$1.pem"
}

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$out/www.example.test.key" 2>/dev/null
issue www.example.test "$out/www.example.test.key" "DNS:www.example.test,DNS:example.test"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$out/other.example.test.key" 2>/dev/null
issue other.example.test "$out/other.example.test.key" "DNS:other.example.test"
