//! A loopback HTTP/1.1 server that replays canned feed responses: test support only.
//!
//! A test starts a [`FeedServer`], registers a [`Reply`] per path, points frontpage at
//! [`FeedServer::url`], runs the real binary and then asserts on [`FeedServer::requests`].
//! The server binds `127.0.0.1:0`, serves each connection on its own thread, answers exactly one
//! request per connection and closes it (`Connection: close`, no keep-alive), so every exchange
//! is deterministic.
//!
//! What it does, and what it deliberately does not:
//!
//! - Each request is recorded (method, path with query string, headers in order) *before* it is
//!   answered, so once a client has its response the request is in the log.
//! - Routes match the request target exactly, query string included; unknown paths get 404.
//!   The method plays no part in routing; `HEAD` gets the headers without the body.
//! - Conditional requests are answered only as [`Reply::etag`] and [`Reply::last_modified`]
//!   describe: exact byte comparison, no date parsing, no weak comparison.
//! - Request bodies are ignored. Only origin-form targets (`/path?query`) are accepted; anything
//!   the parser does not understand gets 400 and header sections over 64 KiB get 431, and
//!   neither is recorded.
//! - No `Date` header or any other header is added except `Content-Type` (a default a reply can
//!   override), `Content-Encoding`, `ETag`, `Last-Modified`, `Content-Length` and
//!   `Connection: close`, as described on [`Reply`].
//! - A misbehaving client never panics a server thread; it only loses its own connection.
//! - A reply can misbehave on purpose, to test frontpage's defences: [`Reply::delay`],
//!   [`Reply::trickle`] (one body byte at a time), [`Reply::truncated`] (a body cut short),
//!   [`Reply::raw_gzip_header`] (`Content-Encoding: gzip` on a plain body) and
//!   [`Reply::gzip_bomb`] (a tiny body that inflates enormously).
//!
//! It depends on nothing but `std` and `flate2` (for [`Reply::gzip`] and [`Reply::gzip_bomb`]),
//! never on frontpage itself, so it keeps compiling while the library is in pieces.

use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// Largest request head (request line plus headers) the server reads before answering 431.
const MAX_HEAD_BYTES: usize = 64 * 1024;

/// How long a connection may stall while sending its request or receiving the response.
const IO_TIMEOUT: Duration = Duration::from_secs(5);

/// How long the server keeps reading (and discarding) after answering, so that unread request
/// bytes do not turn the close into a reset that could destroy the response in flight.
const LINGER_TIMEOUT: Duration = Duration::from_secs(1);

/// Upper bound on the bytes discarded while lingering.
const MAX_LINGER_BYTES: u64 = 1024 * 1024;

/// The start of the document a [`Reply::gzip_bomb`] inflates to; filler follows it.
const GZIP_BOMB_PREFIX: &[u8] = b"<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>";

/// The byte a [`Reply::gzip_bomb`] repeats after [`GZIP_BOMB_PREFIX`].
const GZIP_BOMB_FILLER: u8 = b'a';

/// A loopback HTTP/1.1 server with canned replies and a log of every request it received.
///
/// Dropping it stops accepting connections and joins the accept thread; connections already
/// being served finish on their own threads (a [`Reply::trickle`] one as soon as its client
/// goes away).
pub struct FeedServer {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    stopping: Arc<AtomicBool>,
    accept_thread: Option<JoinHandle<()>>,
}

impl FeedServer {
    /// Binds `127.0.0.1` on a free port and starts accepting connections on a background thread.
    pub fn start() -> FeedServer {
        let listener = TcpListener::bind(("127.0.0.1", 0)).expect("bind a loopback port");
        let addr = listener.local_addr().expect("read the bound address");
        let state = Arc::new(Mutex::new(State::default()));
        let stopping = Arc::new(AtomicBool::new(false));
        let accept_thread = thread::Builder::new()
            .name("feed-server-accept".to_owned())
            .spawn({
                let state = Arc::clone(&state);
                let stopping = Arc::clone(&stopping);
                move || accept_loop(&listener, &state, &stopping)
            })
            .expect("spawn the accept thread");
        FeedServer {
            addr,
            state,
            stopping,
            accept_thread: Some(accept_thread),
        }
    }

    /// The address the server listens on (`127.0.0.1` and the port it was given).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The absolute URL of `path` on this server, e.g. `http://127.0.0.1:PORT/feed.xml`.
    ///
    /// `path` must start with `/` and may carry a query string.
    pub fn url(&self, path: &str) -> String {
        assert_origin_form(path);
        format!("http://{}{}", self.addr, path)
    }

    /// Answers every request for `path` with `reply`, replacing whatever `path` answered before.
    ///
    /// `path` must start with `/` and is matched exactly, query string included.
    pub fn route(&self, path: &str, reply: Reply) {
        self.route_sequence(path, vec![reply]);
    }

    /// Answers successive requests for `path` with successive `replies`; once they run out, the
    /// last one repeats. Replaces whatever `path` answered before and starts from the first reply.
    ///
    /// `path` must start with `/` and is matched exactly; `replies` must not be empty.
    pub fn route_sequence(&self, path: &str, replies: Vec<Reply>) {
        assert_origin_form(path);
        assert!(
            !replies.is_empty(),
            "route_sequence({path:?}) needs at least one reply"
        );
        let route = Route { replies, served: 0 };
        self.lock().routes.insert(path.to_owned(), route);
    }

    /// Every well-formed request received so far, in the order they arrived.
    pub fn requests(&self) -> Vec<Request> {
        self.lock().requests.clone()
    }

    /// The requests received so far whose path (query string included) equals `path`, in order.
    pub fn requests_to(&self, path: &str) -> Vec<Request> {
        assert_origin_form(path);
        let state = self.lock();
        let matching = state.requests.iter().filter(|request| request.path == path);
        matching.cloned().collect()
    }

    /// The most requests that were ever being answered at the same time.
    pub fn max_in_flight(&self) -> usize {
        self.lock().max_in_flight
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }
}

impl Drop for FeedServer {
    /// Stops accepting and joins the accept thread, waking it with a connection to itself.
    ///
    /// If even that connection fails the accept thread is left blocked rather than hanging here.
    fn drop(&mut self) {
        self.stopping.store(true, Ordering::SeqCst);
        let woke_accept_thread = TcpStream::connect_timeout(&self.addr, IO_TIMEOUT).is_ok();
        if let Some(accept_thread) = self.accept_thread.take()
            && woke_accept_thread
        {
            // A panic on the accept thread already failed loudly; there is nothing to add here.
            let _ = accept_thread.join();
        }
    }
}

/// One request as the server received it.
#[derive(Clone, Debug)]
pub struct Request {
    /// The method, as sent (`GET`, `HEAD`, …).
    pub method: String,
    /// The request target: the path plus the query string, if any (`/feed.xml?page=2`).
    pub path: String,
    /// The header fields in the order they arrived, names as sent, values without surrounding
    /// whitespace.
    pub headers: Vec<(String, String)>,
}

impl Request {
    /// The value of the first header called `name`, compared case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }
}

/// A canned response, built with the constructors and adjusted with the builder methods.
///
/// On the wire it becomes, in this order: the status line; `headers` verbatim; `Content-Type:
/// content_type` unless `headers` has a `Content-Type`; `Content-Encoding: gzip` if `gzip`;
/// `ETag` and `Last-Modified` if set; `Content-Length` (the whole body's length, also for
/// `HEAD`, 304 and a `truncated` reply, never for 1xx and 204) unless `headers` has one;
/// `Connection: close` unless `headers` has a `Connection`; then the body (only its first
/// `truncated` bytes if set, one byte at a time if `trickle` is set), except for `HEAD`, 1xx,
/// 204 and 304; then the server closes the connection. Setting `Content-Length` by hand lets a
/// test send a length that does not match the body.
#[derive(Clone, Debug)]
pub struct Reply {
    /// The status code sent when the request is not answered with 304.
    pub status: u16,
    /// Extra headers, sent verbatim in this order on every answer, 304 included.
    pub headers: Vec<(String, String)>,
    /// The body bytes as sent (already compressed when `gzip` is set).
    pub body: Vec<u8>,
    /// The default `Content-Type`, sent unless `headers` names one; not sent with 304.
    pub content_type: Option<String>,
    /// Whether to send `Content-Encoding: gzip` (not sent with 304). [`Reply::gzip`] sets it
    /// after compressing `body`; [`Reply::raw_gzip_header`] sets it alone.
    pub gzip: bool,
    /// The `ETag` to send; a matching `If-None-Match` gets 304.
    pub etag: Option<String>,
    /// The `Last-Modified` to send; a matching `If-Modified-Since` gets 304.
    pub last_modified: Option<String>,
    /// How long to wait before answering (after the request has been recorded).
    pub delay: Option<Duration>,
    /// Sends the body one byte at a time with this long between bytes; see [`Reply::trickle`].
    pub trickle: Option<Duration>,
    /// Sends only this many bytes of the body, then closes; see [`Reply::truncated`].
    pub truncated: Option<usize>,
}

impl Reply {
    /// 200 with `body`, sent as `Content-Type: application/rss+xml` unless a header says
    /// otherwise.
    pub fn ok(body: impl Into<Vec<u8>>) -> Reply {
        Reply {
            body: body.into(),
            content_type: Some("application/rss+xml".to_owned()),
            ..Reply::status(200)
        }
    }

    /// `status` with an empty body and no content type.
    pub fn status(status: u16) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: Vec::new(),
            content_type: None,
            gzip: false,
            etag: None,
            last_modified: None,
            delay: None,
            trickle: None,
            truncated: None,
        }
    }

    /// 200 with the bytes of `tests/fixtures/<relative>`, typed by its extension (`.xml` →
    /// `application/xml`, `.json` → `application/feed+json`, `.html` → `text/html`, `.rss` →
    /// `application/rss+xml`, `.atom` → `application/atom+xml`, anything else →
    /// `application/octet-stream`).
    ///
    /// Panics, naming the full path, if the file cannot be read.
    pub fn fixture(relative: &str) -> Reply {
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        file_reply(&fixtures.join(relative))
    }

    /// A redirect (301, 302, 303, 307 or 308) to `location`, with an empty body.
    ///
    /// Panics if `status` is not one of those codes.
    pub fn redirect(status: u16, location: &str) -> Reply {
        assert!(
            matches!(status, 301 | 302 | 303 | 307 | 308),
            "redirect status must be 301, 302, 303, 307 or 308, not {status}"
        );
        Reply::status(status).header("Location", location)
    }

    /// 200, `Content-Type: application/rss+xml`, `Content-Encoding: gzip`, and a small body
    /// that inflates to `<?xml version="1.0"?><rss version="2.0"><channel><title>` followed by
    /// `uncompressed_len` bytes of `a` (a document that never ends), about 1000 times its size.
    ///
    /// The compressed body is built by streaming the filler through the encoder in chunks, so
    /// the inflated document is never held in memory; compressing costs time roughly in
    /// proportion to `uncompressed_len` (some seconds per GiB in a debug build).
    pub fn gzip_bomb(uncompressed_len: usize) -> Reply {
        let chunk = [GZIP_BOMB_FILLER; 64 * 1024];
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder
            .write_all(GZIP_BOMB_PREFIX)
            .expect("gzip into memory cannot fail");
        let mut left = uncompressed_len;
        while left > 0 {
            let len = left.min(chunk.len());
            encoder
                .write_all(&chunk[..len])
                .expect("gzip into memory cannot fail");
            left -= len;
        }
        Reply {
            gzip: true,
            ..Reply::ok(encoder.finish().expect("gzip into memory cannot fail"))
        }
    }

    /// Adds the header `name: value`, sent verbatim after the headers added before it.
    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Adds a `Set-Cookie: <cookie>` header; shorthand for `.header("Set-Cookie", cookie)`.
    pub fn set_cookie(self, cookie: &str) -> Reply {
        self.header("Set-Cookie", cookie)
    }

    /// Sends `ETag: <etag>`, and answers 304 (no body, same `ETag`) to a GET or HEAD whose
    /// `If-None-Match` equals `etag` byte for byte. Only 2xx replies are turned into 304.
    pub fn etag(mut self, etag: &str) -> Reply {
        self.etag = Some(etag.to_owned());
        self
    }

    /// Sends `Last-Modified: <value>`, and answers 304 to a GET or HEAD whose
    /// `If-Modified-Since` equals `value` byte for byte and that has no `If-None-Match`
    /// (which takes precedence, as in RFC 9110). Only 2xx replies are turned into 304.
    pub fn last_modified(mut self, value: &str) -> Reply {
        self.last_modified = Some(value.to_owned());
        self
    }

    /// Gzip-compresses the body now and sends it with `Content-Encoding: gzip`.
    ///
    /// Call it once, after the body is final.
    pub fn gzip(mut self) -> Reply {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder
            .write_all(&self.body)
            .expect("gzip into memory cannot fail");
        self.body = encoder.finish().expect("gzip into memory cannot fail");
        self.gzip = true;
        self
    }

    /// Sends `Content-Encoding: gzip` but leaves the body as it is, uncompressed: a
    /// misconfigured server whose body cannot be decoded.
    pub fn raw_gzip_header(mut self) -> Reply {
        self.gzip = true;
        self
    }

    /// Waits `delay` before answering; the request is recorded before the wait.
    pub fn delay(mut self, delay: Duration) -> Reply {
        self.delay = Some(delay);
        self
    }

    /// Sends the status line and headers at once, then the body one byte at a time with
    /// `every` between bytes (the first byte right after the headers): a server slow enough
    /// that only a total timeout stops it.
    ///
    /// The server stops quietly as soon as the client goes away: it watches the connection
    /// while it waits, so the connection's thread ends when the client closes or resets the
    /// connection, not an `every` later. (A client that only shuts down its sending side counts
    /// as gone, too.) Combines with [`Reply::truncated`] and [`Reply::delay`].
    pub fn trickle(mut self, every: Duration) -> Reply {
        self.trickle = Some(every);
        self
    }

    /// Sends the headers with the whole body's `Content-Length` but only the first `keep`
    /// bytes of the body, then closes the connection: a 200 cut short, which a client must
    /// report as an error reading the body.
    ///
    /// Call it after the body is final (after [`Reply::gzip`]). Panics unless `keep` is less
    /// than the body's length, since the reply would not be cut short.
    pub fn truncated(mut self, keep: usize) -> Reply {
        assert!(
            keep < self.body.len(),
            "truncated({keep}) must keep fewer bytes than the {}-byte body",
            self.body.len()
        );
        self.truncated = Some(keep);
        self
    }

    /// The same reply with a newline added to its body: the same feed as a server that
    /// generates it anew sends it, a byte apart, so that a fetch parses it again (the body
    /// the entries came from is not parsed twice).
    ///
    /// Panics if the body is already compressed.
    pub fn regenerated(mut self) -> Reply {
        assert!(!self.gzip, "regenerated() goes before gzip()");
        self.body.push(b'\n');
        self
    }

    /// Whether this reply answers `request` with 304 Not Modified.
    fn is_not_modified_for(&self, request: &Request) -> bool {
        let conditional_method = matches!(request.method.as_str(), "GET" | "HEAD");
        if !conditional_method || !(200..300).contains(&self.status) {
            return false;
        }
        match request.header("If-None-Match") {
            Some(if_none_match) => self.etag.as_deref() == Some(if_none_match),
            None => request
                .header("If-Modified-Since")
                .is_some_and(|since| self.last_modified.as_deref() == Some(since)),
        }
    }
}

/// Routes and the request log, shared between the test and the connection threads.
#[derive(Default)]
struct State {
    routes: HashMap<String, Route>,
    requests: Vec<Request>,
    /// Requests recorded but not yet answered.
    in_flight: usize,
    /// The most requests ever in flight at once.
    max_in_flight: usize,
    /// Connections whose thread has not finished yet (including ones still being sent).
    open_connections: usize,
}

/// The replies for one path and how many requests it has answered.
struct Route {
    replies: Vec<Reply>,
    served: usize,
}

impl State {
    /// Logs `request` and picks its reply, in one step so the log order is the answer order.
    fn record(&mut self, request: &Request) -> Reply {
        self.requests.push(request.clone());
        self.in_flight += 1;
        self.max_in_flight = self.max_in_flight.max(self.in_flight);
        let Some(route) = self.routes.get_mut(&request.path) else {
            return Reply::status(404);
        };
        let index = route.served.min(route.replies.len().saturating_sub(1));
        route.served = route.served.saturating_add(1);
        let reply = route.replies.get(index).cloned();
        reply.unwrap_or_else(|| Reply::status(404))
    }
}

/// Locks the state even if a test thread panicked while holding it: the data stays usable.
fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

fn assert_origin_form(path: &str) {
    assert!(
        path.starts_with('/'),
        "a feed server path starts with '/', got {path:?}"
    );
}

fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    let mut matching = headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case(name));
    matching.next().map(|(_, value)| value.as_str())
}

/// Reads a file into a 200 reply typed by the file's extension; see [`Reply::fixture`].
fn file_reply(path: &Path) -> Reply {
    let body = std::fs::read(path)
        .unwrap_or_else(|error| panic!("cannot read fixture {}: {error}", path.display()));
    Reply {
        content_type: Some(content_type_for(path).to_owned()),
        ..Reply::ok(body)
    }
}

fn content_type_for(path: &Path) -> &'static str {
    let extension = path.extension().and_then(|extension| extension.to_str());
    let extension = extension.unwrap_or_default().to_ascii_lowercase();
    match extension.as_str() {
        "xml" => "application/xml",
        "json" => "application/feed+json",
        "html" => "text/html",
        "rss" => "application/rss+xml",
        "atom" => "application/atom+xml",
        _ => "application/octet-stream",
    }
}

/// Accepts connections until `stopping` is set, serving each on its own thread.
fn accept_loop(listener: &TcpListener, state: &Arc<Mutex<State>>, stopping: &AtomicBool) {
    for stream in listener.incoming() {
        if stopping.load(Ordering::SeqCst) {
            break;
        }
        let Ok(stream) = stream else {
            // Out of file descriptors or similar: give the system a moment instead of spinning.
            thread::sleep(Duration::from_millis(10));
            continue;
        };
        let state = Arc::clone(state);
        // If the thread cannot be spawned the stream is dropped, which closes the connection.
        let _ = thread::Builder::new()
            .name("feed-server-connection".to_owned())
            .spawn(move || serve_connection(&stream, &state));
    }
}

/// Why no request could be read from a connection.
enum ReadFailure {
    /// The client went away (or stalled) before sending a request; there is no one to answer.
    Disconnected,
    /// The request is not HTTP/1.x as this server understands it: answered with 400.
    Malformed,
    /// The request head exceeds [`MAX_HEAD_BYTES`]: answered with 431.
    TooLarge,
}

/// Counts a connection in [`State::open_connections`] for as long as this value lives.
struct OpenConnection<'a>(&'a Mutex<State>);

impl<'a> OpenConnection<'a> {
    fn open(state: &'a Mutex<State>) -> OpenConnection<'a> {
        lock(state).open_connections += 1;
        OpenConnection(state)
    }
}

impl Drop for OpenConnection<'_> {
    fn drop(&mut self) {
        let mut state = lock(self.0);
        state.open_connections = state.open_connections.saturating_sub(1);
    }
}

/// Reads one request, records it, answers it and closes the connection. Never panics.
fn serve_connection(stream: &TcpStream, state: &Mutex<State>) {
    let _open = OpenConnection::open(state);
    // Without timeouts a stalled client would hold this thread forever; failing to set them
    // only means the thread may live longer.
    let _ = stream.set_read_timeout(Some(IO_TIMEOUT));
    let _ = stream.set_write_timeout(Some(IO_TIMEOUT));
    let mut reader = BufReader::new(stream);
    let (reply, not_modified, method_wants_body) = match read_request(&mut reader) {
        Ok(request) => {
            let reply = lock(state).record(&request);
            if let Some(delay) = reply.delay {
                thread::sleep(delay);
            }
            let not_modified = reply.is_not_modified_for(&request);
            // Answered from here on: counted out before the client can see the response, so
            // a client that sends its next request at once is never counted twice.
            let mut state = lock(state);
            state.in_flight = state.in_flight.saturating_sub(1);
            drop(state);
            (reply, not_modified, request.method != "HEAD")
        }
        Err(ReadFailure::Disconnected) => return,
        Err(ReadFailure::Malformed) => (Reply::status(400), false, true),
        Err(ReadFailure::TooLarge) => (Reply::status(431), false, true),
    };
    let (head, body) = render(&reply, not_modified, method_wants_body);
    let sent = match reply.trickle {
        Some(every) if !body.is_empty() => send_trickled(stream, &mut reader, &head, body, every),
        _ => send_at_once(stream, head, body),
    };
    if sent.is_err() {
        return; // The client left early; that is its business.
    }
    // Signal the end of the response, then discard whatever the client still sends (a body, a
    // second request, the rest of an oversized head) so that closing does not reset the
    // connection before the client has read the response.
    let _ = stream.shutdown(Shutdown::Write);
    let _ = stream.set_read_timeout(Some(LINGER_TIMEOUT));
    let _ = io::copy(&mut reader.take(MAX_LINGER_BYTES), &mut io::sink());
}

/// Sends `head` and `body` in one write, so that neither waits for the other to be acknowledged.
fn send_at_once(stream: &TcpStream, mut head: Vec<u8>, body: &[u8]) -> io::Result<()> {
    head.extend_from_slice(body);
    let mut writer = stream;
    writer.write_all(&head)?;
    writer.flush()
}

/// Sends `head`, then `body` one byte at a time with `every` between bytes, watching the
/// connection meanwhile: fails as soon as the client goes away.
fn send_trickled(
    stream: &TcpStream,
    reader: &mut impl Read,
    head: &[u8],
    body: &[u8],
    every: Duration,
) -> io::Result<()> {
    // Each byte leaves at once instead of waiting for the previous one to be acknowledged.
    let _ = stream.set_nodelay(true);
    let mut writer = stream;
    writer.write_all(head)?;
    for (index, byte) in body.iter().enumerate() {
        if index > 0 {
            wait_while_connected(stream, reader, every)?;
        }
        writer.write_all(std::slice::from_ref(byte))?;
    }
    writer.flush()
}

/// Waits `period`, reading (and discarding) whatever the client sends meanwhile; fails at once
/// if the client closes or resets the connection, so a long wait never outlives the client.
fn wait_while_connected(
    stream: &TcpStream,
    reader: &mut impl Read,
    period: Duration,
) -> io::Result<()> {
    // A period too long to represent is waited in slices of a minute, forever.
    let deadline = Instant::now().checked_add(period);
    let mut discard = [0; 1024];
    loop {
        let left = match deadline {
            Some(deadline) => deadline.saturating_duration_since(Instant::now()),
            None => Duration::from_secs(60),
        };
        if left.is_zero() {
            return Ok(());
        }
        stream.set_read_timeout(Some(left.min(Duration::from_secs(60))))?;
        match reader.read(&mut discard) {
            Ok(0) => return Err(io::ErrorKind::ConnectionAborted.into()),
            Ok(_) => {}
            Err(error)
                if matches!(
                    error.kind(),
                    io::ErrorKind::WouldBlock
                        | io::ErrorKind::TimedOut
                        | io::ErrorKind::Interrupted
                ) => {}
            Err(error) => return Err(error),
        }
    }
}

/// Reads the request line and headers up to the blank line; any body is left unread.
fn read_request(reader: &mut impl BufRead) -> Result<Request, ReadFailure> {
    let mut lines: Vec<Vec<u8>> = Vec::new();
    let mut head_bytes = 0;
    loop {
        let mut line = Vec::new();
        let budget = (MAX_HEAD_BYTES - head_bytes) as u64;
        let n_read = reader
            .by_ref()
            .take(budget)
            .read_until(b'\n', &mut line)
            .map_err(|_| ReadFailure::Disconnected)?;
        head_bytes += n_read;
        if line.pop() != Some(b'\n') {
            return Err(if head_bytes >= MAX_HEAD_BYTES {
                ReadFailure::TooLarge
            } else if head_bytes == 0 {
                ReadFailure::Disconnected
            } else {
                ReadFailure::Malformed
            });
        }
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        match (line.is_empty(), lines.is_empty()) {
            // RFC 9112 asks servers to ignore empty lines before the request line.
            (true, true) => continue,
            (true, false) => return parse_head(lines).ok_or(ReadFailure::Malformed),
            (false, _) => lines.push(line),
        }
    }
}

/// Parses the request line and header lines (line endings already removed).
fn parse_head(lines: Vec<Vec<u8>>) -> Option<Request> {
    let mut lines = lines.into_iter().map(String::from_utf8);
    let request_line = lines.next()?.ok()?;
    let mut parts = request_line.split(' ');
    let (method, path, version) = (parts.next()?, parts.next()?, parts.next()?);
    let path_is_valid = path.starts_with('/') && path.bytes().all(|byte| byte.is_ascii_graphic());
    let version_is_valid = matches!(version, "HTTP/1.0" | "HTTP/1.1");
    if parts.next().is_some() || !is_token(method) || !path_is_valid || !version_is_valid {
        return None;
    }
    let mut headers = Vec::new();
    for line in lines {
        let line = line.ok()?;
        let (name, value) = line.split_once(':')?;
        if !is_token(name) {
            return None; // Also rejects obsolete line folding and whitespace before the colon.
        }
        let value = value.trim_matches([' ', '\t']);
        headers.push((name.to_owned(), value.to_owned()));
    }
    // RFC 9112 §3.2: an HTTP/1.1 request without Host gets 400.
    if version == "HTTP/1.1" && find_header(&headers, "Host").is_none() {
        return None;
    }
    Some(Request {
        method: method.to_owned(),
        path: path.to_owned(),
        headers,
    })
}

/// Whether `text` is an RFC 9110 token (the syntax of methods and header names).
fn is_token(text: &str) -> bool {
    let is_tchar = |byte: u8| byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte);
    !text.is_empty() && text.bytes().all(is_tchar)
}

/// The response head to send for `reply` and the body bytes to send after it; see [`Reply`]
/// for what goes on the wire.
fn render(reply: &Reply, not_modified: bool, method_wants_body: bool) -> (Vec<u8>, &[u8]) {
    let status = if not_modified { 304 } else { reply.status };
    let has_header = |name: &str| find_header(&reply.headers, name).is_some();
    let mut out = format!("HTTP/1.1 {status} {}\r\n", reason_phrase(status)).into_bytes();
    let mut push_header = |name: &str, value: &str| {
        for part in [name, ": ", value, "\r\n"] {
            out.extend_from_slice(part.as_bytes());
        }
    };
    for (name, value) in &reply.headers {
        push_header(name, value);
    }
    if !not_modified {
        if let Some(content_type) = &reply.content_type
            && !has_header("Content-Type")
        {
            push_header("Content-Type", content_type);
        }
        if reply.gzip {
            push_header("Content-Encoding", "gzip");
        }
    }
    if let Some(etag) = &reply.etag {
        push_header("ETag", etag);
    }
    if let Some(last_modified) = &reply.last_modified {
        push_header("Last-Modified", last_modified);
    }
    let forbids_body = matches!(status, 100..=199 | 204);
    if !forbids_body && !has_header("Content-Length") {
        // For HEAD and 304 this is the length a 200 GET would carry, as RFC 9110 requires.
        push_header("Content-Length", &reply.body.len().to_string());
    }
    if !has_header("Connection") {
        push_header("Connection", "close");
    }
    out.extend_from_slice(b"\r\n");
    if !method_wants_body || forbids_body || status == 304 {
        return (out, &[]);
    }
    let keep = reply.truncated.unwrap_or(usize::MAX).min(reply.body.len());
    (out, &reply.body[..keep])
}

fn reason_phrase(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        206 => "Partial Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        408 => "Request Timeout",
        410 => "Gone",
        413 => "Content Too Large",
        415 => "Unsupported Media Type",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "", // The reason phrase is optional in HTTP/1.1.
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A response as a raw client saw it.
    struct Response {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    }

    impl Response {
        fn header(&self, name: &str) -> Option<&str> {
            find_header(&self.headers, name)
        }

        fn header_count(&self, name: &str) -> usize {
            let matching = self
                .headers
                .iter()
                .filter(|(n, _)| n.eq_ignore_ascii_case(name));
            matching.count()
        }
    }

    fn get(server: &FeedServer, path: &str, headers: &[(&str, &str)]) -> Response {
        request(server, "GET", path, headers)
    }

    fn request(
        server: &FeedServer,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
    ) -> Response {
        let mut raw = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\n", server.addr());
        for (name, value) in headers {
            raw.push_str(&format!("{name}: {value}\r\n"));
        }
        raw.push_str("\r\n");
        send_raw(server, raw.as_bytes())
    }

    /// Sends `raw` as is, reads until the server closes, and splits the response.
    fn send_raw(server: &FeedServer, raw: &[u8]) -> Response {
        let mut stream = TcpStream::connect(server.addr()).expect("connect to the feed server");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("set a read timeout");
        stream.write_all(raw).expect("send the request");
        let mut response = Vec::new();
        stream
            .read_to_end(&mut response)
            .expect("read the response");
        let head_end = response
            .windows(4)
            .position(|window| window == b"\r\n\r\n")
            .expect("a complete response head");
        let head = String::from_utf8(response[..head_end].to_vec()).expect("an ASCII head");
        let mut lines = head.split("\r\n");
        let status_line = lines.next().expect("a status line");
        let status = status_line
            .split(' ')
            .nth(1)
            .and_then(|status| status.parse().ok())
            .expect("a status code");
        let headers = lines
            .map(|line| line.split_once(": ").expect("a header line"))
            .map(|(name, value)| (name.to_owned(), value.to_owned()))
            .collect();
        let body = response[head_end + 4..].to_vec();
        Response {
            status,
            headers,
            body,
        }
    }

    fn gunzip(bytes: &[u8]) -> Vec<u8> {
        let mut decoded = Vec::new();
        flate2::read::GzDecoder::new(bytes)
            .read_to_end(&mut decoded)
            .expect("valid gzip");
        decoded
    }

    const RSS: &str = "<rss version=\"2.0\"><channel><title>t</title></channel></rss>";

    /// Polls `condition` until it holds, failing after a deadline far beyond what it should take
    /// (a safety net against hanging, not a timing check).
    fn wait_until(what: &str, mut condition: impl FnMut() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !condition() {
            assert!(Instant::now() < deadline, "gave up waiting until {what}");
            thread::sleep(Duration::from_millis(5));
        }
    }

    #[test]
    fn plain_get_returns_the_body_and_records_the_request_with_its_headers() {
        let server = FeedServer::start();
        server.route("/feed.xml", Reply::ok(RSS));

        let response = get(
            &server,
            "/feed.xml",
            &[("User-Agent", "it"), ("X-Two", " b ")],
        );

        assert_eq!(response.status, 200);
        assert_eq!(response.body, RSS.as_bytes());
        assert_eq!(response.header("content-type"), Some("application/rss+xml"));
        assert_eq!(
            response.header("Content-Length"),
            Some(&*RSS.len().to_string())
        );
        assert_eq!(response.header("Connection"), Some("close"));
        assert_eq!(response.header("Date"), None);
        let requests = server.requests();
        assert_eq!(requests.len(), 1);
        assert_eq!(requests[0].method, "GET");
        assert_eq!(requests[0].path, "/feed.xml");
        let expected_headers = [
            ("Host", server.addr().to_string()),
            ("User-Agent", "it".to_owned()),
            ("X-Two", "b".to_owned()),
        ];
        let expected_headers = expected_headers.map(|(name, value)| (name.to_owned(), value));
        assert_eq!(requests[0].headers, expected_headers);
        assert_eq!(requests[0].header("user-agent"), Some("it"));
        assert_eq!(requests[0].header("Accept"), None);
    }

    #[test]
    fn url_names_the_loopback_address_and_the_path() {
        let server = FeedServer::start();
        let port = server.addr().port();
        assert!(server.addr().ip().is_loopback());
        assert_eq!(
            server.url("/a?b=c"),
            format!("http://127.0.0.1:{port}/a?b=c")
        );
    }

    #[test]
    fn query_string_is_part_of_the_path() {
        let server = FeedServer::start();
        server.route("/feed?page=2", Reply::ok("two"));

        assert_eq!(get(&server, "/feed?page=2", &[]).body, b"two");
        assert_eq!(get(&server, "/feed", &[]).status, 404);
        assert_eq!(server.requests_to("/feed?page=2").len(), 1);
        assert_eq!(server.requests_to("/feed").len(), 1);
        assert_eq!(server.requests().len(), 2);
    }

    #[test]
    fn route_replaces_the_previous_reply() {
        let server = FeedServer::start();
        server.route("/feed.xml", Reply::ok("old"));
        server.route("/feed.xml", Reply::ok("new"));

        assert_eq!(get(&server, "/feed.xml", &[]).body, b"new");
    }

    #[test]
    fn etag_answers_304_to_a_matching_if_none_match_and_200_otherwise() {
        let server = FeedServer::start();
        server.route("/feed.xml", Reply::ok(RSS).etag("\"v1\""));

        let fresh = get(&server, "/feed.xml", &[]);
        assert_eq!(fresh.status, 200);
        assert_eq!(fresh.header("ETag"), Some("\"v1\""));
        assert_eq!(fresh.body, RSS.as_bytes());

        let cached = get(&server, "/feed.xml", &[("If-None-Match", "\"v1\"")]);
        assert_eq!(cached.status, 304);
        assert_eq!(cached.header("ETag"), Some("\"v1\""));
        assert_eq!(cached.header("Content-Type"), None);
        assert!(cached.body.is_empty());

        for stale in ["\"v0\"", "W/\"v1\"", "v1"] {
            let response = get(&server, "/feed.xml", &[("If-None-Match", stale)]);
            assert_eq!(response.status, 200, "If-None-Match: {stale}");
            assert_eq!(response.body, RSS.as_bytes());
        }
        let requests = server.requests_to("/feed.xml");
        assert_eq!(requests[1].header("if-none-match"), Some("\"v1\""));
    }

    #[test]
    fn last_modified_answers_304_to_a_matching_if_modified_since_without_if_none_match() {
        let server = FeedServer::start();
        let date = "Wed, 21 Oct 2015 07:28:00 GMT";
        server.route("/feed.xml", Reply::ok(RSS).last_modified(date));

        let fresh = get(&server, "/feed.xml", &[]);
        assert_eq!(fresh.status, 200);
        assert_eq!(fresh.header("Last-Modified"), Some(date));

        let cached = get(&server, "/feed.xml", &[("If-Modified-Since", date)]);
        assert_eq!(cached.status, 304);
        assert_eq!(cached.header("Last-Modified"), Some(date));
        assert!(cached.body.is_empty());

        let other_date = "Wed, 21 Oct 2015 07:28:01 GMT";
        let stale = get(&server, "/feed.xml", &[("If-Modified-Since", other_date)]);
        assert_eq!(stale.status, 200);

        let with_etag = [("If-None-Match", "\"x\""), ("If-Modified-Since", date)];
        let if_none_match_wins = get(&server, "/feed.xml", &with_etag);
        assert_eq!(if_none_match_wins.status, 200);
    }

    #[test]
    fn conditional_headers_do_not_turn_an_error_into_304() {
        let server = FeedServer::start();
        server.route("/feed.xml", Reply::status(503).etag("\"v1\""));

        let response = get(&server, "/feed.xml", &[("If-None-Match", "\"v1\"")]);

        assert_eq!(response.status, 503);
    }

    #[test]
    fn route_sequence_steps_through_the_replies_and_repeats_the_last() {
        let server = FeedServer::start();
        let replies = vec![Reply::ok("first"), Reply::status(500), Reply::ok("last")];
        server.route_sequence("/feed.xml", replies);

        let statuses_and_bodies: Vec<(u16, Vec<u8>)> = (0..5)
            .map(|_| get(&server, "/feed.xml", &[]))
            .map(|response| (response.status, response.body))
            .collect();

        let expected = [
            (200, b"first".to_vec()),
            (500, Vec::new()),
            (200, b"last".to_vec()),
            (200, b"last".to_vec()),
            (200, b"last".to_vec()),
        ];
        assert_eq!(statuses_and_bodies, expected);
    }

    #[test]
    fn gzip_body_decompresses_to_the_original() {
        let server = FeedServer::start();
        server.route("/feed.xml", Reply::ok(RSS).gzip());

        let response = get(&server, "/feed.xml", &[("Accept-Encoding", "gzip")]);

        assert_eq!(response.status, 200);
        assert_eq!(response.header("Content-Encoding"), Some("gzip"));
        let content_length = response.body.len().to_string();
        assert_eq!(response.header("Content-Length"), Some(&*content_length));
        assert_eq!(gunzip(&response.body), RSS.as_bytes());
    }

    #[test]
    fn unknown_path_gets_404() {
        let server = FeedServer::start();

        let response = get(&server, "/missing.xml", &[]);

        assert_eq!(response.status, 404);
        assert_eq!(response.header("Content-Length"), Some("0"));
        assert_eq!(server.requests_to("/missing.xml").len(), 1);
    }

    #[test]
    fn redirect_sends_location() {
        let server = FeedServer::start();
        let target = server.url("/new.xml");
        server.route("/old.xml", Reply::redirect(301, &target));

        let response = get(&server, "/old.xml", &[]);

        assert_eq!(response.status, 301);
        assert_eq!(response.header("Location"), Some(&*target));
        assert!(response.body.is_empty());
    }

    #[test]
    fn head_gets_the_headers_without_the_body() {
        let server = FeedServer::start();
        server.route("/feed.xml", Reply::ok(RSS));

        let response = request(&server, "HEAD", "/feed.xml", &[]);

        assert_eq!(response.status, 200);
        assert_eq!(
            response.header("Content-Length"),
            Some(&*RSS.len().to_string())
        );
        assert!(response.body.is_empty());
        assert_eq!(server.requests()[0].method, "HEAD");
    }

    #[test]
    fn explicit_headers_override_the_defaults_and_are_sent_verbatim() {
        let server = FeedServer::start();
        let reply = Reply::ok(RSS)
            .header("content-type", "application/atom+xml; charset=utf-8")
            .header("Cache-Control", "max-age=60")
            .header("Content-Length", "999");
        server.route("/feed.xml", reply);

        let response = get(&server, "/feed.xml", &[]);

        assert_eq!(response.header_count("Content-Type"), 1);
        let (name, value) = &response.headers[0];
        assert_eq!(name, "content-type", "header names are sent as written");
        assert_eq!(value, "application/atom+xml; charset=utf-8");
        assert_eq!(response.header("Cache-Control"), Some("max-age=60"));
        assert_eq!(response.header_count("Content-Length"), 1);
        assert_eq!(response.header("Content-Length"), Some("999"));
        assert_eq!(response.body, RSS.as_bytes());
    }

    #[test]
    fn delay_waits_before_answering() {
        let server = FeedServer::start();
        let delay = Duration::from_millis(200);
        server.route("/slow.xml", Reply::ok(RSS).delay(delay));

        let started = Instant::now();
        let response = get(&server, "/slow.xml", &[]);

        assert!(started.elapsed() >= delay);
        assert_eq!(response.status, 200);
    }

    #[test]
    fn malformed_requests_get_400_and_are_not_recorded() {
        let server = FeedServer::start();
        server.route("/feed.xml", Reply::ok(RSS));
        let malformed: [&[u8]; 6] = [
            b"NONSENSE\r\n\r\n",
            b"GET /feed.xml HTTP/1.1\r\n\r\n",
            b"GET /feed.xml HTTP/1.1\r\nHost: a\r\nno colon here\r\n\r\n",
            b"GET feed.xml HTTP/1.1\r\nHost: a\r\n\r\n",
            b"GET /feed.xml HTTP/2.0\r\nHost: a\r\n\r\n",
            b"GET /feed.xml HTTP/1.1\r\nHost: \xff\r\n\r\n",
        ];

        for raw in malformed {
            let response = send_raw(&server, raw);
            assert_eq!(response.status, 400, "{}", String::from_utf8_lossy(raw));
            assert_eq!(response.header("Content-Length"), Some("0"));
        }
        assert!(server.requests().is_empty());
    }

    #[test]
    fn lenient_line_endings_and_leading_blank_lines_are_accepted() {
        let server = FeedServer::start();
        server.route("/feed.xml", Reply::ok(RSS));

        let response = send_raw(&server, b"\r\nGET /feed.xml HTTP/1.0\nX-A:b\n\n");

        assert_eq!(response.status, 200);
        assert_eq!(server.requests()[0].header("x-a"), Some("b"));
    }

    #[test]
    fn oversized_head_gets_431() {
        let server = FeedServer::start();
        let padding = "x".repeat(MAX_HEAD_BYTES);
        let raw = format!("GET /feed.xml HTTP/1.1\r\nHost: a\r\nX-Pad: {padding}\r\n\r\n");

        let response = send_raw(&server, raw.as_bytes());

        assert_eq!(response.status, 431);
        assert!(server.requests().is_empty());
    }

    #[test]
    fn request_body_is_ignored() {
        let server = FeedServer::start();
        server.route("/feed.xml", Reply::ok(RSS));
        let raw = b"POST /feed.xml HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello";

        let response = send_raw(&server, raw);

        assert_eq!(response.status, 200);
        assert_eq!(response.body, RSS.as_bytes());
        assert_eq!(server.requests()[0].method, "POST");
    }

    #[test]
    fn clients_that_leave_early_do_not_disturb_the_server() {
        let server = FeedServer::start();
        server.route("/feed.xml", Reply::ok(RSS));
        drop(TcpStream::connect(server.addr()).expect("connect"));
        let mut partial = TcpStream::connect(server.addr()).expect("connect");
        partial
            .write_all(b"GET /feed.xml HT")
            .expect("send half a request");
        drop(partial);

        let response = get(&server, "/feed.xml", &[]);

        assert_eq!(response.status, 200);
    }

    #[test]
    fn drop_returns_promptly_with_connections_in_flight() {
        let server = FeedServer::start();
        let addr = server.addr();
        server.route("/slow.xml", Reply::ok(RSS).delay(Duration::from_secs(3)));
        let _idle = TcpStream::connect(addr).expect("connect an idle client");
        let mut waiting = TcpStream::connect(addr).expect("connect a waiting client");
        waiting
            .write_all(b"GET /slow.xml HTTP/1.1\r\nHost: a\r\n\r\n")
            .expect("send a request");
        let deadline = Instant::now() + Duration::from_secs(5);
        while server.requests().is_empty() && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(server.requests().len(), 1);

        // No timed assertion: a Drop that hung would hang this test, which is the failure.
        drop(server);

        assert!(
            TcpStream::connect(addr).is_err(),
            "still accepting after drop"
        );
    }

    #[test]
    fn fixture_panics_naming_the_missing_file() {
        let missing = std::panic::catch_unwind(|| Reply::fixture("no/such/feed.xml"));

        let payload = missing.expect_err("a missing fixture panics");
        let message = payload
            .downcast_ref::<String>()
            .expect("a formatted message");
        assert!(
            message.contains("tests/fixtures/no/such/feed.xml"),
            "{message}"
        );
    }

    #[test]
    fn file_reply_serves_the_file_typed_by_its_extension() {
        let path = std::env::temp_dir().join(format!("feed-server-{}.json", std::process::id()));
        std::fs::write(&path, "{}").expect("write a temporary file");
        let reply = file_reply(&path);
        std::fs::remove_file(&path).expect("remove the temporary file");

        assert_eq!(reply.status, 200);
        assert_eq!(reply.body, b"{}");
        assert_eq!(reply.content_type.as_deref(), Some("application/feed+json"));
    }

    #[test]
    fn content_type_follows_the_extension() {
        let cases = [
            ("rss2/basic.xml", "application/xml"),
            ("json/basic.json", "application/feed+json"),
            ("html/page.HTML", "text/html"),
            ("basic.rss", "application/rss+xml"),
            ("basic.atom", "application/atom+xml"),
            ("README", "application/octet-stream"),
        ];
        for (path, expected) in cases {
            assert_eq!(content_type_for(Path::new(path)), expected, "{path}");
        }
    }

    #[test]
    fn trickle_sends_the_whole_body_with_its_full_length() {
        let server = FeedServer::start();
        server.route(
            "/slow.xml",
            Reply::ok(RSS).trickle(Duration::from_millis(1)),
        );

        let response = get(&server, "/slow.xml", &[]);

        assert_eq!(response.status, 200);
        assert_eq!(
            response.header("Content-Length"),
            Some(&*RSS.len().to_string())
        );
        assert_eq!(response.body, RSS.as_bytes());
        assert_eq!(server.requests_to("/slow.xml").len(), 1);
    }

    #[test]
    fn trickle_sends_the_head_at_once_and_ends_the_connection_when_the_client_leaves() {
        let server = FeedServer::start();
        // An hour between bytes: the connection only ends early if the client's leaving does it.
        let every = Duration::from_secs(3600);
        server.route("/slow.xml", Reply::ok(RSS).trickle(every));
        let mut client = TcpStream::connect(server.addr()).expect("connect");
        client
            .write_all(b"GET /slow.xml HTTP/1.1\r\nHost: a\r\n\r\n")
            .expect("send a request");
        client
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("set a read timeout");

        let mut received = Vec::new();
        let head_and_first_byte = |received: &[u8]| {
            let head_end = received.windows(4).position(|w| w == b"\r\n\r\n");
            head_end.is_some_and(|end| received.len() > end + 4)
        };
        while !head_and_first_byte(&received) {
            let mut buffer = [0; 1024];
            let n_read = client.read(&mut buffer).expect("read the response so far");
            assert_ne!(
                n_read,
                0,
                "closed after {:?}",
                String::from_utf8_lossy(&received)
            );
            received.extend_from_slice(&buffer[..n_read]);
        }
        let text = String::from_utf8(received).expect("ASCII so far");
        assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
        let content_length = format!("Content-Length: {}\r\n", RSS.len());
        assert!(text.contains(&content_length), "{text}");
        assert!(
            text.ends_with("\r\n\r\n<"),
            "exactly one body byte so far: {text:?}"
        );
        assert_eq!(server.lock().open_connections, 1);

        drop(client);

        wait_until("the trickling connection ends", || {
            server.lock().open_connections == 0
        });
        assert_eq!(server.requests_to("/slow.xml").len(), 1);
    }

    #[test]
    fn truncated_sends_the_full_length_but_only_the_first_bytes() {
        let server = FeedServer::start();
        server.route("/cut.xml", Reply::ok(RSS).truncated(10));

        let response = get(&server, "/cut.xml", &[]);
        let head = request(&server, "HEAD", "/cut.xml", &[]);

        assert_eq!(response.status, 200);
        let full_length = RSS.len().to_string();
        assert_eq!(response.header("Content-Length"), Some(&*full_length));
        assert_eq!(response.body, &RSS.as_bytes()[..10]);
        assert_eq!(head.header("Content-Length"), Some(&*full_length));
        assert!(head.body.is_empty());
        assert_eq!(server.requests_to("/cut.xml").len(), 2);
    }

    #[test]
    fn truncated_keeping_nothing_sends_only_the_head() {
        let server = FeedServer::start();
        server.route("/cut.xml", Reply::ok(RSS).gzip().truncated(0));

        let response = get(&server, "/cut.xml", &[]);

        assert_eq!(response.status, 200);
        assert_eq!(response.header("Content-Encoding"), Some("gzip"));
        assert_ne!(response.header("Content-Length"), Some("0"));
        assert!(response.body.is_empty());
    }

    #[test]
    fn truncated_panics_unless_it_cuts_the_body_short() {
        let whole = std::panic::catch_unwind(|| Reply::ok("abc").truncated(3));

        assert!(whole.is_err());
    }

    #[test]
    fn set_cookie_adds_set_cookie_headers_in_order() {
        let server = FeedServer::start();
        let reply = Reply::ok(RSS)
            .set_cookie("session=abc; Path=/; HttpOnly")
            .set_cookie("seen=1");
        server.route("/feed.xml", reply);

        let response = get(&server, "/feed.xml", &[]);

        let cookies: Vec<&str> = response
            .headers
            .iter()
            .filter(|(name, _)| name == "Set-Cookie")
            .map(|(_, value)| value.as_str())
            .collect();
        assert_eq!(cookies, ["session=abc; Path=/; HttpOnly", "seen=1"]);
        assert_eq!(response.body, RSS.as_bytes());
    }

    #[test]
    fn raw_gzip_header_claims_gzip_but_sends_the_body_as_is() {
        let server = FeedServer::start();
        server.route("/feed.xml", Reply::ok(RSS).raw_gzip_header());

        let response = get(&server, "/feed.xml", &[("Accept-Encoding", "gzip")]);

        assert_eq!(response.status, 200);
        assert_eq!(response.header_count("Content-Encoding"), 1);
        assert_eq!(response.header("Content-Encoding"), Some("gzip"));
        assert_eq!(
            response.header("Content-Length"),
            Some(&*RSS.len().to_string())
        );
        assert_eq!(response.body, RSS.as_bytes());
        let decoded = flate2::read::GzDecoder::new(&response.body[..]).read_to_end(&mut Vec::new());
        assert!(decoded.is_err(), "the body is not gzip");
    }

    #[test]
    fn gzip_bomb_is_small_and_inflates_to_the_prefix_and_filler() {
        let server = FeedServer::start();
        // Not a multiple of the chunk size, so the last chunk is a partial one.
        let filler_len = 10 * 1024 * 1024 + 7;
        server.route("/bomb.xml", Reply::gzip_bomb(filler_len));

        let response = get(&server, "/bomb.xml", &[("Accept-Encoding", "gzip")]);

        assert_eq!(response.status, 200);
        assert_eq!(response.header("Content-Type"), Some("application/rss+xml"));
        assert_eq!(response.header("Content-Encoding"), Some("gzip"));
        assert_eq!(
            response.header("Content-Length"),
            Some(&*response.body.len().to_string())
        );
        assert!(
            response.body.len() * 500 < filler_len,
            "{} compressed bytes",
            response.body.len()
        );
        let mut decoder = flate2::read::GzDecoder::new(&response.body[..]);
        let mut prefix = vec![0; GZIP_BOMB_PREFIX.len()];
        decoder.read_exact(&mut prefix).expect("inflate the prefix");
        assert_eq!(
            prefix,
            b"<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>"
        );
        let (mut filler_seen, mut buffer) = (0, vec![0; 64 * 1024]);
        loop {
            let n_read = decoder.read(&mut buffer).expect("inflate the filler");
            if n_read == 0 {
                break;
            }
            assert!(buffer[..n_read].iter().all(|&byte| byte == b'a'));
            filler_seen += n_read;
        }
        assert_eq!(filler_seen, filler_len);
    }

    #[test]
    fn gzip_bomb_of_nothing_inflates_to_the_prefix_alone() {
        let reply = Reply::gzip_bomb(0);

        assert_eq!(gunzip(&reply.body), GZIP_BOMB_PREFIX);
        assert!(reply.gzip);
    }

    #[test]
    fn route_sequence_and_the_log_work_with_misbehaving_replies() {
        let server = FeedServer::start();
        let replies = vec![
            Reply::ok(RSS)
                .trickle(Duration::from_millis(1))
                .truncated(5),
            Reply::ok(RSS).raw_gzip_header().set_cookie("a=1"),
            Reply::gzip_bomb(100_000),
            Reply::ok(RSS),
        ];
        server.route_sequence("/feed.xml", replies);

        let responses: Vec<Response> = (0..4).map(|_| get(&server, "/feed.xml", &[])).collect();

        assert_eq!(responses[0].body, &RSS.as_bytes()[..5]);
        assert_eq!(
            responses[0].header("Content-Length"),
            Some(&*RSS.len().to_string())
        );
        assert_eq!(responses[1].body, RSS.as_bytes());
        assert_eq!(responses[1].header("Set-Cookie"), Some("a=1"));
        assert_eq!(responses[1].header("Content-Encoding"), Some("gzip"));
        assert_eq!(
            gunzip(&responses[2].body).len(),
            GZIP_BOMB_PREFIX.len() + 100_000
        );
        assert_eq!(responses[3].body, RSS.as_bytes());
        assert_eq!(responses[3].header("Content-Encoding"), None);
        assert_eq!(server.requests_to("/feed.xml").len(), 4);
        assert_eq!(server.max_in_flight(), 1);
    }

    #[test]
    fn max_in_flight_counts_requests_recorded_but_not_yet_answered() {
        let server = FeedServer::start();
        assert_eq!(server.max_in_flight(), 0);
        // Long enough that both requests are surely recorded before either is answered; the
        // test never waits for the answers.
        server.route("/slow.xml", Reply::ok(RSS).delay(Duration::from_secs(60)));
        let mut clients = Vec::new();
        for expected in 1..=2 {
            let mut client = TcpStream::connect(server.addr()).expect("connect");
            client
                .write_all(b"GET /slow.xml HTTP/1.1\r\nHost: a\r\n\r\n")
                .expect("send a request");
            clients.push(client);
            wait_until("the request is recorded", || {
                server.requests().len() == expected
            });
        }

        assert_eq!(server.max_in_flight(), 2);
    }
}
