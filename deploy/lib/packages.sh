# shellcheck shell=bash
# deploy/lib/packages.sh - the Debian 12 packages fenghuo needs to build, test and run
# its demo, and one function that installs those that are missing.
#
# Sourced (not run) by deploy/demo and tests/run:
#
#     . "$root/deploy/lib/packages.sh"
#     fh_install_missing_packages            # FH_PACKAGES
#     fh_install_missing_packages gdb        # FH_PACKAGES plus extra ones
#
# FH_PACKAGES is a bash array: expand it as "${FH_PACKAGES[@]}".
# Nothing is installed, and apt is not touched, when every package is already there.
# apt-get runs as root, through sudo when the caller is not root and sudo exists.

FH_PACKAGES=(
    meson ninja-build pkg-config gcc libc6-dev
    libzmq3-dev libprotobuf-c-dev protobuf-c-compiler liblmdb-dev libuv1-dev
    libssl-dev libinih-dev libjansson-dev libcmocka-dev
    clang libclang-rt-14-dev llvm-14   # tests/fuzz: clang, libFuzzer, llvm-symbolizer
    python3
)

# True when Debian package $1 is installed (not merely known or half-removed).
fh_package_installed() {
    local status
    status=$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) || return 1
    [[ $status == "install ok installed" ]]
}

# Install every package of FH_PACKAGES and of the arguments that is not installed yet.
# Returns 0 when all are installed at the end, 1 otherwise (with a message on stderr).
fh_install_missing_packages() {
    local pkg missing=() sudo=()
    for pkg in "${FH_PACKAGES[@]}" "$@"; do
        fh_package_installed "$pkg" || missing+=("$pkg")
    done
    ((${#missing[@]} == 0)) && return 0

    if ((EUID != 0)); then
        if ! command -v sudo >/dev/null 2>&1; then
            echo "missing Debian packages: ${missing[*]}" >&2
            echo "run as root: apt-get install ${missing[*]}" >&2
            return 1
        fi
        sudo=(sudo)
    fi
    echo "installing missing Debian packages: ${missing[*]}" >&2
    "${sudo[@]}" apt-get update -q >&2 || return 1
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -q --no-install-recommends "${missing[@]}" >&2 || return 1
}
