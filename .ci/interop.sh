#!/usr/bin/env bash
# Interoperability: real feed readers read what frontpage publishes.
#
# Runs the demo (examples/demo.rs) with `--keep` into a temporary folder, then hands its
# public/ output to programs that are not ours:
#   - Python feedparser reads every RSS and Atom file (feed.* and tag/*.*), JSON Feed files
#     are checked against JSON Feed 1.1 with Python's json module, and all the formats of one
#     feed must carry the same items in the same order as the stories `frontpage query` finds;
#   - newsboat fetches feed.rss and feed.atom over loopback HTTP and must store every item;
#   - headless Chromium screenshots index.html (skipped while there is no index.html).
# Then it starts `frontpage serve` on the same database and checks what it serves:
#   - curl: HEAD, gzip, conditional requests (If-None-Match, If-Modified-Since), /healthz,
#     path traversal and other methods, each with exact status codes and headers;
#   - every page is served byte for byte as the published file, and feedparser (RSS, Atom)
#     and Python's json (JSON Feed) read the same items from the server as from the files;
#   - newsboat reloads the served feed.rss through a logging proxy until it sends its stored
#     validators, and must then get a 304.
# Installs what is missing with apt (as root, or through sudo). Prints one line per check and
# exits non-zero naming the checks that failed. CI runs it from .ci/run; it runs locally too.
#
# Environment:
#   FRONTPAGE_SCREENSHOT    where to save the screenshot (default: target/interop/frontpage.png)
#   FRONTPAGE_INTEROP_KEEP  if set, keep the temporary folder and print where it is
set -euo pipefail
cd "$(dirname "$0")/.."

# The demo's clock (examples/demo.rs) and its publish window (the default, 7 days).
readonly NOW="2026-11-28T12:00:00Z"
readonly WINDOW_START="2026-11-21T12:00:00Z"
# The system Python: apt's python3-feedparser lives there, whatever `python3` is on PATH.
readonly PY=/usr/bin/python3
# Every request here goes to loopback: never through a proxy from the environment (curl,
# newsboat's libcurl and Python's urllib all honour no_proxy).
export no_proxy="127.0.0.1${no_proxy:+,$no_proxy}" NO_PROXY="127.0.0.1${NO_PROXY:+,$NO_PROXY}"

script_started=$SECONDS
tmp=$(mktemp -d "${TMPDIR:-/tmp}/frontpage-interop.XXXXXX")
# Servers started in the background, stopped (and waited for) on exit.
background_pids=()
cleanup() {
    local pid
    for pid in "${background_pids[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    if [[ -n "${FRONTPAGE_INTEROP_KEEP:-}" ]]; then
        echo "kept $tmp"
    else
        rm -rf "$tmp"
    fi
}
trap cleanup EXIT

# ---------------------------------------------------------------------------------------------
# Reporting: each check runs in a subshell with errexit on, its output indented under its
# summary line; a failure is recorded and the next check still runs.

summary=()
failed=()

check() {
    local name=$1
    shift
    local log="$tmp/check.log" started=$SECONDS status
    set +e
    (set -e; "$@") >"$log" 2>&1
    status=$?
    set -e
    local line
    if [[ $status -eq 0 ]]; then
        line="PASS  $name ($((SECONDS - started))s)"
    elif [[ $status -eq 77 ]]; then
        line="SKIP  $name ($(tail -n 1 "$log"))"
    else
        line="FAIL  $name (exit $status)"
        failed+=("$name")
    fi
    echo "$line"
    sed 's/^/      /' "$log"
    summary+=("$line")
}

skip() {
    echo "$1"
    exit 77
}

# ---------------------------------------------------------------------------------------------
# Tools: installed with apt when missing (apt-get update only then).

install_packages() {
    (($# > 0)) || return 0
    local sudo=()
    if [[ $(id -u) -ne 0 ]]; then
        command -v sudo >/dev/null || {
            echo "missing packages: $* (run as root or install them)"
            return 1
        }
        sudo=(sudo)
    fi
    local started=$SECONDS
    echo "== apt-get install $*"
    if ! { "${sudo[@]}" apt-get update -qq &&
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
            apt-get install -y -qq --no-install-recommends "$@"; } >"$tmp/apt.log" 2>&1; then
        cat "$tmp/apt.log"
        return 1
    fi
    echo "   installed in $((SECONDS - started))s"
}

# ---------------------------------------------------------------------------------------------
# The published output: the demo's, kept.

work="$tmp/demo"
echo "== cargo run --release --example demo -- --keep $work"
build_started=$SECONDS
if ! cargo run --release --locked --example demo -- --keep "$work" >"$tmp/demo.log" 2>&1; then
    tail -n 40 "$tmp/demo.log"
    echo "FAIL  demo: cargo run --example demo -- --keep failed"
    exit 1
fi
if ! cargo run --release --locked --quiet --bin frontpage -- \
    --config "$work/feeds.toml" --now "$NOW" \
    query --stories --since "$WINDOW_START" --format json --limit 1000 >"$tmp/stories.json"; then
    echo "FAIL  demo: frontpage query --stories failed"
    exit 1
fi
echo "   built and ran in $((SECONDS - build_started))s; published:"
(cd "$work/public" && find . -type f | sort | sed 's/^\.\//      /')
public="$work/public"

# Chromium (and a font for it to draw text with) only once there is a page to draw.
packages=()
[[ -x $PY ]] && $PY -c 'import feedparser' 2>/dev/null || packages+=(python3-feedparser)
command -v newsboat >/dev/null || packages+=(newsboat)
if [[ -f "$public/index.html" ]]; then
    command -v chromium >/dev/null || packages+=(chromium)
    [[ -d /usr/share/fonts/truetype/dejavu ]] || packages+=(fonts-dejavu-core)
fi
if ! install_packages "${packages[@]}"; then
    echo "FAIL  install: apt-get install ${packages[*]}"
    exit 1
fi

# ---------------------------------------------------------------------------------------------
# Servers on loopback: each binds port 0 (the system picks a free port) and prints its address.

# start_server NAME SED_SCRIPT COMMAND…: starts COMMAND in the background, its output going to
# $tmp/NAME.log, and waits (at most 10 s) for SED_SCRIPT to print an address from that log,
# which it leaves in $started_address. Fails if the server exits first or never says where it
# listens. The server is stopped on exit.
started_address=""
start_server() {
    local name=$1 sed_script=$2
    shift 2
    "$@" >"$tmp/$name.log" 2>&1 &
    local pid=$!
    background_pids+=("$pid")
    started_address=""
    for _ in $(seq 100); do
        started_address=$(sed -n "$sed_script" "$tmp/$name.log")
        [[ -n "$started_address" ]] && return 0
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    return 1
}

# public/ as static files, for the readers that fetch over HTTP.
if ! start_server http 's/^Serving HTTP on .* port \([0-9]*\).*/127.0.0.1:\1/p' \
    $PY -u -m http.server --bind 127.0.0.1 --directory "$public" 0; then
    cat "$tmp/http.log"
    echo "FAIL  http server: python3 -m http.server did not start"
    exit 1
fi
base="http://$started_address"
echo "== serving $public at $base"

# ---------------------------------------------------------------------------------------------
# feedparser and json: every published file, alone and against the other formats.

check_feed_files() {
    $PY - "$public" "$tmp/stories.json" "$NOW" <<'PY'
import datetime as dt
import json
import pathlib
import re
import sys
import time
import urllib.parse

import feedparser

public, stories_path, now_text = pathlib.Path(sys.argv[1]), sys.argv[2], sys.argv[3]
now = dt.datetime.fromisoformat(now_text.replace("Z", "+00:00"))
problems, notes = [], []


def problem(text):
    problems.append(text)


def absolute(url):
    parts = urllib.parse.urlsplit(url or "")
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def odd_date(name, where, when):
    """Notes a date a reader would find odd: in the future, or before the web."""
    if when is None:
        return
    if when > now + dt.timedelta(minutes=5):
        notes.append(f"{name}: {where} is dated in the future ({when.isoformat()})")
    if when.year < 1995:
        notes.append(f"{name}: {where} is dated {when.isoformat()}")


def struct_to_datetime(value):
    return dt.datetime(*value[:6], tzinfo=dt.timezone.utc) if value else None


def read_xml(path, tag, version):
    """feedparser's view of one RSS or Atom file: its items as (id, link, title, date)."""
    name = str(path.relative_to(public))
    raw = path.read_text(encoding="utf-8")
    parsed = feedparser.parse(str(path))
    if parsed.bozo:
        problem(f"{name}: feedparser bozo: {parsed.bozo_exception!r}")
    if parsed.version != version:
        problem(f"{name}: feedparser says version {parsed.version!r}, expected {version!r}")
    if not parsed.feed.get("title", "").strip():
        problem(f"{name}: the feed has no title")
    if not absolute(parsed.feed.get("link")):
        problem(f"{name}: the feed link {parsed.feed.get('link')!r} is not absolute http(s)")
    self_links = [l.href for l in parsed.feed.get("links", []) if l.get("rel") == "self"]
    if not self_links or not self_links[0].endswith("/" + name):
        notes.append(f"{name}: self link {self_links} does not name this file")
    n_raw = len(re.findall(rf"<{tag}[\s>]", raw))
    if len(parsed.entries) != n_raw:
        problem(f"{name}: feedparser read {len(parsed.entries)} entries of {n_raw} <{tag}>s")
    items = []
    for position, entry in enumerate(parsed.entries, 1):
        where = f"{name} item {position}"
        entry_id, link, title = entry.get("id", ""), entry.get("link", ""), entry.get("title", "")
        if not title.strip():
            problem(f"{where}: empty title")
        if not absolute(link):
            problem(f"{where}: link {link!r} is not absolute http(s)")
        if not entry_id:
            problem(f"{where}: no guid/id")
        date = struct_to_datetime(entry.get("published_parsed") or entry.get("updated_parsed"))
        if date is None:
            problem(f"{where}: no date feedparser can read")
        odd_date(name, where, date)
        items.append((entry_id, link, title, date))
    print(f"{name}: {parsed.version}, {len(items)} entries, bozo={parsed.bozo}, "
          f"encoding={parsed.get('encoding')}")
    return items


def read_json_feed(path):
    """A JSON Feed 1.1 file's items as (id, link, title, date), checking its structure."""
    name = str(path.relative_to(public))
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        problem(f"{name}: not JSON: {error}")
        return []
    if not isinstance(document, dict):
        problem(f"{name}: the top level is not an object")
        return []
    if document.get("version") != "https://jsonfeed.org/version/1.1":
        problem(f"{name}: version {document.get('version')!r}, expected JSON Feed 1.1")
    if not isinstance(document.get("title"), str) or not document["title"].strip():
        problem(f"{name}: no title")
    for key in ("home_page_url", "feed_url"):
        if key in document and not absolute(document[key]):
            problem(f"{name}: {key} {document[key]!r} is not absolute http(s)")
    if "feed_url" in document and not document["feed_url"].endswith("/" + name):
        notes.append(f"{name}: feed_url {document['feed_url']!r} does not name this file")
    raw_items = document.get("items")
    if not isinstance(raw_items, list):
        problem(f"{name}: items is not a list")
        return []
    items = []
    for position, item in enumerate(raw_items, 1):
        where = f"{name} item {position}"
        if not isinstance(item, dict):
            problem(f"{where}: not an object")
            continue
        entry_id, link, title = item.get("id"), item.get("url"), item.get("title")
        if not isinstance(entry_id, str) or not entry_id:
            problem(f"{where}: id {entry_id!r} is not a non-empty string")
        if not isinstance(link, str) or not absolute(link):
            problem(f"{where}: url {link!r} is not absolute http(s)")
        if not isinstance(title, str) or not title.strip():
            problem(f"{where}: empty title")
        if not any(isinstance(item.get(key), str) for key in ("content_html", "content_text")):
            problem(f"{where}: neither content_html nor content_text")
        date = None
        try:
            date = dt.datetime.fromisoformat(item["date_published"].replace("Z", "+00:00"))
            if date.tzinfo is None:
                problem(f"{where}: date_published {item['date_published']!r} has no offset")
        except (KeyError, AttributeError, ValueError):
            problem(f"{where}: date_published {item.get('date_published')!r} is not RFC 3339")
        odd_date(name, where, date)
        items.append((entry_id, link, title, date))
    print(f"{name}: JSON Feed {document.get('version')}, {len(items)} items")
    return items


# One feed, several formats: feed.rss / feed.atom / feed.json, tag/demo.rss / tag/demo.atom / …
formats = {".rss": ("item", "rss20"), ".atom": ("entry", "atom10"), ".json": None}
feeds = {}
for path in sorted(public.rglob("*")):
    if path.suffix in formats and path.is_file():
        feeds.setdefault(path.with_suffix(""), {})[path.suffix] = path
if public / "feed" not in feeds:
    problem("no public/feed.* at all")

published = {}
for stem, paths in sorted(feeds.items()):
    by_format = {}
    for suffix, path in sorted(paths.items()):
        if suffix == ".json":
            by_format[suffix] = read_json_feed(path)
        else:
            by_format[suffix] = read_xml(path, *formats[suffix])
    stem_name = str(stem.relative_to(public))
    if ".rss" not in by_format or ".atom" not in by_format:
        problem(f"{stem_name}: expected both .rss and .atom, found {sorted(by_format)}")
    reference_suffix, reference = next(iter(by_format.items()))
    n_problems = len(problems)
    for suffix, items in by_format.items():
        if len(items) != len(reference):
            problem(f"{stem_name}{suffix} has {len(items)} items, "
                    f"{stem_name}{reference_suffix} {len(reference)}")
        for position, (mine, theirs) in enumerate(zip(items, reference), 1):
            for field, index in (("id", 0), ("link", 1), ("title", 2), ("date", 3)):
                if mine[index] != theirs[index]:
                    problem(f"{stem_name} item {position}: {field} {mine[index]!r} in {suffix} "
                            f"but {theirs[index]!r} in {reference_suffix}")
    published[stem_name] = reference
    if len(problems) == n_problems:
        print(f"{stem_name}.*: {', '.join(sorted(by_format))} carry the same "
              f"{len(reference)} ids, links, titles and dates in the same order")

# Against the database: every published item is a story of the window, and none comes twice.
stories = json.load(open(stories_path, encoding="utf-8"))
story_ids = {story["story"] for story in stories}
if stories and not published.get("feed"):
    problem(f"feed.*: no items, but {len(stories)} stories are in the window")
for stem_name, items in sorted(published.items()):
    published_ids = []
    for position, (entry_id, *_rest) in enumerate(items, 1):
        match = re.search(r"/story/(\d+)$", entry_id or "")
        if not match:
            problem(f"{stem_name} item {position}: id {entry_id!r} does not end in /story/ID")
            continue
        published_ids.append(int(match.group(1)))
        if published_ids[-1] not in story_ids:
            problem(f"{stem_name} item {position}: story {published_ids[-1]} "
                    "is not a story of the window")
    if len(set(published_ids)) != len(published_ids):
        problem(f"{stem_name}: a story is published twice: {published_ids}")
    print(f"{stem_name}: {len(items)} items published of {len(stories)} stories in the 7-day "
          "window" + (" (the rest cut by the publish limit or the per-group cap)"
                      if len(items) < len(stories) else ""))

for note in notes:
    print(f"note: {note}")
for text in problems:
    print(f"error: {text}")
sys.exit(1 if problems else 0)
PY
}

# ---------------------------------------------------------------------------------------------
# newsboat: fetches feed.rss and feed.atom over HTTP. Newsboat keys items by guid across all
# feeds (newsboat/newsboat#210: an item belongs to one feed only), and our RSS guids are our
# Atom ids, so each format is read into its own cache and must keep every item, then both into
# one cache, where every story must appear exactly once.

newsboat_reload() {
    local name=$1
    shift
    local home="$tmp/newsboat-$name"
    mkdir -p "$home/config" "$home/data" "$home/cache"
    printf '%s\n' "$@" >"$home/urls"
    printf '%s\n' "error-log \"$home/error.log\"" "download-timeout 20" >"$home/config/config"
    local -a env_vars=(HOME="$home" XDG_CONFIG_HOME="$home/config" XDG_DATA_HOME="$home/data"
        XDG_CACHE_HOME="$home/cache" TERM="${TERM:-dumb}")
    local -a newsboat=(newsboat -u "$home/urls" -c "$home/cache.db" -C "$home/config/config")
    env "${env_vars[@]}" timeout 120 "${newsboat[@]}" -x reload
    env "${env_vars[@]}" timeout 60 "${newsboat[@]}" -x print-unread >"$home/unread"
    if [[ -s "$home/error.log" ]]; then
        echo "newsboat error log ($name):"
        cat "$home/error.log"
        return 1
    fi
}

check_newsboat() {
    newsboat --version | head -n 1
    newsboat_reload rss "$base/feed.rss"
    newsboat_reload atom "$base/feed.atom"
    newsboat_reload both "$base/feed.rss" "$base/feed.atom"
    $PY - "$tmp" "$base" "$public" <<'PY'
import calendar
import pathlib
import re
import sqlite3
import sys

import feedparser

tmp, base, public = pathlib.Path(sys.argv[1]), sys.argv[2], pathlib.Path(sys.argv[3])
problems = []


def newsboat_state(name):
    """(unread count, items) of the newsboat cache `name`; items as guid -> row."""
    home = tmp / f"newsboat-{name}"
    unread_text = (home / "unread").read_text().strip()
    match = re.match(r"(\d+) unread", unread_text)
    if not match:
        problems.append(f"{name}: cannot read newsboat's print-unread output {unread_text!r}")
    database = sqlite3.connect(home / "cache.db")
    rows = database.execute("SELECT guid, title, url, pubDate, feedurl FROM rss_item").fetchall()
    feeds = dict(database.execute("SELECT rssurl, title FROM rss_feed").fetchall())
    print(f"newsboat ({name}): {unread_text!r}, {len(rows)} items stored")
    return (int(match.group(1)) if match else None), {row[0]: row for row in rows}, feeds


ours = {}
for name in ("rss", "atom"):
    file_name = f"feed.{name}"
    url = f"{base}/{file_name}"
    feed = ours[name] = feedparser.parse(str(public / file_name))
    unread, items, feeds = newsboat_state(name)
    if feeds.get(url) != feed.feed.title:
        problems.append(f"{file_name}: newsboat's feed title {feeds.get(url)!r}, "
                        f"ours {feed.feed.title!r}")
    if unread != len(feed.entries) or len(items) != len(feed.entries):
        problems.append(f"{file_name}: newsboat has {unread} unread and {len(items)} items, "
                        f"we published {len(feed.entries)}")
    for position, entry in enumerate(feed.entries, 1):
        item = items.get(entry.id)
        where = f"{file_name} item {position} ({entry.id})"
        if item is None:
            problems.append(f"{where}: newsboat does not have it")
            continue
        if item[1] != entry.title:
            problems.append(f"{where}: newsboat's title {item[1]!r}, ours {entry.title!r}")
        if item[2] != entry.link:
            problems.append(f"{where}: newsboat's link {item[2]!r}, ours {entry.link!r}")
        date = entry.get("published_parsed") or entry.get("updated_parsed")
        if date and item[3] != calendar.timegm(date):
            problems.append(f"{where}: newsboat's date {item[3]}, ours {calendar.timegm(date)}")

stories = {entry.id for feed in ours.values() for entry in feed.entries}
unread, items, _feeds = newsboat_state("both")
if unread != len(stories) or set(items) != stories:
    problems.append(f"both feeds: newsboat has {unread} unread and {len(items)} items, "
                    f"expected each of the {len(stories)} stories once")
else:
    print(f"newsboat subscribed to both feeds shows each of the {len(stories)} stories once "
          f"({sum(len(feed.entries) for feed in ours.values())} items, shared ids)")
for text in problems:
    print(f"error: {text}")
sys.exit(1 if problems else 0)
PY
}

# ---------------------------------------------------------------------------------------------
# Chromium: a screenshot of index.html, checked to be a real, non-blank PNG.

check_screenshot() {
    [[ -f "$public/index.html" ]] || skip "no public/index.html yet"
    local chromium
    chromium=$(command -v chromium)
    local out="${FRONTPAGE_SCREENSHOT:-target/interop/frontpage.png}"
    mkdir -p "$(dirname "$out")"
    rm -f "$out"
    "$chromium" --version
    # Chromium may outlive its work (crash handler, GPU process); the timeout bounds it.
    timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --disable-dev-shm-usage --hide-scrollbars --user-data-dir="$tmp/chrome" \
        --window-size=1200,1600 --screenshot="$out" "$base/index.html" \
        >"$tmp/chromium.log" 2>&1 || {
        cat "$tmp/chromium.log"
        return 1
    }
    $PY - "$out" <<'PY'
import struct
import sys
import zlib

path = sys.argv[1]
data = open(path, "rb").read()
if not data.startswith(b"\x89PNG\r\n\x1a\n"):
    sys.exit(f"error: {path} is not a PNG")
width, height = struct.unpack(">II", data[16:24])
chunks, offset = [], 8
while offset < len(data):
    length, kind = struct.unpack(">I4s", data[offset:offset + 8])
    chunks.append((kind, data[offset + 8:offset + 8 + length]))
    offset += 12 + length
pixels = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
distinct = len(set(pixels))
print(f"{path}: {width}x{height} PNG, {len(data)} bytes, {distinct} distinct byte values")
if len(data) < 10_000 or distinct < 16:
    sys.exit(f"error: {path} looks blank ({len(data)} bytes, {distinct} distinct byte values)")
PY
}

# ---------------------------------------------------------------------------------------------
# frontpage serve: the same database, served from memory by the binary the demo step built.
# Its clock is the demo's, so every page it renders must be the published file byte for byte.

# fetch NAME [CURL ARGS…] PATH: one request to frontpage serve; the response head (CRs removed)
# goes to $served/NAME.head and the body to $served/NAME.body (empty when there is none).
fetch() {
    local name=$1 path=${*: -1}
    : >"$served/$name.body"
    curl -sS --max-time 10 --path-as-is -D "$served/$name.crlf" -o "$served/$name.body" \
        "${@:2:$#-2}" "$serve_base$path"
    tr -d '\r' <"$served/$name.crlf" >"$served/$name.head"
}

# status NAME: the status code of response NAME. header NAME FIELD: the value of its last
# FIELD header (names compared without case), empty when it has none.
status() {
    sed -n '1s/^HTTP\/[0-9.]* \([0-9][0-9][0-9]\).*/\1/p' "$served/$1.head"
}
header() {
    sed -n "s/^$2:[[:space:]]*//Ip" "$served/$1.head" | tail -n 1
}
body_size() {
    stat -c %s "$served/$1.body"
}

# expect WHAT ACTUAL EXPECTED: prints the outcome; a mismatch is counted in $problems, and the
# check fails at its end (so one run reports every mismatch).
problems=0
expect() {
    if [[ "$2" == "$3" ]]; then
        echo "ok     $1: ${2:-(none)}"
    else
        echo "error  $1: got '$2', expected '$3'"
        problems=$((problems + 1))
    fi
}

# expect_tag WHAT VALUE [NOT]: VALUE must be a strong entity tag ("…"), and not NOT.
expect_tag() {
    if [[ $2 =~ ^\"[^\"]*\"$ && $2 != "${3:-}" ]]; then
        echo "ok     $1: $2"
    else
        echo "error  $1: got '$2', expected a strong entity tag${3:+ other than $3}"
        problems=$((problems + 1))
    fi
}

# The bytes of one raw HTTP request's response, read until the server closes the connection.
raw_exchange() {
    local request=$1
    exec 3<>"/dev/tcp/${serve_address%:*}/${serve_address##*:}"
    printf '%s' "$request" >&3
    timeout 10 cat <&3
    exec 3<&-
}

# The checks of a server that did not start are skipped (its own check has failed).
need_serve() {
    [[ -n "$serve_base" ]] || skip "frontpage serve is not running"
}

check_serve_started() {
    cat "$tmp/serve.log"
    [[ -n "$serve_base" ]]
}

check_served_http() {
    need_serve
    curl --version | head -n 1

    fetch get /feed.rss
    local etag last_modified
    etag=$(header get etag)
    last_modified=$(header get last-modified)
    expect "GET /feed.rss status" "$(status get)" 200
    expect "GET /feed.rss Content-Type" "$(header get content-type)" \
        "application/rss+xml; charset=utf-8"
    expect "GET /feed.rss Content-Length is the body's" "$(header get content-length)" \
        "$(body_size get)"
    expect_tag "GET /feed.rss ETag" "$etag"
    expect "GET /feed.rss Vary" "$(header get vary)" "Accept-Encoding"
    expect "GET /feed.rss Content-Encoding (no Accept-Encoding)" "$(header get content-encoding)" ""

    fetch head --head /feed.rss
    expect "HEAD /feed.rss status" "$(status head)" "$(status get)"
    local field
    for field in content-type etag content-length last-modified; do
        expect "HEAD /feed.rss $field as GET's" "$(header head "$field")" "$(header get "$field")"
    done
    # curl never reads a HEAD body, so ask by hand: after the head, the server must close the
    # connection without sending a byte.
    raw_exchange $'HEAD /feed.rss HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' \
        >"$served/head.raw"
    expect "HEAD /feed.rss bytes after the head" "$($PY -c '
import sys
raw = open(sys.argv[1], "rb").read()
end = raw.find(b"\r\n\r\n")
print(len(raw) - end - 4 if end >= 0 else "no complete head")' "$served/head.raw")" 0

    fetch gzip -H 'Accept-Encoding: gzip' /feed.rss
    local gzip_etag
    gzip_etag=$(header gzip etag)
    expect "GET /feed.rss (gzip) status" "$(status gzip)" 200
    expect "GET /feed.rss (gzip) Content-Encoding" "$(header gzip content-encoding)" gzip
    expect "GET /feed.rss (gzip) Vary" "$(header gzip vary)" "Accept-Encoding"
    expect "GET /feed.rss (gzip) Content-Length is the body's" \
        "$(header gzip content-length)" "$(body_size gzip)"
    expect_tag "GET /feed.rss (gzip) ETag, not the plain one" "$gzip_etag" "$etag"
    expect "GET /feed.rss (gzip) body gunzipped is the plain body" \
        "$(gzip -dc "$served/gzip.body" | cmp -s - "$served/get.body" && echo same || echo different)" same
    echo "       /feed.rss: $(body_size get) bytes, $(body_size gzip) gzipped"

    fetch inm -H "If-None-Match: $etag" /feed.rss
    expect "If-None-Match: plain ETag → status" "$(status inm)" 304
    expect "If-None-Match: plain ETag → ETag" "$(header inm etag)" "$etag"
    expect "If-None-Match: plain ETag → body bytes" "$(body_size inm)" 0
    fetch inm-gzip -H 'Accept-Encoding: gzip' -H "If-None-Match: $gzip_etag" /feed.rss
    expect "If-None-Match: gzip ETag (gzip) → status" "$(status inm-gzip)" 304
    expect "If-None-Match: gzip ETag (gzip) → ETag" "$(header inm-gzip etag)" "$gzip_etag"
    expect "If-None-Match: gzip ETag (gzip) → body bytes" "$(body_size inm-gzip)" 0

    fetch ims -H "If-Modified-Since: $last_modified" /feed.rss
    expect "If-Modified-Since: $last_modified → status" "$(status ims)" 304
    expect "If-Modified-Since: $last_modified → ETag" "$(header ims etag)" "$etag"
    fetch ims-old -H 'If-Modified-Since: Thu, 01 Jan 1998 00:00:00 GMT' /feed.rss
    expect "If-Modified-Since: 1998 → status" "$(status ims-old)" 200
    fetch inm-first -H 'If-None-Match: "another"' -H "If-Modified-Since: $last_modified" /feed.rss
    expect "If-None-Match: other tag + If-Modified-Since (If-None-Match decides) → status" \
        "$(status inm-first)" 200

    fetch health /healthz
    expect "GET /healthz status" "$(status health)" 200
    fetch traversal /../etc/passwd
    expect "GET /../etc/passwd status" "$(status traversal)" 404
    fetch post --data '' /feed.rss
    expect "POST /feed.rss status" "$(status post)" 405
    expect "POST /feed.rss Allow" "$(header post allow)" "GET, HEAD"

    ((problems == 0))
}

# Every published file from the server, byte for byte; then the feeds through real parsers.
check_served_feeds() {
    need_serve
    local file path content_type
    local -A content_types=([rss]="application/rss+xml; charset=utf-8"
        [atom]="application/atom+xml; charset=utf-8" [json]="application/feed+json"
        [html]="text/html; charset=utf-8")
    local pages=()
    while IFS= read -r file; do
        pages+=("/$file")
        if [[ $file == index.html ]]; then
            pages+=("/")
        fi
    done < <(cd "$public" && find . -type f -printf '%P\n' | sort)
    local n_same=0
    for path in "${pages[@]}"; do
        file=${path#/}
        file=${file:-index.html}
        fetch page -H 'Accept-Encoding: identity' "$path"
        content_type=${content_types[${file##*.}]:-}
        if [[ $(status page) != 200 ]] || ! cmp -s "$served/page.body" "$public/$file" ||
            [[ $(header page content-type) != "$content_type" ]]; then
            echo "error  GET $path: status $(status page), Content-Type" \
                "'$(header page content-type)' (expected '$content_type'), body:" \
                "$(cmp "$served/page.body" "$public/$file" 2>&1 || true)"
            problems=$((problems + 1))
        else
            n_same=$((n_same + 1))
        fi
    done
    echo "ok     ${n_same} of ${#pages[@]} pages served are the published files byte for byte," \
        "with their content types: ${pages[*]}"

    $PY - "$serve_base" "$public" <<'PY' || problems=$((problems + 1))
import json
import pathlib
import sys
import urllib.request

import feedparser

base, public = sys.argv[1], pathlib.Path(sys.argv[2])
problems = []


def entries(parsed):
    """What a reader shows of each entry (not feedparser's `base`, which names the source)."""
    return [(entry.get("id"), entry.get("link"), entry.get("title"),
             entry.get("published_parsed"), entry.get("updated_parsed"), entry.get("summary"),
             [tag.term for tag in entry.get("tags", [])], entry.get("author"))
            for entry in parsed.entries]


for name, version in (("feed.rss", "rss20"), ("feed.atom", "atom10")):
    url = f"{base}/{name}"
    served = feedparser.parse(url)
    published = feedparser.parse(str(public / name))
    if served.get("status") != 200:
        problems.append(f"{url}: feedparser got status {served.get('status')}")
    if served.bozo:
        problems.append(f"{url}: feedparser bozo: {served.bozo_exception!r}")
    if served.version != version:
        problems.append(f"{url}: feedparser says version {served.version!r}, not {version!r}")
    served_entries, published_entries = entries(served), entries(published)
    if len(served_entries) != len(published_entries):
        problems.append(f"{url}: {len(served_entries)} entries, the file "
                        f"{len(published_entries)}")
    for position, (mine, theirs) in enumerate(zip(served_entries, published_entries), 1):
        if mine != theirs:
            problems.append(f"{url} entry {position}: {mine!r} served, {theirs!r} in the file")
    for key in ("title", "link", "subtitle", "updated"):
        if served.feed.get(key) != published.feed.get(key):
            problems.append(f"{url}: feed {key} {served.feed.get(key)!r}, "
                            f"the file {published.feed.get(key)!r}")
    # feedparser as a polling client: its own conditional request must get a 304.
    again = feedparser.parse(url, etag=served.get("etag"), modified=served.get("modified"))
    if again.get("status") != 304 or again.entries:
        problems.append(f"{url}: asked again with ETag {served.get('etag')} and "
                        f"{served.get('modified')!r}: status {again.get('status')}, "
                        f"{len(again.entries)} entries")
    print(f"ok     {url}: feedparser {served.version}, bozo={served.bozo}, "
          f"{len(served.entries)} entries as in the file; "
          f"Content-Encoding {served.headers.get('content-encoding', 'none')}, "
          f"ETag {served.get('etag')}; asked again: {again.get('status')}")

url = f"{base}/feed.json"
with urllib.request.urlopen(url, timeout=10) as response:
    content_type = response.headers.get("Content-Type")
    document = json.loads(response.read().decode("utf-8"))
published = json.loads((public / "feed.json").read_text(encoding="utf-8"))
if document != published:
    problems.append(f"{url}: the served JSON is not the file's")
if document.get("version") != "https://jsonfeed.org/version/1.1":
    problems.append(f"{url}: version {document.get('version')!r}")
items = [(item.get("id"), item.get("url"), item.get("title"), item.get("date_published"))
         for item in document.get("items", [])]
print(f"ok     {url}: JSON Feed {document.get('version')} ({content_type}), {len(items)} items "
      "as in the file")

for text in problems:
    print(f"error  {text}")
sys.exit(1 if problems else 0)
PY
    ((problems == 0))
}

# A reverse proxy on loopback that forwards GET and HEAD to frontpage serve unchanged and logs
# each request (method, path, validators sent, upstream status) as one JSON line: frontpage
# serve logs no requests, and this shows what a real reader asks and what it is answered.
# urllib raises HTTPError for 304 (and 4xx, 5xx); that is an answer too, passed through whole.
cat >"$tmp/proxy.py" <<'PY'
import http.server
import json
import sys
import threading
import urllib.error
import urllib.request

upstream, log_path = sys.argv[1], sys.argv[2]
HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "proxy-authenticate",
              "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade", "host"}
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
log_lock = threading.Lock()


class Forward(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        headers = {name: value for name, value in self.headers.items()
                   if name.lower() not in HOP_BY_HOP}
        request = urllib.request.Request(upstream + self.path, headers=headers,
                                         method=self.command)
        try:
            response = opener.open(request, timeout=30)
        except urllib.error.HTTPError as answer:
            response = answer
        except OSError as error:
            self.log_exchange(None, {}, str(error))
            self.send_error(502, f"upstream: {error}")
            return
        with response:
            status, reply_headers, body = response.getcode(), response.headers, response.read()
        self.log_exchange(status, reply_headers, None)
        self.send_response_only(status)
        for name, value in reply_headers.items():
            if name.lower() not in HOP_BY_HOP:
                self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_HEAD = do_GET

    def log_exchange(self, status, reply_headers, error):
        record = {"method": self.command, "path": self.path,
                  "user_agent": self.headers.get("User-Agent"),
                  "accept_encoding": self.headers.get("Accept-Encoding"),
                  "if_none_match": self.headers.get("If-None-Match"),
                  "if_modified_since": self.headers.get("If-Modified-Since"),
                  "status": status, "etag": reply_headers.get("ETag"), "error": error}
        with log_lock, open(log_path, "a", encoding="utf-8") as log:
            log.write(json.dumps(record) + "\n")

    def log_message(self, format, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Forward)
print(f"proxy: listening on 127.0.0.1:{server.server_address[1]}", flush=True)
server.serve_forever()
PY

# newsboat polls the served feed.rss through the proxy, reusing its cache: once it has stored
# the validators, it must send them and be answered 304. Some newsboat versions (Debian 12's
# 2.21 among them) store the validators only from their second download of a feed
# (newsboat/newsboat#2734), so they first send them on the third reload: three it is.
check_newsboat_served() {
    need_serve
    if [[ -z "$proxy_base" ]]; then
        cat "$tmp/proxy.log"
        echo "the logging proxy did not start"
        return 1
    fi
    for _ in 1 2 3; do
        newsboat_reload served "$proxy_base/feed.rss"
    done
    $PY - "$tmp/proxy-requests.jsonl" "$tmp/newsboat-served/unread" "$public/feed.rss" <<'PY'
import json
import re
import sys

import feedparser

log_path, unread_path, feed_path = sys.argv[1:4]
requests = [json.loads(line) for line in open(log_path, encoding="utf-8")]
problems = []
for number, request in enumerate(requests, 1):
    sent = [f"{name}: {request[key]}" for name, key in (("If-None-Match", "if_none_match"),
            ("If-Modified-Since", "if_modified_since")) if request[key]]
    print(f"request {number}: {request['method']} {request['path']} → {request['status']} "
          f"(ETag {request['etag']}); {'; '.join(sent) or 'unconditional'}; "
          f"Accept-Encoding: {request['accept_encoding']}; {request['user_agent']}")

if len(requests) != 3 or any((r["method"], r["path"]) != ("GET", "/feed.rss") for r in requests):
    problems.append(f"expected 3 GET /feed.rss (one per reload), got {len(requests)} requests")
etag_sent = None
conditional = []
for number, request in enumerate(requests, 1):
    validators = request["if_none_match"] or request["if_modified_since"]
    if validators:
        conditional.append(number)
        if request["if_none_match"] != etag_sent:
            problems.append(f"request {number}: If-None-Match {request['if_none_match']}, "
                            f"but the server's ETag was {etag_sent}")
        if request["status"] != 304:
            problems.append(f"request {number}: sent its validators, got {request['status']}")
        elif request["etag"] != etag_sent:
            problems.append(f"request {number}: the 304's ETag {request['etag']} is not "
                            f"{etag_sent}")
    elif request["status"] != 200:
        problems.append(f"request {number}: unconditional, got {request['status']}")
    etag_sent = request["etag"] or etag_sent
if not requests or requests[-1]["status"] != 304:
    problems.append("newsboat's last reload was not answered 304")
elif conditional[0] == 3:
    print("note: newsboat sent no validators on its second reload: this version stores them "
          "only from its second download (newsboat/newsboat#2734)")

published = len(feedparser.parse(feed_path).entries)
unread_text = open(unread_path, encoding="utf-8").read().strip()
match = re.match(r"(\d+) unread", unread_text)
if not match or int(match.group(1)) != published:
    problems.append(f"after the reloads newsboat says {unread_text!r}, we publish {published}")
else:
    print(f"newsboat after the 304: {unread_text!r}, as published")
for text in problems:
    print(f"error: {text}")
sys.exit(1 if problems else 0)
PY
}

# ---------------------------------------------------------------------------------------------

check "feedparser + JSON Feed: every published file, and all formats agree" check_feed_files
check "newsboat: reads feed.rss and feed.atom over HTTP, every item unread" check_newsboat
check "chromium: screenshot of index.html" check_screenshot

# frontpage serve on the demo's database and clock, and the logging proxy in front of it.
frontpage="${CARGO_TARGET_DIR:-target}/release/frontpage"
served="$tmp/served"
mkdir -p "$served"
serve_address="" serve_base="" proxy_base=""
echo "== $frontpage --config $work/feeds.toml --now $NOW serve --listen 127.0.0.1:0"
if start_server serve 's|^frontpage: serving http://\(.*\)/$|\1|p' \
    "$frontpage" --config "$work/feeds.toml" --now "$NOW" serve --listen 127.0.0.1:0; then
    serve_address=$started_address
    serve_base="http://$serve_address"
    if start_server proxy 's/^proxy: listening on \(.*\)$/\1/p' \
        $PY -u "$tmp/proxy.py" "$serve_base" "$tmp/proxy-requests.jsonl"; then
        proxy_base="http://$started_address"
    fi
fi
echo "   frontpage serve at ${serve_base:-(not running)}, logging proxy at ${proxy_base:-(not running)}"

check "frontpage serve: starts on 127.0.0.1:0 and prints its address" check_serve_started
check "curl: HEAD, gzip, 304s, /healthz, traversal and POST on frontpage serve" check_served_http
check "feedparser + json: the served pages are the published files" check_served_feeds
check "newsboat: polls the served feed.rss and gets a 304" check_newsboat_served

echo
echo "== interoperability summary ($((SECONDS - script_started))s)"
printf '%s\n' "${summary[@]}"
if ((${#failed[@]} > 0)); then
    printf 'interoperability FAILED:'
    printf ' [%s]' "${failed[@]}"
    echo
    exit 1
fi
echo "interoperability passed"
