#!/usr/bin/env bash
# The RPM for the RHEL 9 family, built with rpmbuild (Debian's rpm) from
# packaging/rpm/vigie.spec and a tarball of the tree: it builds, and
# `rpm -qlp` lists the files the README says, as the Debian package does.
# Debian has neither RHEL's systemd.pc (units in /usr/lib/systemd/system)
# nor its meson and systemd RPM macros: the test gives RHEL 9's values.
# 30 to 70 s on 2 busy cores.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/package-lib.sh"
need rpmbuild rpm rpm2archive meson ninja

version=$(sed -n 's/^Version: *//p' "$SOURCE_ROOT/packaging/rpm/vigie.spec")
pkg_copy_tree "$T/vigie-$version"
mkdir -p "$T/rpmbuild/SOURCES"
tar -C "$T" -czf "$T/rpmbuild/SOURCES/vigie-$version.tar.gz" "vigie-$version"
cp "$SOURCE_ROOT/packaging/systemd/vigie-sysusers.conf" "$T/rpmbuild/SOURCES/"

# RHEL 9's systemd.pc and udev.pc, as far as packaging/meson.build reads them
mkdir "$T/pkgconfig"
cat >"$T/pkgconfig/systemd.pc" <<'PC'
systemdsystemunitdir=/usr/lib/systemd/system
sysusersdir=/usr/lib/sysusers.d
tmpfilesdir=/usr/lib/tmpfiles.d
Name: systemd
Description: systemd (RHEL 9's paths)
Version: 252
PC
printf 'udevdir=/usr/lib/udev\nName: udev\nDescription: udev (RHEL 9)\nVersion: 252\n' >"$T/pkgconfig/udev.pc"
# RHEL 9's macros from meson and systemd-rpm-macros (the scriptlets only
# need to parse here: nothing is installed), and the man pages compressed
# as there (brp-compress needs bash, RHEL's /bin/sh, not Debian's dash)
cat >"$T/macros" <<'MACROS'
%_unitdir /usr/lib/systemd/system
%_sysusersdir /usr/lib/sysusers.d
%_tmpfilesdir /usr/lib/tmpfiles.d
%_udevrulesdir /usr/lib/udev/rules.d
%_vpath_srcdir .
%__brp_compress bash /usr/lib/rpm/brp-compress
%_vpath_builddir %{_target_platform}
%meson %{set_build_flags}; meson setup --buildtype=plain --prefix=%{_prefix} --sbindir=%{_sbindir} --sysconfdir=%{_sysconfdir} --datadir=%{_datadir} --localstatedir=%{_localstatedir} --wrap-mode=nodownload %{_vpath_srcdir} %{_vpath_builddir}
%meson_build ninja -C %{_vpath_builddir}
%meson_install DESTDIR=%{buildroot} ninja -C %{_vpath_builddir} install
%sysusers_create_compat() %(test -s %1 && sed -n 's/^u \\([^ ]*\\).*/getent passwd \\1 >\\/dev\\/null || useradd -r \\1/p' %1)
%tmpfiles_create() systemd-tmpfiles --create %* >/dev/null 2>\&1 || :
%systemd_post() systemctl preset %* >/dev/null 2>\&1 || :
%systemd_preun() systemctl --no-reload disable --now %* >/dev/null 2>\&1 || :
%systemd_postun_with_restart() systemctl try-restart %* >/dev/null 2>\&1 || :
MACROS

PKG_CONFIG_PATH="$T/pkgconfig" rpmbuild -bb --nodeps --define "_topdir $T/rpmbuild" \
        --load "$T/macros" "$SOURCE_ROOT/packaging/rpm/vigie.spec" >"$T/rpmbuild.log" 2>&1 ||
        fail "rpmbuild failed: $(tail -20 "$T/rpmbuild.log")"
rpm=$(echo "$T"/rpmbuild/RPMS/*/vigie-"$version"-*.rpm)
[ -f "$rpm" ] || fail "no vigie-$version-*.rpm was built"

pkg_readme_files >"$T/readme.files"
rpm -qp --qf '[%{FILEMODES:perms} %{FILENAMES}\n]' "$rpm" | awk '$1 !~ /^d/ { print $2 }' | pkg_listed_files >"$T/rpm.files"
diff -u "$T/readme.files" "$T/rpm.files" >"$T/files.diff" ||
        fail "the RPM's files are not the README's (- README, + RPM): $(cat "$T/files.diff")"
[ "$(rpm -qp --configfiles "$rpm")" = /etc/vigie/vigie.conf ] || fail "vigie.conf is not the RPM's only config file"
rpm -qp --requires "$rpm" >"$T/requires"
for lib in libcurl libxcrypt libyaml snappy systemd-libs; do
        grep -qx "$lib" "$T/requires" || fail "the RPM does not require $lib, which vigie loads: $(cat "$T/requires")"
done
rpm -qp --scripts "$rpm" | grep -q 'useradd -r vigie' || fail "the RPM does not make the user vigie"
rpm -qp --scripts "$rpm" | grep -q 'systemd-tmpfiles --create vigie.conf' ||
        fail "the RPM does not make the textfile directory at install"
# the same unit as the Debian package
rpm2archive - <"$rpm" | tar -C "$T" -xzf - ./usr/lib/systemd/system/vigie.service
cmp -s "$T/usr/lib/systemd/system/vigie.service" "$SOURCE_ROOT/packaging/systemd/vigie.service" ||
        fail "the RPM's vigie.service is not packaging/systemd/vigie.service"
echo "package-rpm: ok"
