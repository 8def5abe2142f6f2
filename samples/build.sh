#!/usr/bin/env bash
# Rebuilds the two sample rotation bundles from samples/src/:
#
#   samples/postgres-9.4-rotation.zip   libpq stand-in reporting 9.4.26, old handler (TLS turned off)
#   samples/postgres-10-rotation.zip    libpq stand-in reporting 10.23, TLS-aware handler
#
# Needs: bash, x86-64 gcc + binutils (readelf, objdump, strings), zip, coreutils.
# Output is deterministic for a given toolchain: fixed mtimes (2021-06-01
# 00:00:00 UTC), fixed modes, sorted entries, no extra fields (zip -X).
#
# Usage: samples/build.sh            (from anywhere)
#        KEEP_BUILD=1 samples/build.sh   keep the scratch dir and print it
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
src="$here/src"
work="$(mktemp -d "${TMPDIR:-/tmp}/rotation-samples.XXXXXX")"
if [[ -z "${KEEP_BUILD:-}" ]]; then trap 'rm -rf "$work"' EXIT; else echo "build dir: $work"; fi

CC="${CC:-gcc}"
export TZ=UTC LC_ALL=C SOURCE_DATE_EPOCH=1622505600
STAMP='2021-06-01 00:00:00'

# DT_RUNPATH as recorded by AWS's internal (Brazil) PostgreSQL client builds.
aws_runpath() { # $1 = PostgreSQL-<major>.x_client_only
  local p4=/local/p4clients/pkgbuild-a1b2c/workspace
  echo "$p4/build/PostgreSQL/$1.123456.0/AL2_x86_64/DEV.STD.PTHREAD/build/private/tmp/brazil-path/build.libfarm/lib:$p4/src/PostgreSQL/build/private/install/lib"
}

CFLAGS=(-O2 -fPIC -fno-ipa-icf -fno-inline -fvisibility=hidden
        -fno-asynchronous-unwind-tables -Wall -Wextra -Werror)
# -s: drop .symtab (the exported names stay in .dynsym); keeps the zips small.
LDFLAGS=(-shared -s -Wl,--no-as-needed -Wl,--enable-new-dtags -Wl,--build-id=sha1 -Wl,-z,noexecstack)

build_bundle() { # $1 = label, $2 = PG_VERSION_NUM, $3 = runpath component, $4 = handler dir, $5 = zip name
  local label=$1 vnum=$2 comp=$3 handler=$4 zipname=$5
  local out="$work/$label" stage="$work/$label/stage"
  mkdir -p "$out" "$stage"

  # OpenSSL 1.0 stand-ins, shipped beside libpq as AWS's builds need them.
  "$CC" "${CFLAGS[@]}" "${LDFLAGS[@]}" -Wl,-soname,libcrypto.so.1.0.0 \
    -o "$stage/libcrypto.so.1.0.0" "$src/openssl-stand-in.c"
  "$CC" "${CFLAGS[@]}" -DSTAND_IN_LIBSSL "${LDFLAGS[@]}" -Wl,-soname,libssl.so.1.0.0 \
    -o "$stage/libssl.so.1.0.0" "$src/openssl-stand-in.c" "$stage/libcrypto.so.1.0.0"

  # libpq linked with OpenSSL like AWS's 9.4.26 and 10 builds: DT_NEEDED libssl.so.1.0.0, libcrypto.so.1.0.0.
  "$CC" "${CFLAGS[@]}" -DPG_VERSION_NUM="$vnum" "${LDFLAGS[@]}" \
    -Wl,-soname,libpq.so.5 -Wl,-rpath,"$(aws_runpath "$comp")" \
    -o "$stage/libpq.so.5" "$src/libpq-stand-in.c" "$stage/libssl.so.1.0.0" "$stage/libcrypto.so.1.0.0"

  # Link the extension against the stand-in we just built: DT_NEEDED libpq.so.5.
  "$CC" "${CFLAGS[@]}" "${LDFLAGS[@]}" -Wl,--no-undefined \
    -o "$stage/_pg.cpython-39-x86_64-linux-gnu.so" \
    "$src/pg-extension-stand-in.c" "$stage/libpq.so.5"

  cp "$src/$handler/lambda_function.py" "$stage/lambda_function.py"
  cp "$src/pygresql-stand-in/pg.py" "$src/pygresql-stand-in/pgdb.py" "$stage/"

  # Sanity checks: SONAME, RUNPATH, DT_NEEDED, PQlibVersion == mov $vnum,%eax; ret
  readelf -d "$stage/libpq.so.5" | grep -q 'Library soname: \[libpq.so.5\]'
  readelf -d "$stage/libpq.so.5" | grep -q "Library runpath: \[.*/$comp\.123456\.0/"
  readelf -d "$stage/_pg.cpython-39-x86_64-linux-gnu.so" | grep -q 'Shared library: \[libpq.so.5\]'
  readelf -d "$stage/libpq.so.5" | grep -q 'Shared library: \[libssl.so.1.0.0\]'
  readelf -d "$stage/libpq.so.5" | grep -q 'Shared library: \[libcrypto.so.1.0.0\]'
  strings "$stage/libcrypto.so.1.0.0" | grep -q '^OpenSSL 1.0.2u  20 Dec 2019$'
  local imm; imm=$(printf '0x%x' "$vnum")
  objdump -d --disassemble=PQlibVersion "$stage/libpq.so.5" \
    | grep -Eq "mov +\\\$$imm,%eax"

  chmod 0644 "$stage"/*.py
  chmod 0755 "$stage"/*.so*
  touch -h -d "$STAMP" "$stage"/*
  rm -f "$here/$zipname"
  (cd "$stage" && printf '%s\n' * | sort | zip -X -D -9 -q "$here/$zipname" -@)
  touch -d "$STAMP" "$here/$zipname"
}

build_bundle pg94 90426  PostgreSQL-9.4.x_client_only handler-9.4 postgres-9.4-rotation.zip
build_bundle pg10 100023 PostgreSQL-10.x_client_only  handler-10  postgres-10-rotation.zip

cd "$here"
for z in postgres-9.4-rotation.zip postgres-10-rotation.zip; do
  unzip -tq "$z" >/dev/null
  printf '%s  %7d bytes  sha256 %s\n' "$z" "$(stat -c %s "$z")" "$(sha256sum "$z" | cut -d' ' -f1)"
done
