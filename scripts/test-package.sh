#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The package as consumers get it (npm run test:package, part of npm test).
# npm pack (its prepack builds dist/ and the prebuilt addon); what the tarball
# holds; npm install of the tarball into an empty project, its dependencies
# from the registry; then import, require, the cnm command, tsc --strict with
# moduleResolution node16 and bundler, ESM and CJS copies in one process with
# a kernel error still rejecting in each, 30 worker terminations mid-call, a
# bundled program naming its addon, and what the install script says when a
# system library is missing, when no prebuild fits, when no compiler is
# there. Root: the kernel parts run inside scripts/in-private-netns.sh and the
# missing-library case hides libnftnl in a private mount namespace.
#
# CNM_PACKAGE_TEST_SOURCE_BUILD=1 also builds the addon from source in the
# installed package (minutes); CNM_PACKAGE_TEST_KEEP=1 keeps the work folder.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
if [ "$(id -u)" != 0 ]; then
  echo "test:package needs root (kernel calls in a private namespace, a private mount namespace)" >&2
  exit 1
fi
work=$(mktemp -d /tmp/cnm-package-test.XXXXXX) # mktemp: mode 0700, a name nobody can guess
trap 'kill $(jobs -p) 2>/dev/null || true; [ -n "${CNM_PACKAGE_TEST_KEEP:-}" ] && echo "kept $work" || rm -rf "$work"' EXIT
started=$SECONDS
step() { printf '%4ss  %s\n' "$((SECONDS - started))" "$*"; }
fail() {
  echo "test:package: $*" >&2
  exit 1
}
# Runs a command that must fail; its output must match every pattern given after --.
expect_failure() {
  local out=$work/expect.out patterns=() cmd=()
  while [ "$1" != -- ]; do cmd+=("$1"); shift; done
  shift
  patterns=("$@")
  if "${cmd[@]}" >"$out" 2>&1; then fail "succeeded but should not: ${cmd[*]}"; fi
  for p in "${patterns[@]}"; do
    grep -qE -- "$p" "$out" || fail "$(cat "$out")"$'\n'"-- expected /$p/ from: ${cmd[*]}"
  done
}

step "npm pack"
npm pack --silent --pack-destination "$work" >/dev/null
tgz=$(echo "$work"/cnm-*.tgz)
version=$(node -p "require('./package.json').version")

step "the tarball holds what a consumer needs, and nothing of the benchmarks or tests"
tar -tzf "$tgz" | sed 's|^package/||' | sort >"$work/files"
for f in dist/index.js dist/index.cjs dist/index.d.ts dist/index.d.cts dist/cli.js dist/addon-diagnosis.cjs \
  prebuilds/linux-x64/cnm.glibc.node scripts/install.cjs CMakeLists.txt native/addon.cc \
  LICENSE README.md CHANGELOG.md docs/install.md package.json; do
  grep -qx "$f" "$work/files" || fail "the tarball lacks $f"
done
if grep -E '^(bench|test|fuzz|build|lib)/|cmake-js-shim|floor' "$work/files"; then
  fail "the tarball ships files no consumer needs (above)"
fi
mkdir "$work/unpacked"
tar -xzf "$tgz" -C "$work/unpacked"
# Every shipped bundle was built from lib/ alone (and tsup's import.meta shim
# for CommonJS): its source map names each input.
node -e '
  const fs = require("node:fs");
  for (const f of process.argv.slice(1)) {
    const outside = JSON.parse(fs.readFileSync(f, "utf8")).sources.filter((s) => !/^\.\.\/(lib|node_modules\/tsup\/assets)\//.test(s));
    if (outside.length) { console.error(`${f} bundles ${outside.join(", ")}`); process.exit(1); }
  }' "$work"/unpacked/package/dist/*.map
if grep -l "better-sqlite3" "$work"/unpacked/package/dist/*.d.ts "$work"/unpacked/package/dist/*.d.cts; then
  fail "the public types name better-sqlite3 (consumers have no @types/better-sqlite3)"
fi

step "npm install of the tarball into an empty project (better-sqlite3 built from source)"
app=$work/app
mkdir "$app"
cp test/package/* "$app/"
cat >"$app/package.json" <<'EOF'
{ "name": "consumer", "private": true, "type": "module", "allowScripts": { "better-sqlite3": true } }
EOF
# Install scripts off, as many consumers (and npm when told to) run it: the
# prebuild must load with no install script at all. better-sqlite3's own
# script is then run by itself, building from source (its prebuilt download
# is out of reach here), unoptimised because only cnm is under test here.
(cd "$app" && npm install --ignore-scripts --no-audit --no-fund --loglevel=error "$tgz" typescript@5.9.3 @types/node@20.19.25)
# The type checks need no built module: they run meanwhile, in the background.
(cd "$app" && npx tsc -p tsconfig.node16.json) >"$work/tsc-node16.out" 2>&1 &
tsc_node16=$!
(cd "$app" && npx tsc -p tsconfig.bundler.json) >"$work/tsc-bundler.out" 2>&1 &
tsc_bundler=$!
(cd "$app" && JOBS=max CFLAGS=-O0 CXXFLAGS=-O0 npm_config_build_from_source=true \
  npm rebuild better-sqlite3 --loglevel=error >/dev/null)
[ ! -e "$app/node_modules/@types/better-sqlite3" ] || fail "@types/better-sqlite3 came with the install"

step "import and require: the prebuild loads with no install script run"
(cd "$app" && node load.mjs | tee "$work/loaded" && node load.cjs)
grep -q '(prebuilds/linux-x64/cnm.glibc.node)' "$work/loaded" || fail "not the prebuild that loaded"

step "the cnm command"
[ "$("$app/node_modules/.bin/cnm" --version)" = "$version" ] || fail "cnm --version"
if "$app/node_modules/.bin/cnm" --help | grep -q bench; then fail "cnm --help lists bench"; fi

step "ESM and CJS copies in one process: kernel errors reject with each copy's own class"
bash scripts/in-private-netns.sh node "$app/dual.mjs"

step "30 worker terminations mid-call; the process survives and keeps working"
bash scripts/in-private-netns.sh node "$app/worker-terminate.mjs"

step "a bundled program names its addon with setAddonPath (ESM and CJS bundles)"
bundle=$work/bundle
mkdir "$bundle"
for format in esm cjs; do
  ext=$([ $format = esm ] && echo mjs || echo cjs)
  "$repo/node_modules/.bin/esbuild" "$app/bundle-entry.mjs" --bundle --platform=node --format=$format \
    --external:better-sqlite3 --log-level=error --outfile="$bundle/app.$ext"
done
cp "$app/node_modules/cnm/prebuilds/linux-x64/cnm.glibc.node" "$bundle/cnm.node"
ln -s "$app/node_modules" "$bundle/node_modules" # better-sqlite3 stays external
node "$bundle/app.mjs"
node "$bundle/app.cjs"
expect_failure node "$bundle/app.mjs" --no-path -- 'CNM_ADDON_LOAD_FAILED' 'setAddonPath'

step "install script: the prebuild loads, nothing to say"
(cd "$app" && node node_modules/cnm/scripts/install.cjs 2>"$work/quiet") || fail "install.cjs failed: $(cat "$work/quiet")"
[ ! -s "$work/quiet" ] || fail "install.cjs said: $(cat "$work/quiet")"

step "install script and run time: a missing system library names the apt line"
# libnftnl whited out by an overlay, in a mount namespace of this command only.
mkdir "$work/hide"
hide_libnftnl='
  set -e
  lib=$(dirname "$(readlink -f "$(ldconfig -p | grep -m1 "libnftnl\.so\.11 " | sed "s/.*=> //")")")
  t=$1; shift
  mount -t tmpfs -o mode=0700 hide "$t"; mkdir "$t/upper" "$t/work"
  for f in "$lib"/libnftnl.so*; do mknod "$t/upper/$(basename "$f")" c 0 0; done
  mount -t overlay overlay -o "lowerdir=$lib,upperdir=$t/upper,workdir=$t/work" "$lib"
  exec "$@"'
no_libnftnl() { unshare --mount --propagation private -- bash -c "$hide_libnftnl" hide "$work/hide" "$@"; }
expect_failure no_libnftnl node "$app/node_modules/cnm/scripts/install.cjs" -- \
  'libnftnl\.so\.11' 'apt-get install libnftnl11 libmnl0'
expect_failure no_libnftnl node "$app/load.mjs" -- 'CNM_ADDON_LOAD_FAILED' 'apt-get install libnftnl11 libmnl0'

step "install script and run time: no prebuild for this platform, and no compiler"
# The installed package without its prebuilds, as on a platform cnm ships none for.
other=$work/other
mkdir -p "$other/node_modules"
cp -a "$app/node_modules/cnm" "$other/node_modules/cnm"
rm -rf "$other/node_modules/cnm/prebuilds"
for d in "$app"/node_modules/*; do [ "$(basename "$d")" = cnm ] || ln -s "$d" "$other/node_modules/"; done
cp "$app/load.mjs" "$other/"
echo '{ "type": "module" }' >"$other/package.json"
install_js=$other/node_modules/cnm/scripts/install.cjs
# The build tools are here, but a consumer's project has no cmake-js or node-addon-api.
expect_failure node "$install_js" -- 'no prebuilt native addon for linux-x64 \(glibc\)' \
  'missing: cmake-js, node-addon-api' 'npm install --save-dev cmake-js@8 node-addon-api@8'
grep -q 'apt-get' "$work/expect.out" && fail "asked for system packages that are installed: $(cat "$work/expect.out")"
# No compiler either: only node on PATH.
mkdir "$work/bin"
ln -s "$(command -v node)" "$work/bin/node"
expect_failure env PATH="$work/bin" node "$install_js" -- 'no prebuilt native addon' \
  'missing: cmake, c\+\+, pkg-config, cmake-js, node-addon-api' 'apt-get install cmake g\+\+ pkg-config libnftnl-dev libmnl-dev'
# And a program that loads it anyway is told the same story.
expect_failure node "$other/load.mjs" -- 'CNM_ADDON_LOAD_FAILED' 'no prebuilt native addon' 'npm rebuild cnm'

step "tsc --strict on a consumer's code: moduleResolution node16 (ESM and CJS) and bundler"
wait "$tsc_node16" || fail "tsc, node16: $(cat "$work/tsc-node16.out")"
wait "$tsc_bundler" || fail "tsc, bundler: $(cat "$work/tsc-bundler.out")"

if [ -n "${CNM_PACKAGE_TEST_SOURCE_BUILD:-}" ]; then
  step "install script: builds from source when the tools are there"
  # As a consumer would add them: npm install --save-dev cmake-js@8 node-addon-api@8.
  ln -s "$repo/node_modules/cmake-js" "$repo/node_modules/node-addon-api" "$other/node_modules/"
  node "$install_js"
  (cd "$other" && node load.mjs | grep -q '(build/Release/cnm.node)') || fail "the source build is not what loads"
fi

step "done"
