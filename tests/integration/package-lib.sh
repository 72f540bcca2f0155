# Helpers for the package tests (sourced after lib.sh): the tree as a clean
# clone has it, and the files the README says the packages install.

# pkg_copy_tree DIR: the source tree's files into DIR (tracked ones and new
# ones git does not ignore, as they are in the working tree: what a clean
# clone of this change has, without the build folders)
pkg_copy_tree() {
        need git tar
        mkdir -p "$1"
        git -C "$SOURCE_ROOT" ls-files -z -c -o --exclude-standard |
                tar -C "$SOURCE_ROOT" --null -T - -cf - | tar -C "$1" -xf -
}

# pkg_readme_files: the files of the README's table "What the packages
# install", one a line, sorted; /lib/ as /usr/lib/ (Debian 12 installs the
# units under /lib/systemd/system, RHEL under /usr/lib/systemd/system: on
# both, /lib is /usr/lib). Folders made at run time (ending in /) are not
# in the packages and are left out.
pkg_readme_files() {
        sed -n '/^### What the packages install/,/^#/s/^| `\(\/[^`]*[^/`]\)` |.*/\1/p' "$SOURCE_ROOT/README.md" |
                sed 's|^/lib/|/usr/lib/|' | sort
}

# pkg_listed_files: the file paths in a package listing on stdin (one path a
# line, with or without a leading "."), as pkg_readme_files writes them,
# less the documentation every package carries about itself and an RPM's
# build-id links
pkg_listed_files() {
        sed -e 's|^\.||' -e 's|^/lib/|/usr/lib/|' | grep -v '^/usr/share/doc/\|^/usr/share/licenses/\|^/usr/lib/\.build-id/' | sort
}

# pkg_refuse_installed: the test installs vigie on this machine (the
# system instance's root is the host's): never over a vigie that was here
pkg_refuse_installed() {
        local status
        status=$(dpkg-query -W -f='${db:Status-Status}' vigie 2>/dev/null) || true
        case "$status" in
        "" | not-installed) ;;
        *) skip "a vigie package is $status on this machine: this test installs and purges its own" ;;
        esac
}
