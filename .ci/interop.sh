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

script_started=$SECONDS
tmp=$(mktemp -d "${TMPDIR:-/tmp}/frontpage-interop.XXXXXX")
http_pid=""
cleanup() {
    if [[ -n "$http_pid" ]]; then
        kill "$http_pid" 2>/dev/null || true
        wait "$http_pid" 2>/dev/null || true
    fi
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
    "${sudo[@]}" apt-get update -qq >"$tmp/apt.log" 2>&1 &&
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
            apt-get install -y -qq --no-install-recommends "$@" >>"$tmp/apt.log" 2>&1 || {
        cat "$tmp/apt.log"
        return 1
    }
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
# Serve public/ on loopback (port 0: the server picks a free one and prints it).

$PY -u -m http.server --bind 127.0.0.1 --directory "$public" 0 >"$tmp/http.log" 2>&1 &
http_pid=$!
port=""
for _ in $(seq 100); do
    port=$(sed -n 's/^Serving HTTP on .* port \([0-9]*\).*/\1/p' "$tmp/http.log")
    [[ -n "$port" ]] && break
    kill -0 "$http_pid" 2>/dev/null || break
    sleep 0.1
done
if [[ -z "$port" ]]; then
    cat "$tmp/http.log"
    echo "FAIL  http server: python3 -m http.server did not start"
    exit 1
fi
base="http://127.0.0.1:$port"
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

check "feedparser + JSON Feed: every published file, and all formats agree" check_feed_files
check "newsboat: reads feed.rss and feed.atom over HTTP, every item unread" check_newsboat
check "chromium: screenshot of index.html" check_screenshot

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
