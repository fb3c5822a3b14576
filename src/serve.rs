//! The HTTP server of `frontpage serve`: answers from an in-memory snapshot of the published
//! site, so a polling feed reader costs a hash lookup and, most of the time, a `304`.
//!
//! `cmd` renders the pages with `publish`, builds a [`Site`] (which hashes and compresses every
//! page once) and installs it with [`SiteHandle::replace`]; [`serve`] answers requests from
//! whichever complete snapshot is current. Routes are fixed: a request path is a key into the
//! snapshot (plus `/healthz`), never decoded, normalised or joined to a filesystem path, so
//! `/../etc/passwd` is just a key that is not there. This module never touches the disk or
//! the database. It is the only user of `hyper`, `hyper_util`, `http_body_util` and `flate2`
//! (tests aside).

use std::collections::HashMap;
use std::convert::Infallible;
use std::fmt;
use std::future::{Future, ready};
use std::io::{self, Write as _};
use std::pin::pin;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use flate2::Compression;
use flate2::write::GzEncoder;
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use sha2::{Digest, Sha256};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::JoinSet;

use crate::model::Timestamp;

/// The health check, answered by the server itself whatever the snapshot holds.
const HEALTH_PATH: &str = "/healthz";

/// How long a connection may stay open before it is asked to close (after its current
/// response), so a client that stops reading cannot hold a connection slot for ever.
const MAX_CONNECTION_LIFETIME: Duration = Duration::from_secs(60);

/// How long a connection asked to close (lifetime over, or the server shutting down) may take
/// to finish its current response before it is dropped.
const CLOSE_GRACE: Duration = Duration::from_secs(10);

/// How long to wait before accepting again after an error that is not about one connection
/// (such as running out of file descriptors).
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_millis(100);

/// The HTTP date format (IMF-fixdate) of `Last-Modified` and `If-Modified-Since`.
const HTTP_DATE: &str = "%a, %d %b %Y %H:%M:%S GMT";

/// The obsolete HTTP date formats a server must still accept (RFC 9110 §5.6.7).
const OBSOLETE_HTTP_DATES: [&str; 2] = ["%A, %d-%b-%y %H:%M:%S GMT", "%a %b %e %H:%M:%S %Y"];

/// One page of the site: what `publish` rendered for one route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// The `Content-Type` header, e.g. `application/rss+xml; charset=utf-8`.
    pub content_type: &'static str,
    /// The exact bytes served (before compression).
    pub body: Vec<u8>,
    /// When the content last changed: the `Last-Modified` header, and what
    /// `If-Modified-Since` is compared with.
    pub last_modified: Timestamp,
    /// Whether the page is HTML, which gets the `Content-Security-Policy` header.
    pub html: bool,
}

/// A complete snapshot of the site, keyed by request path (`/`, `/feed.rss`,
/// `/tag/security.json`, …).
///
/// Built once per publish. [`Site::new`] does the work every response would otherwise repeat:
/// each page's strong `ETag` (from its exact bytes), its gzip body and that body's own `ETag`.
/// That is CPU work proportional to the site's size; on a runtime, build a large site with
/// `spawn_blocking`.
#[derive(Default)]
pub struct Site {
    resources: HashMap<String, Resource>,
}

impl Site {
    /// The site made of `pages`, each served at its path. Paths are compared byte for byte with
    /// the request path (without its query string), so they should start with `/` and be
    /// written as clients send them (no percent-encoding to undo). A later page replaces an
    /// earlier one with the same path; a page at `/healthz` is never served (the health check
    /// answers there).
    pub fn new(pages: Vec<(String, Page)>) -> Site {
        let resources = pages
            .into_iter()
            .map(|(path, page)| (path, Resource::new(page)))
            .collect();
        Site { resources }
    }

    /// How many pages the site has.
    pub fn len(&self) -> usize {
        self.resources.len()
    }

    /// Whether the site has no pages (every path but `/healthz` is then `404`).
    pub fn is_empty(&self) -> bool {
        self.resources.is_empty()
    }
}

impl fmt::Debug for Site {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut paths: Vec<&str> = self.resources.keys().map(String::as_str).collect();
        paths.sort_unstable();
        formatter
            .debug_struct("Site")
            .field("paths", &paths)
            .finish()
    }
}

/// One page, ready to answer: headers precomputed, bodies shared with every response.
struct Resource {
    content_type: HeaderValue,
    last_modified: Timestamp,
    last_modified_header: HeaderValue,
    html: bool,
    identity: Representation,
    /// `None` when compressing does not make the body smaller.
    gzip: Option<Representation>,
}

/// One encoding of a page's body, with the strong validator of exactly these bytes.
struct Representation {
    body: Bytes,
    etag: HeaderValue,
}

impl Resource {
    fn new(page: Page) -> Resource {
        let gzip = gzip(&page.body)
            .filter(|compressed| compressed.len() < page.body.len())
            .map(|compressed| Representation {
                etag: strong_etag(&compressed, "-gzip"),
                body: Bytes::from(compressed),
            });
        let identity = Representation {
            etag: strong_etag(&page.body, ""),
            body: Bytes::from(page.body),
        };
        Resource {
            content_type: HeaderValue::from_str(page.content_type)
                .unwrap_or(HeaderValue::from_static("application/octet-stream")),
            last_modified: page.last_modified,
            last_modified_header: ascii_header(http_date(page.last_modified)),
            html: page.html,
            identity,
            gzip,
        }
    }
}

/// `"<hex of the first 16 bytes of SHA-256><suffix>"`: a strong entity tag of `bytes`.
///
/// The gzip body gets a tag of its own bytes (not the plain tag with a suffix), so the tag
/// stays exact even if another compressor version produced different bytes.
fn strong_etag(bytes: &[u8], suffix: &str) -> HeaderValue {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = Sha256::digest(bytes);
    let mut tag = String::with_capacity(34 + suffix.len());
    tag.push('"');
    for byte in digest.iter().take(16) {
        tag.push(char::from(HEX[usize::from(byte >> 4)]));
        tag.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    tag.push_str(suffix);
    tag.push('"');
    ascii_header(tag)
}

/// A header value from text this module generated (hex digits, dates, numbers): always valid.
fn ascii_header(text: String) -> HeaderValue {
    HeaderValue::try_from(text).unwrap_or(HeaderValue::from_static(""))
}

/// `body` gzip-compressed (the gzip header has no timestamp, so the bytes are reproducible).
fn gzip(body: &[u8]) -> Option<Vec<u8>> {
    let mut encoder = GzEncoder::new(Vec::with_capacity(body.len() / 4), Compression::best());
    encoder.write_all(body).ok()?;
    encoder.finish().ok()
}

/// `timestamp` as an HTTP date: `Tue, 14 Nov 2023 22:13:20 GMT`.
fn http_date(timestamp: Timestamp) -> String {
    timestamp.to_chrono().format(HTTP_DATE).to_string()
}

/// An HTTP date in any of the three formats a server must accept; `None` if it is not one.
fn parse_http_date(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    std::iter::once(HTTP_DATE)
        .chain(OBSOLETE_HTTP_DATES)
        .find_map(|format| chrono::NaiveDateTime::parse_from_str(text, format).ok())
        .map(|date| Timestamp::from_unix(date.and_utc().timestamp()))
}

/// Shared, swappable site: readers get an [`Arc`] of a complete snapshot, so every response is
/// a whole feed even while a refresh installs a new one.
#[derive(Clone, Debug)]
pub struct SiteHandle {
    current: Arc<RwLock<Arc<Site>>>,
}

impl SiteHandle {
    /// A handle serving `site` until it is replaced.
    pub fn new(site: Site) -> Self {
        SiteHandle {
            current: Arc::new(RwLock::new(Arc::new(site))),
        }
    }

    /// Installs `site`: requests that start from now on get it; responses already being
    /// answered finish from the snapshot they started with. Cheap: the work was done by
    /// [`Site::new`].
    pub fn replace(&self, site: Site) {
        let site = Arc::new(site);
        let previous = {
            let mut current = self.current.write().unwrap_or_else(PoisonError::into_inner);
            std::mem::replace(&mut *current, site)
        };
        // The old snapshot (maybe the last reference to it) is freed outside the lock.
        drop(previous);
    }

    /// The current snapshot.
    fn current(&self) -> Arc<Site> {
        let current = self.current.read().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(&current)
    }
}

/// How [`serve`] answers and which limits it keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServeOptions {
    /// `Cache-Control: max-age` of every page (whole seconds).
    pub max_age: Duration,
    /// How long a client has to send a complete request head, counted from when the server
    /// starts waiting for it (also between requests on a kept-alive connection). A client that
    /// is slower, or idle that long, is disconnected. Must be more than zero.
    pub header_read_timeout: Duration,
    /// How many connections are served at once (at least one). When that many are open, the
    /// server stops accepting: new connections wait in the listen backlog and are served as
    /// slots free up, rather than being accepted and closed.
    pub max_connections: usize,
    /// The `Content-Security-Policy` header of HTML pages.
    pub csp: String,
}

/// The response headers that come from [`ServeOptions`], validated once.
struct ResponseHeaders {
    cache_control: HeaderValue,
    csp: HeaderValue,
}

impl ResponseHeaders {
    fn new(options: &ServeOptions) -> io::Result<ResponseHeaders> {
        let csp = HeaderValue::from_str(&options.csp).map_err(|_| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                "the content security policy is not a valid header value",
            )
        })?;
        Ok(ResponseHeaders {
            cache_control: ascii_header(format!("max-age={}", options.max_age.as_secs())),
            csp,
        })
    }
}

/// Serves `site` on `listener` until `shutdown` resolves.
///
/// HTTP/1.1 with keep-alive. Each connection is bounded in time, so connection slots always
/// free up: a request head must arrive within `header_read_timeout` (and an idle kept-alive
/// connection is closed after as long), and a connection is asked to close after a minute,
/// once its current response is sent. Failing to accept a connection never stops the server.
///
/// On shutdown the listener is closed, every open connection finishes the response it is
/// sending (for at most ten seconds) and closes, and then `serve` returns `Ok(())`. It
/// returns an error before serving anything when `options.csp` is not a valid header value.
pub async fn serve(
    listener: TcpListener,
    site: SiteHandle,
    options: ServeOptions,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    let response_headers = Arc::new(ResponseHeaders::new(&options)?);
    let slots = Arc::new(Semaphore::new(
        options.max_connections.clamp(1, Semaphore::MAX_PERMITS),
    ));
    let (closing_sender, closing) = watch::channel(false);
    let mut connections = JoinSet::new();
    let mut shutdown = pin!(shutdown);
    loop {
        // Forget connections that have ended.
        while connections.try_join_next().is_some() {}
        let slot = tokio::select! {
            biased;
            () = &mut shutdown => break,
            slot = Arc::clone(&slots).acquire_owned() => slot,
        };
        // The semaphore is never closed; if it were, no connection could be served.
        let Ok(slot) = slot else { break };
        let accepted = tokio::select! {
            biased;
            () = &mut shutdown => break,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, _peer)) => {
                connections.spawn(serve_connection(
                    stream,
                    site.clone(),
                    Arc::clone(&response_headers),
                    options.header_read_timeout,
                    closing.clone(),
                    slot,
                ));
            }
            Err(error) => {
                drop(slot);
                pause_after_accept_error(&error).await;
            }
        }
    }
    drop(listener);
    // Every connection holds a receiver, so this only fails when none is left to tell.
    let _ = closing_sender.send(true);
    while connections.join_next().await.is_some() {}
    Ok(())
}

/// Logs a failed `accept` and, unless only that one connection was lost, waits a little
/// before the next one (such errors, like running out of file descriptors, repeat at once).
async fn pause_after_accept_error(error: &io::Error) {
    match error.kind() {
        io::ErrorKind::ConnectionAborted
        | io::ErrorKind::ConnectionReset
        | io::ErrorKind::ConnectionRefused
        | io::ErrorKind::Interrupted => {
            tracing::debug!("accepting a connection failed: {error}");
        }
        _ => {
            tracing::warn!("accepting a connection failed: {error}");
            tokio::time::sleep(ACCEPT_ERROR_PAUSE).await;
        }
    }
}

/// Serves one connection until the client closes it, a limit closes it, or the server shuts
/// down. `_slot` is its place among `max_connections`, given back when this returns.
async fn serve_connection(
    stream: TcpStream,
    site: SiteHandle,
    response_headers: Arc<ResponseHeaders>,
    header_read_timeout: Duration,
    mut closing: watch::Receiver<bool>,
    _slot: OwnedSemaphorePermit,
) {
    // Responses are written whole; there is nothing to gain from Nagle's delay.
    let _ = stream.set_nodelay(true);
    let service = service_fn(move |request: Request<Incoming>| {
        let response = respond(
            &site.current(),
            &response_headers,
            request.method(),
            request.uri().path(),
            request.headers(),
        );
        ready(Ok::<_, Infallible>(response))
    });
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(header_read_timeout)
        .keep_alive(true);
    let mut connection = pin!(builder.serve_connection(TokioIo::new(stream), service));
    tokio::select! {
        result = connection.as_mut() => {
            if let Err(error) = result {
                tracing::debug!("connection ended: {error}");
            }
            return;
        }
        _ = closing.wait_for(|closing| *closing) => {}
        () = tokio::time::sleep(MAX_CONNECTION_LIFETIME) => {}
    }
    connection.as_mut().graceful_shutdown();
    match tokio::time::timeout(CLOSE_GRACE, connection).await {
        Ok(Ok(())) => {}
        Ok(Err(error)) => tracing::debug!("connection ended: {error}"),
        Err(_elapsed) => tracing::debug!("dropped a connection that did not close in time"),
    }
}

/// The response to one request: a page of `site`, the health check, or an error.
fn respond(
    site: &Site,
    response_headers: &ResponseHeaders,
    method: &Method,
    path: &str,
    request_headers: &HeaderMap,
) -> Response<Full<Bytes>> {
    let head = *method == Method::HEAD;
    if !head && *method != Method::GET {
        let mut response = plain_text(
            StatusCode::METHOD_NOT_ALLOWED,
            "method not allowed\n",
            false,
        );
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return response;
    }
    if path == HEALTH_PATH {
        let mut response = plain_text(StatusCode::OK, "ok\n", head);
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        return response;
    }
    let Some(resource) = site.resources.get(path) else {
        return plain_text(StatusCode::NOT_FOUND, "not found\n", head);
    };
    let gzip = resource
        .gzip
        .as_ref()
        .filter(|_| accepts_gzip(request_headers));
    let representation = gzip.unwrap_or(&resource.identity);

    let mut response = Response::new(Full::default());
    let headers = response.headers_mut();
    headers.insert(header::ETAG, representation.etag.clone());
    headers.insert(header::LAST_MODIFIED, resource.last_modified_header.clone());
    headers.insert(
        header::CACHE_CONTROL,
        response_headers.cache_control.clone(),
    );
    headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if resource.html {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            response_headers.csp.clone(),
        );
    }
    if is_not_modified(
        request_headers,
        &representation.etag,
        resource.last_modified,
    ) {
        *response.status_mut() = StatusCode::NOT_MODIFIED;
        return response;
    }
    headers.insert(header::CONTENT_TYPE, resource.content_type.clone());
    headers.insert(
        header::CONTENT_LENGTH,
        HeaderValue::from(representation.body.len()),
    );
    if gzip.is_some() {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    if !head {
        *response.body_mut() = Full::new(representation.body.clone());
    }
    response
}

/// A short `text/plain` response; a `HEAD` one keeps the `Content-Length` but has no body.
fn plain_text(status: StatusCode, text: &'static str, head: bool) -> Response<Full<Bytes>> {
    let body = if head {
        Full::default()
    } else {
        Full::new(Bytes::from_static(text.as_bytes()))
    };
    let mut response = Response::new(body);
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(text.len()));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// Whether the client's cached copy is current, so a `304` answers.
///
/// `If-None-Match` is compared with the `ETag` of the representation this request would get
/// (plain or gzip), by weak comparison (`W/` ignored), and `*` matches any. `If-Modified-Since`
/// counts only when there is no `If-None-Match` and it is a valid HTTP date.
fn is_not_modified(
    request_headers: &HeaderMap,
    etag: &HeaderValue,
    last_modified: Timestamp,
) -> bool {
    let mut if_none_match = request_headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .peekable();
    if if_none_match.peek().is_some() {
        return if_none_match.any(|list| etag_list_matches(list.as_bytes(), etag.as_bytes()));
    }
    request_headers
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|since| since.to_str().ok())
        .and_then(parse_http_date)
        .is_some_and(|since| last_modified <= since)
}

/// Whether an `If-None-Match` list (`"a", W/"b"` or `*`) names `etag`, by weak comparison.
/// A malformed member ends the list: what follows it is not trusted to match.
fn etag_list_matches(list: &[u8], etag: &[u8]) -> bool {
    let etag = etag.strip_prefix(b"W/").unwrap_or(etag);
    let mut rest = list;
    loop {
        while let [b' ' | b'\t' | b',', after @ ..] = rest {
            rest = after;
        }
        if rest.is_empty() {
            return false;
        }
        if rest.starts_with(b"*") {
            return true;
        }
        let tag = rest.strip_prefix(b"W/").unwrap_or(rest);
        let Some(opaque) = tag.strip_prefix(b"\"") else {
            return false;
        };
        let Some(length) = opaque.iter().position(|&byte| byte == b'"') else {
            return false;
        };
        // The opening quote, `length` bytes, the closing quote.
        let (quoted, remainder) = tag.split_at(length + 2);
        if quoted == etag {
            return true;
        }
        rest = remainder;
    }
}

/// Whether `Accept-Encoding` lets the response be gzip: `gzip` (or `x-gzip`, or else `*`) with
/// a q-value above zero, and not below an explicitly listed `identity`. Members with an invalid
/// q-value are ignored; without the header, the answer is no.
fn accepts_gzip(request_headers: &HeaderMap) -> bool {
    let mut gzip = None;
    let mut any = None;
    let mut identity = None;
    for value in request_headers.get_all(header::ACCEPT_ENCODING) {
        let Ok(value) = value.to_str() else {
            continue;
        };
        for member in value.split(',') {
            let mut parts = member.split(';');
            let coding = parts.next().unwrap_or_default().trim();
            let mut quality = Some(1000);
            for parameter in parts {
                if let Some((name, value)) = parameter.split_once('=')
                    && name.trim().eq_ignore_ascii_case("q")
                {
                    quality = parse_quality(value.trim());
                }
            }
            let Some(quality) = quality else {
                continue;
            };
            let slot =
                if coding.eq_ignore_ascii_case("gzip") || coding.eq_ignore_ascii_case("x-gzip") {
                    &mut gzip
                } else if coding == "*" {
                    &mut any
                } else if coding.eq_ignore_ascii_case("identity") {
                    &mut identity
                } else {
                    continue;
                };
            *slot = Some(quality);
        }
    }
    let gzip = gzip.or(any).unwrap_or(0);
    gzip > 0 && gzip >= identity.unwrap_or(0)
}

/// A q-value (`0`, `0.5`, `1.000`) in thousandths; `None` if it is not one.
fn parse_quality(text: &str) -> Option<u16> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if fraction.len() > 3 {
        return None;
    }
    let mut thousandths = 0;
    for (digit, scale) in fraction.bytes().zip([100, 10, 1]) {
        if !digit.is_ascii_digit() {
            return None;
        }
        thousandths += u16::from(digit - b'0') * scale;
    }
    match whole {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Read as _, Write as _};
    use std::net::SocketAddr;

    use flate2::read::GzDecoder;

    use super::*;

    const RSS: &str = "application/rss+xml; charset=utf-8";
    const HTML: &str = "text/html; charset=utf-8";
    /// `Timestamp::from_unix(1_700_000_000)` as an HTTP date.
    const LAST_MODIFIED: &str = "Tue, 14 Nov 2023 22:13:20 GMT";
    const CSP: &str = "default-src 'none'; style-src 'self'";

    fn feed_body(version: &str) -> Vec<u8> {
        let items = "<item><title>A story</title><link>https://example.com/a</link></item>\n";
        format!(
            "<?xml version=\"1.0\"?>\n<rss version=\"2.0\"><channel><title>{version}</title>\n{}</channel></rss>\n",
            items.repeat(100)
        )
        .into_bytes()
    }

    fn page(content_type: &'static str, body: Vec<u8>, html: bool) -> Page {
        Page {
            content_type,
            body,
            last_modified: Timestamp::from_unix(1_700_000_000),
            html,
        }
    }

    /// The site of version `version`: a home page, the feed and one tag feed.
    fn site(version: &str) -> Site {
        Site::new(vec![
            (
                "/".to_owned(),
                page(
                    HTML,
                    format!("<!doctype html><title>{version}</title>")
                        .repeat(20)
                        .into_bytes(),
                    true,
                ),
            ),
            ("/feed.rss".to_owned(), page(RSS, feed_body(version), false)),
            (
                "/tag/security.json".to_owned(),
                page(
                    "application/feed+json",
                    format!("{{\"title\":\"{version}\"}}")
                        .repeat(20)
                        .into_bytes(),
                    false,
                ),
            ),
        ])
    }

    fn options() -> ServeOptions {
        ServeOptions {
            max_age: Duration::from_secs(300),
            header_read_timeout: Duration::from_secs(5),
            max_connections: 64,
            csp: CSP.to_owned(),
        }
    }

    /// The strong ETag the server should send for `bytes`, computed independently.
    fn expected_etag(bytes: &[u8], suffix: &str) -> String {
        let digest = Sha256::digest(bytes);
        let hex: String = digest
            .iter()
            .take(16)
            .map(|byte| format!("{byte:02x}"))
            .collect();
        format!("\"{hex}{suffix}\"")
    }

    fn gunzip(bytes: &[u8]) -> Vec<u8> {
        let mut plain = Vec::new();
        GzDecoder::new(bytes)
            .read_to_end(&mut plain)
            .expect("a valid gzip body");
        plain
    }

    /// `serve` running on its own runtime, with a handle to replace its site and a way to stop it.
    struct TestServer {
        address: SocketAddr,
        site: SiteHandle,
        stop: Option<tokio::sync::oneshot::Sender<()>>,
        task: tokio::task::JoinHandle<io::Result<()>>,
        runtime: tokio::runtime::Runtime,
    }

    impl TestServer {
        fn start(site: Site, options: ServeOptions) -> TestServer {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("a runtime");
            let listener = runtime
                .block_on(TcpListener::bind("127.0.0.1:0"))
                .expect("bind a loopback port");
            let address = listener.local_addr().expect("the bound address");
            let handle = SiteHandle::new(site);
            let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
            let task = runtime.spawn(serve(listener, handle.clone(), options, async move {
                let _ = stopped.await;
            }));
            TestServer {
                address,
                site: handle,
                stop: Some(stop),
                task,
                runtime,
            }
        }

        fn connect(&self) -> std::net::TcpStream {
            let stream = std::net::TcpStream::connect(self.address).expect("connect");
            stream
                .set_read_timeout(Some(Duration::from_secs(10)))
                .expect("set a read timeout");
            stream
        }

        /// Sends `request` as is and reads the response until the server closes.
        fn exchange(&self, request: &str) -> Reply {
            let mut stream = self.connect();
            stream
                .write_all(request.as_bytes())
                .expect("send the request");
            let mut bytes = Vec::new();
            stream
                .read_to_end(&mut bytes)
                .expect("read the response to its end");
            Reply::parse(&bytes)
        }

        /// `method path` with `headers`, on a connection the server closes after answering.
        fn request(&self, method: &str, path: &str, headers: &[(&str, &str)]) -> Reply {
            let mut request =
                format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
            for (name, value) in headers {
                request.push_str(&format!("{name}: {value}\r\n"));
            }
            request.push_str("\r\n");
            self.exchange(&request)
        }

        fn get(&self, path: &str, headers: &[(&str, &str)]) -> Reply {
            self.request("GET", path, headers)
        }

        /// Resolves the shutdown future and returns what `serve` returned.
        fn stop(mut self) -> io::Result<()> {
            if let Some(stop) = self.stop.take() {
                let _ = stop.send(());
            }
            let task = self.task;
            self.runtime
                .block_on(async { tokio::time::timeout(Duration::from_secs(20), task).await })
                .expect("serve returns after shutdown")
                .expect("serve does not panic")
        }
    }

    /// One HTTP response as the client saw it.
    #[derive(Debug)]
    struct Reply {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    }

    impl Reply {
        fn parse(bytes: &[u8]) -> Reply {
            let end = bytes
                .windows(4)
                .position(|window| window == b"\r\n\r\n")
                .unwrap_or_else(|| {
                    panic!("a complete head in {:?}", String::from_utf8_lossy(bytes))
                });
            let head = std::str::from_utf8(&bytes[..end]).expect("an ASCII head");
            let mut lines = head.split("\r\n");
            let status_line = lines.next().expect("a status line");
            let status = status_line
                .split(' ')
                .nth(1)
                .and_then(|status| status.parse().ok())
                .expect("a status code");
            let headers = lines
                .map(|line| {
                    let (name, value) = line.split_once(':').expect("a header line");
                    (name.to_ascii_lowercase(), value.trim().to_owned())
                })
                .collect();
            Reply {
                status,
                headers,
                body: bytes[end + 4..].to_vec(),
            }
        }

        /// Reads exactly one response (sized by `Content-Length`) from a kept-alive connection.
        fn read_one(stream: &mut std::net::TcpStream) -> Reply {
            let mut bytes = Vec::new();
            let mut buffer = [0; 4096];
            loop {
                if let Some(end) = bytes.windows(4).position(|window| window == b"\r\n\r\n") {
                    let reply = Reply::parse(&bytes[..end + 4]);
                    let length: usize = reply
                        .header("content-length")
                        .map_or(0, |length| length.parse().expect("a number"));
                    if bytes.len() >= end + 4 + length {
                        return Reply::parse(&bytes[..end + 4 + length]);
                    }
                }
                let read = stream.read(&mut buffer).expect("read a response");
                assert!(read > 0, "the connection closed mid-response");
                bytes.extend_from_slice(&buffer[..read]);
            }
        }

        fn header(&self, name: &str) -> Option<&str> {
            self.headers
                .iter()
                .find(|(header, _)| header.eq_ignore_ascii_case(name))
                .map(|(_, value)| value.as_str())
        }

        /// The headers without `Date` (which changes every second), for comparing two replies.
        fn stable_headers(&self) -> Vec<(String, String)> {
            let mut headers: Vec<_> = self
                .headers
                .iter()
                .filter(|(name, _)| name != "date")
                .cloned()
                .collect();
            headers.sort();
            headers
        }
    }

    /// Reads until the server closes the connection; panics if it is still open after 10 s.
    fn assert_closed_by_server(stream: &mut std::net::TcpStream) {
        let mut rest = Vec::new();
        match stream.read_to_end(&mut rest) {
            Ok(_) => {}
            Err(error) if error.kind() == io::ErrorKind::ConnectionReset => {}
            Err(error) => panic!("the server kept the connection open: {error}"),
        }
    }

    #[test]
    fn a_page_is_served_with_its_validators_and_headers() {
        let server = TestServer::start(site("v1"), options());
        let reply = server.get("/feed.rss", &[]);
        assert_eq!(reply.status, 200);
        assert_eq!(reply.body, feed_body("v1"));
        assert_eq!(reply.header("content-type"), Some(RSS));
        assert_eq!(
            reply.header("content-length"),
            Some(reply.body.len().to_string().as_str())
        );
        let etag = expected_etag(&feed_body("v1"), "");
        assert_eq!(reply.header("etag"), Some(etag.as_str()));
        assert_eq!(reply.header("last-modified"), Some(LAST_MODIFIED));
        assert_eq!(reply.header("cache-control"), Some("max-age=300"));
        assert_eq!(reply.header("vary"), Some("Accept-Encoding"));
        assert_eq!(reply.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(reply.header("content-encoding"), None);
        assert_eq!(
            reply.header("content-security-policy"),
            None,
            "only HTML pages get a CSP"
        );
        let date = reply.header("date").expect("a Date header");
        assert!(parse_http_date(date).is_some(), "{date}");

        let home = server.get("/", &[]);
        assert_eq!(home.status, 200);
        assert_eq!(home.header("content-type"), Some(HTML));
        assert_eq!(home.header("content-security-policy"), Some(CSP));

        let tag = server.get("/tag/security.json", &[]);
        assert_eq!(tag.status, 200);
        assert_eq!(tag.header("content-type"), Some("application/feed+json"));
        assert_eq!(server.stop().ok(), Some(()));
    }

    #[test]
    fn a_query_string_is_ignored_for_lookup() {
        let server = TestServer::start(site("v1"), options());
        let reply = server.get("/feed.rss?x=1&utm_source=reader", &[]);
        assert_eq!(reply.status, 200);
        assert_eq!(reply.body, feed_body("v1"));
    }

    #[test]
    fn the_health_check_answers_whatever_the_site() {
        let server = TestServer::start(Site::default(), options());
        let reply = server.get("/healthz", &[]);
        assert_eq!(reply.status, 200);
        assert_eq!(reply.body, b"ok\n");
        assert_eq!(
            reply.header("content-type"),
            Some("text/plain; charset=utf-8")
        );
        assert_eq!(server.get("/feed.rss", &[]).status, 404);
    }

    #[test]
    fn unknown_and_traversal_paths_are_not_found() {
        let server = TestServer::start(site("v1"), options());
        for path in [
            "/nope",
            "/feed.rss/",
            "/FEED.RSS",
            "/../../etc/passwd",
            "/%2e%2e/",
            "/%2e%2e/%2e%2e/etc/passwd",
            "//etc/passwd",
            "/feed.rss/..",
            "/tag/../feed.rss",
            "/./feed.rss",
            "/tag/security.json%00",
            "/tag/",
            "/src/serve.rs",
            "/Cargo.toml",
        ] {
            let reply = server.get(path, &[]);
            assert_eq!(reply.status, 404, "{path}");
            assert_eq!(reply.body, b"not found\n", "{path}");
            assert_eq!(
                reply.header("content-type"),
                Some("text/plain; charset=utf-8"),
                "{path}"
            );
        }
    }

    #[test]
    fn other_methods_get_405_with_allow() {
        let server = TestServer::start(site("v1"), options());
        for method in ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "BREW"] {
            for path in ["/feed.rss", "/healthz", "/nope"] {
                let reply = server.request(method, path, &[("Content-Length", "0")]);
                assert_eq!(reply.status, 405, "{method} {path}");
                assert_eq!(reply.header("allow"), Some("GET, HEAD"), "{method} {path}");
            }
        }
        let post_with_body = server.exchange(
            "POST /feed.rss HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: 5\r\n\r\nhello",
        );
        assert_eq!(post_with_body.status, 405);
    }

    #[test]
    fn head_answers_like_get_without_a_body() {
        let server = TestServer::start(site("v1"), options());
        let cases: [(&str, &[(&str, &str)]); 6] = [
            ("/feed.rss", &[]),
            ("/feed.rss", &[("Accept-Encoding", "gzip")]),
            ("/", &[]),
            ("/healthz", &[]),
            ("/nope", &[]),
            ("/feed.rss", &[("If-None-Match", "*")]),
        ];
        for (path, headers) in cases {
            let get = server.request("GET", path, headers);
            let head = server.request("HEAD", path, headers);
            assert_eq!(head.status, get.status, "{path} {headers:?}");
            assert_eq!(
                head.stable_headers(),
                get.stable_headers(),
                "{path} {headers:?}"
            );
            assert!(head.body.is_empty(), "{path} {headers:?}: {:?}", head.body);
        }
        let head = server.request("HEAD", "/feed.rss", &[]);
        assert_eq!(
            head.header("content-length"),
            Some(feed_body("v1").len().to_string().as_str())
        );
    }

    #[test]
    fn if_none_match_answers_304_when_a_tag_matches() {
        let server = TestServer::start(site("v1"), options());
        let fresh = server.get("/feed.rss", &[]);
        let etag = fresh.header("etag").expect("an ETag").to_owned();
        let weak = format!("W/{etag}");
        let listed = format!("\"other\", {weak} ,\"another\"");
        let unspaced = format!("\"other\",{etag}");
        let cases: [(&str, u16); 9] = [
            (&etag, 304),
            (&weak, 304),
            (&listed, 304),
            (&unspaced, 304),
            ("*", 304),
            ("\"other\"", 200),
            ("\"other\", W/\"another\"", 200),
            ("", 200),
            ("garbage, *", 200),
        ];
        for (if_none_match, status) in cases {
            let reply = server.get("/feed.rss", &[("If-None-Match", if_none_match)]);
            assert_eq!(reply.status, status, "If-None-Match: {if_none_match}");
            if status == 304 {
                assert!(reply.body.is_empty());
                for name in ["etag", "cache-control", "vary", "last-modified"] {
                    assert_eq!(reply.header(name), fresh.header(name), "{name}");
                }
            } else {
                assert_eq!(reply.body, feed_body("v1"));
            }
        }
        // Several If-None-Match lines make one list.
        let request = format!(
            "GET /feed.rss HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nIf-None-Match: \"other\"\r\nIf-None-Match: {etag}\r\n\r\n"
        );
        assert_eq!(server.exchange(&request).status, 304);
        // The tag of another page does not match.
        let home = server.get("/", &[("If-None-Match", &etag)]);
        assert_eq!(home.status, 200);
    }

    #[test]
    fn if_modified_since_counts_only_without_if_none_match() {
        let server = TestServer::start(site("v1"), options());
        let cases: [(&[(&str, &str)], u16); 9] = [
            (&[("If-Modified-Since", LAST_MODIFIED)], 304),
            (
                &[("If-Modified-Since", "Wed, 15 Nov 2023 00:00:00 GMT")],
                304,
            ),
            (
                &[("If-Modified-Since", "Tue, 14 Nov 2023 22:13:19 GMT")],
                200,
            ),
            (
                &[("If-Modified-Since", "Sunday, 06-Nov-94 08:49:37 GMT")],
                200,
            ),
            (&[("If-Modified-Since", "Wed Nov 15 00:00:00 2023")], 304),
            (&[("If-Modified-Since", "yesterday")], 200),
            (
                &[
                    ("If-Modified-Since", "Wed, 15 Nov 2023 00:00:00 GMT"),
                    ("If-None-Match", "\"other\""),
                ],
                200,
            ),
            (
                &[
                    ("If-None-Match", "\"other\""),
                    ("If-Modified-Since", "Wed, 15 Nov 2040 00:00:00 GMT"),
                ],
                200,
            ),
            (
                &[
                    ("If-None-Match", "*"),
                    ("If-Modified-Since", "Tue, 14 Nov 2000 00:00:00 GMT"),
                ],
                304,
            ),
        ];
        for (headers, status) in cases {
            let reply = server.get("/feed.rss", headers);
            assert_eq!(reply.status, status, "{headers:?}");
            if status == 304 {
                assert_eq!(reply.header("last-modified"), Some(LAST_MODIFIED));
                assert!(reply.body.is_empty());
            }
        }
    }

    #[test]
    fn http_dates_parse_in_all_three_formats() {
        let expected = Some(Timestamp::from_unix(784_111_777));
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), expected);
        assert_eq!(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), expected);
        assert_eq!(parse_http_date("Sun Nov  6 08:49:37 1994"), expected);
        assert_eq!(parse_http_date(" Sun, 06 Nov 1994 08:49:37 GMT "), expected);
        assert_eq!(
            parse_http_date("Mon, 06 Nov 1994 08:49:37 GMT"),
            None,
            "wrong weekday"
        );
        assert_eq!(parse_http_date("06 Nov 1994"), None);
        assert_eq!(parse_http_date(""), None);
        assert_eq!(
            http_date(Timestamp::from_unix(784_111_777)),
            "Sun, 06 Nov 1994 08:49:37 GMT"
        );
    }

    #[test]
    fn accept_encoding_is_parsed_with_q_values() {
        let cases = [
            ("gzip", true),
            ("GZIP", true),
            ("x-gzip", true),
            ("gzip, deflate, br", true),
            ("br;q=1.0, gzip;q=0.8, *;q=0.1", true),
            ("gzip;q=0.001", true),
            ("gzip ; q=0.5", true),
            ("gzip;Q=0.5", true),
            ("*", true),
            ("identity;q=0.5, gzip", true),
            ("gzip;q=0", false),
            ("gzip;q=0.000", false),
            ("gzip;q=0, *", false),
            ("*;q=0", false),
            ("deflate, br", false),
            ("identity", false),
            ("identity, gzip;q=0.5", false),
            ("gzip;q=1.5", false),
            ("gzip;q=abc", false),
            ("gzip;q=0.5000", false),
            ("", false),
            (",,,", false),
        ];
        for (accept_encoding, expected) in cases {
            let mut headers = HeaderMap::new();
            headers.insert(
                header::ACCEPT_ENCODING,
                HeaderValue::from_static(accept_encoding),
            );
            assert_eq!(
                accepts_gzip(&headers),
                expected,
                "Accept-Encoding: {accept_encoding}"
            );
        }
        assert!(!accepts_gzip(&HeaderMap::new()), "no header means identity");
        let mut two_lines = HeaderMap::new();
        two_lines.append(header::ACCEPT_ENCODING, HeaderValue::from_static("br"));
        two_lines.append(header::ACCEPT_ENCODING, HeaderValue::from_static("gzip"));
        assert!(accepts_gzip(&two_lines));
    }

    #[test]
    fn gzip_is_served_with_its_own_etag_when_accepted() {
        let server = TestServer::start(site("v1"), options());
        let plain = server.get("/feed.rss", &[]);
        for accept_encoding in ["gzip", "gzip, deflate, br", "br;q=1, gzip;q=0.5", "*"] {
            let reply = server.get("/feed.rss", &[("Accept-Encoding", accept_encoding)]);
            assert_eq!(reply.status, 200, "{accept_encoding}");
            assert_eq!(
                reply.header("content-encoding"),
                Some("gzip"),
                "{accept_encoding}"
            );
            assert_eq!(reply.header("vary"), Some("Accept-Encoding"));
            assert_eq!(reply.header("content-type"), Some(RSS));
            assert_eq!(
                reply.header("content-length"),
                Some(reply.body.len().to_string().as_str())
            );
            assert!(reply.body.len() < plain.body.len());
            assert_eq!(gunzip(&reply.body), feed_body("v1"));
            let etag = expected_etag(&reply.body, "-gzip");
            assert_eq!(reply.header("etag"), Some(etag.as_str()));
            assert_ne!(reply.header("etag"), plain.header("etag"));
        }
        for accept_encoding in ["gzip;q=0", "identity", "br", "*;q=0"] {
            let reply = server.get("/feed.rss", &[("Accept-Encoding", accept_encoding)]);
            assert_eq!(reply.header("content-encoding"), None, "{accept_encoding}");
            assert_eq!(reply.body, feed_body("v1"), "{accept_encoding}");
            assert_eq!(
                reply.header("etag"),
                plain.header("etag"),
                "{accept_encoding}"
            );
            assert_eq!(reply.header("vary"), Some("Accept-Encoding"));
        }
    }

    #[test]
    fn conditional_requests_work_with_both_etags() {
        let server = TestServer::start(site("v1"), options());
        let plain_etag = server
            .get("/feed.rss", &[])
            .header("etag")
            .expect("an ETag")
            .to_owned();
        let gzip = server.get("/feed.rss", &[("Accept-Encoding", "gzip")]);
        let gzip_etag = gzip.header("etag").expect("an ETag").to_owned();

        let revalidated = server.get(
            "/feed.rss",
            &[("Accept-Encoding", "gzip"), ("If-None-Match", &gzip_etag)],
        );
        assert_eq!(revalidated.status, 304);
        assert_eq!(revalidated.header("etag"), Some(gzip_etag.as_str()));
        assert_eq!(revalidated.header("vary"), Some("Accept-Encoding"));
        assert_eq!(
            revalidated.header("cache-control"),
            gzip.header("cache-control")
        );
        assert!(revalidated.body.is_empty());
        let weak = format!("W/{gzip_etag}");
        let weak_gzip = server.get(
            "/feed.rss",
            &[("Accept-Encoding", "gzip"), ("If-None-Match", &weak)],
        );
        assert_eq!(weak_gzip.status, 304);
        let both = format!("{plain_etag}, {gzip_etag}");
        assert_eq!(
            server
                .get(
                    "/feed.rss",
                    &[("Accept-Encoding", "gzip"), ("If-None-Match", &both)]
                )
                .status,
            304
        );
        assert_eq!(
            server.get("/feed.rss", &[("If-None-Match", &both)]).status,
            304
        );
        assert_eq!(
            server
                .get("/feed.rss", &[("If-None-Match", &plain_etag)])
                .status,
            304
        );

        // A tag is compared with the representation this request gets: the client's copy is
        // in the other encoding, so it gets the full body it asked for.
        let switched = server.get("/feed.rss", &[("If-None-Match", &gzip_etag)]);
        assert_eq!(switched.status, 200);
        assert_eq!(switched.body, feed_body("v1"));
        let switched = server.get(
            "/feed.rss",
            &[("Accept-Encoding", "gzip"), ("If-None-Match", &plain_etag)],
        );
        assert_eq!(switched.status, 200);
        assert_eq!(switched.header("content-encoding"), Some("gzip"));
    }

    #[test]
    fn a_body_that_gzip_would_not_shrink_is_sent_plain() {
        let server = TestServer::start(
            Site::new(vec![(
                "/tiny.json".to_owned(),
                page("application/json", b"{}".to_vec(), false),
            )]),
            options(),
        );
        let reply = server.get("/tiny.json", &[("Accept-Encoding", "gzip")]);
        assert_eq!(reply.status, 200);
        assert_eq!(reply.body, b"{}");
        assert_eq!(reply.header("content-encoding"), None);
        assert_eq!(reply.header("vary"), Some("Accept-Encoding"));
    }

    #[test]
    fn a_replaced_site_is_served_after_replace() {
        let server = TestServer::start(site("v1"), options());
        let before = server.get("/feed.rss", &[]);
        assert_eq!(before.body, feed_body("v1"));
        let old_etag = before.header("etag").expect("an ETag").to_owned();
        server.site.replace(site("v2"));
        let after = server.get("/feed.rss", &[("If-None-Match", &old_etag)]);
        assert_eq!(after.status, 200);
        assert_eq!(after.body, feed_body("v2"));
        let new_etag = expected_etag(&feed_body("v2"), "");
        assert_eq!(after.header("etag"), Some(new_etag.as_str()));
        server.site.replace(Site::default());
        assert_eq!(server.get("/feed.rss", &[]).status, 404);
    }

    #[test]
    fn every_response_during_replacement_is_one_whole_snapshot() {
        let big = |version: &str| {
            let mut body = feed_body(version);
            body.extend(version.repeat(50_000).into_bytes());
            body
        };
        let build = |version: &str| {
            Site::new(vec![(
                "/feed.rss".to_owned(),
                page(RSS, big(version), false),
            )])
        };
        let server = TestServer::start(build("one"), options());
        let versions = [big("one"), big("two")];
        let etags = [
            expected_etag(&versions[0], ""),
            expected_etag(&versions[1], ""),
        ];
        let sites: Vec<Site> = (0..10)
            .map(|round| build(if round % 2 == 0 { "two" } else { "one" }))
            .collect();
        std::thread::scope(|scope| {
            let readers: Vec<_> = (0..4)
                .map(|_| {
                    scope.spawn(|| {
                        let mut seen = [0, 0];
                        for _ in 0..25 {
                            let reply = server.get("/feed.rss", &[]);
                            assert_eq!(reply.status, 200);
                            let version = versions
                                .iter()
                                .position(|version| *version == reply.body)
                                .expect("a body equal to one of the versions");
                            assert_eq!(
                                reply.header("etag"),
                                Some(etags[version].as_str()),
                                "headers of the same snapshot"
                            );
                            seen[version] += 1;
                        }
                        seen
                    })
                })
                .collect();
            for site in sites {
                server.site.replace(site);
                std::thread::sleep(Duration::from_millis(5));
            }
            for reader in readers {
                let seen = reader.join().expect("a reader thread");
                assert_eq!(seen[0] + seen[1], 25);
            }
        });
        // The last replacement installed version one.
        assert_eq!(server.get("/feed.rss", &[]).body, versions[0]);
    }

    #[test]
    fn a_client_that_sends_half_a_request_is_disconnected() {
        let server = TestServer::start(
            site("v1"),
            ServeOptions {
                header_read_timeout: Duration::from_millis(300),
                ..options()
            },
        );
        let mut half = server.connect();
        half.write_all(b"GET /feed.rss HT")
            .expect("send half a request line");
        assert_closed_by_server(&mut half);

        let mut silent = server.connect();
        assert_closed_by_server(&mut silent);

        // A kept-alive connection that goes quiet is closed the same way.
        let mut idle = server.connect();
        idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
            .expect("send a request");
        assert_eq!(Reply::read_one(&mut idle).status, 200);
        assert_closed_by_server(&mut idle);

        assert_eq!(
            server.get("/healthz", &[]).status,
            200,
            "the server still answers"
        );
    }

    #[test]
    fn keep_alive_serves_several_requests_on_one_connection() {
        let server = TestServer::start(site("v1"), options());
        let mut stream = server.connect();
        for path in ["/feed.rss", "/nope", "/", "/feed.rss"] {
            let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n");
            stream
                .write_all(request.as_bytes())
                .expect("send a request");
            let reply = Reply::read_one(&mut stream);
            assert_eq!(
                reply.status,
                if path == "/nope" { 404 } else { 200 },
                "{path}"
            );
        }
        // Pipelined: both answers come back, in order; the HEAD answer has no body (its
        // Content-Length describes the GET body), so the second answer follows its head.
        stream
            .write_all(b"HEAD /feed.rss HTTP/1.1\r\nHost: localhost\r\n\r\nGET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
            .expect("send two requests");
        let mut bytes = Vec::new();
        let mut buffer = [0; 1024];
        while !bytes.ends_with(b"ok\n") {
            let read = stream.read(&mut buffer).expect("read the replies");
            assert!(read > 0, "closed before the second reply");
            bytes.extend_from_slice(&buffer[..read]);
        }
        let end = bytes
            .windows(4)
            .position(|window| window == b"\r\n\r\n")
            .expect("a head")
            + 4;
        let head = Reply::parse(&bytes[..end]);
        assert_eq!(head.status, 200);
        assert_eq!(
            head.header("content-length"),
            Some(feed_body("v1").len().to_string().as_str())
        );
        let health = Reply::parse(&bytes[end..]);
        assert_eq!(health.status, 200);
        assert_eq!(health.body, b"ok\n");
    }

    #[test]
    fn connections_over_the_limit_wait_for_a_free_slot() {
        let server = TestServer::start(
            site("v1"),
            ServeOptions {
                max_connections: 1,
                ..options()
            },
        );
        // The first connection takes the only slot (it has been answered, so it was accepted).
        let mut first = server.connect();
        first
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
            .expect("send a request");
        assert_eq!(Reply::read_one(&mut first).status, 200);

        let mut second = server.connect();
        second
            .write_all(b"GET /feed.rss HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            .expect("send a request");
        second
            .set_read_timeout(Some(Duration::from_millis(300)))
            .expect("a read timeout");
        let mut byte = [0; 1];
        let waiting = second.read(&mut byte);
        assert!(
            waiting.as_ref().is_err_and(|error| matches!(
                error.kind(),
                io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
            )),
            "the second connection must wait, got {waiting:?}"
        );

        drop(first);
        second
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("a read timeout");
        let mut bytes = Vec::new();
        second
            .read_to_end(&mut bytes)
            .expect("the answer once the slot is free");
        let reply = Reply::parse(&bytes);
        assert_eq!(reply.status, 200);
        assert_eq!(reply.body, feed_body("v1"));
    }

    #[test]
    fn malformed_requests_do_not_stop_the_server() {
        let server = TestServer::start(site("v1"), options());
        let long_header = format!(
            "GET /feed.rss HTTP/1.1\r\nHost: localhost\r\nX-Long: {}\r\n\r\n",
            "a".repeat(1 << 20)
        );
        let hostile = [
            "\0\x01\x02 garbage\r\n\r\n".to_owned(),
            "GET\r\n\r\n".to_owned(),
            "GET /feed.rss HTTP/9.9\r\n\r\n".to_owned(),
            "GET /feed.rss HTTP/1.1\r\nHost: localhost\r\nContent-Length: -1\r\n\r\n".to_owned(),
            "GET /feed.rss HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n".to_owned(),
            "GET /f\u{e9}ed.rss HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".to_owned(),
            "GET /feed.rss HTTP/1.1\r\nConnection: close\r\nIf-None-Match: \"\r\nAccept-Encoding: ;;;q=,\r\nIf-Modified-Since: \u{ff}\r\n\r\n".to_owned(),
            long_header,
        ];
        for request in &hostile {
            let mut stream = server.connect();
            // The server may answer and close before reading everything; that is fine.
            let _ = stream.write_all(request.as_bytes());
            assert_closed_by_server(&mut stream);
        }
        let reply = server.get("/feed.rss", &[]);
        assert_eq!(reply.status, 200);
        assert_eq!(reply.body, feed_body("v1"));
    }

    #[test]
    fn shutdown_closes_idle_connections_and_returns() {
        let server = TestServer::start(site("v1"), options());
        let mut idle = server.connect();
        idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
            .expect("send a request");
        assert_eq!(Reply::read_one(&mut idle).status, 200);
        let address = server.address;
        assert_eq!(server.stop().ok(), Some(()));
        assert_closed_by_server(&mut idle);
        assert!(
            std::net::TcpStream::connect(address).is_err(),
            "the listener is closed"
        );
    }

    #[test]
    fn an_invalid_csp_is_an_error_before_serving() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let result = runtime.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await?;
            let options = ServeOptions {
                csp: "default-src 'none'\r\nX-Injected: yes".to_owned(),
                ..options()
            };
            serve(
                listener,
                SiteHandle::new(site("v1")),
                options,
                std::future::pending(),
            )
            .await
        });
        let error = result.expect_err("an invalid header value");
        assert_eq!(error.kind(), io::ErrorKind::InvalidInput);
    }

    #[test]
    fn etag_lists_are_parsed_without_splitting_tags() {
        let etag = b"\"abc\"";
        let cases: [(&[u8], bool); 10] = [
            (b"\"abc\"", true),
            (b"W/\"abc\"", true),
            (b"\"a,b\", \"abc\"", true),
            (b"*", true),
            (b" \t,\"abc\"", true),
            (b"\"ab\"", false),
            (b"abc", false),
            (b"\"abc", false),
            (b"W/", false),
            (b"\"x\" junk \"abc\"", false),
        ];
        for (list, expected) in cases {
            assert_eq!(
                etag_list_matches(list, etag),
                expected,
                "{}",
                String::from_utf8_lossy(list)
            );
        }
    }
}
