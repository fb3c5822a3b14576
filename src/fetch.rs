//! HTTP: one conditional GET per feed, within limits, returning what the server said.
//!
//! The only module that uses `reqwest`. It sends the stored validators exactly as received,
//! identifies itself honestly, caps concurrency overall and per host, enforces connect and
//! total timeouts, and stops reading a body as soon as its *decompressed* size passes the cap.
//! It does not parse feeds, touch the database or decide schedules: it returns a [`Fetched`]
//! or a [`FetchError`], and the caller decides.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::header::{self, HeaderMap, HeaderValue};
use tokio::sync::Semaphore;
use url::Url;

use crate::model::{RetryAfter, ServerHints, Timestamp, Validators};

/// What the fetcher sends in `Accept`: feed types first, then anything XML or JSON.
const ACCEPT: &str = "application/rss+xml, application/atom+xml, application/feed+json, \
                      application/rdf+xml;q=0.9, application/xml;q=0.9, text/xml;q=0.9, \
                      application/json;q=0.8, */*;q=0.5";

/// How long to wait for a connection before giving up on a host.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Most redirects followed for one request.
const MAX_REDIRECTS: usize = 10;

/// How the fetcher behaves; built from `[settings]`.
#[derive(Debug, Clone, PartialEq)]
pub struct FetchSettings {
    /// Sent on every request.
    pub user_agent: String,
    /// Total time for one request, body included.
    pub timeout: Duration,
    /// Cap on the decompressed body, in bytes.
    pub max_body: u64,
    /// Requests in flight overall.
    pub concurrency: usize,
    /// Requests in flight per host.
    pub per_host: usize,
}

/// A server's answer that the caller can use.
#[derive(Debug, Clone, PartialEq)]
pub enum Fetched {
    /// `200`: a new body.
    Modified {
        /// The HTTP status (a 2xx).
        status: u16,
        /// The URL the body came from, after redirects.
        final_url: Url,
        /// Where the feed has moved for good: the end of the leading run of 301/308
        /// redirects, when there was one.
        moved_to: Option<Url>,
        /// Validators the response carried, verbatim.
        validators: Validators,
        /// What the response said about caching.
        hints: ServerHints,
        /// The `charset` of the `Content-Type` header, when given.
        charset: Option<String>,
        /// The decompressed body.
        body: Vec<u8>,
    },
    /// `304 Not Modified`: the stored entries are current.
    NotModified {
        /// As for `Modified`.
        moved_to: Option<Url>,
        /// Validators the 304 carried (either may be absent).
        validators: Validators,
        /// What the response said about caching.
        hints: ServerHints,
    },
}

/// Why a fetch failed. Messages are one line, lowercase, and do not repeat the feed URL.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The host name did not resolve.
    #[error("cannot resolve host {host}: {message}")]
    Dns {
        /// The host.
        host: String,
        /// What the resolver said.
        message: String,
    },
    /// No connection: refused, TLS or a reset.
    #[error("cannot connect: {message}")]
    Connect {
        /// What the network stack said.
        message: String,
    },
    /// The request took longer than the total timeout.
    #[error("timed out after {}", humantime::format_duration(*after))]
    Timeout {
        /// The timeout.
        after: Duration,
    },
    /// The server answered with an error status.
    #[error("http {status}{}", reason.map(|reason| format!(" {reason}")).unwrap_or_default())]
    Status {
        /// The status code.
        status: u16,
        /// Its canonical reason phrase.
        reason: Option<&'static str>,
        /// What the response said about retrying (`Retry-After` on a 429 or 503).
        hints: ServerHints,
    },
    /// `410 Gone`: the feed was removed for good.
    #[error("http 410 Gone: the feed was removed; it will not be fetched again")]
    Gone,
    /// The decompressed body passed the size cap.
    #[error("feed is larger than the {limit}-byte limit (max_feed_size)")]
    TooLarge {
        /// The cap, in bytes.
        limit: u64,
    },
    /// Too many redirects, a loop, or a redirect to something that is not http(s).
    #[error("bad redirect: {message}")]
    Redirect {
        /// Details.
        message: String,
    },
    /// The body could not be read (the connection dropped, the length did not match).
    #[error("cannot read the response body: {message}")]
    Body {
        /// Details.
        message: String,
    },
    /// The body could not be decompressed as its `Content-Encoding` says.
    #[error("cannot decode the response body as its Content-Encoding says: {message}")]
    Decode {
        /// Details.
        message: String,
    },
    /// The HTTP client could not be set up.
    #[error("cannot set up the http client: {message}")]
    Client {
        /// Details.
        message: String,
    },
}

impl FetchError {
    /// The HTTP status behind the failure, when there was a response.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            FetchError::Status { status, .. } => Some(*status),
            FetchError::Gone => Some(410),
            _ => None,
        }
    }

    /// What the failed response said about retrying, when there was a response.
    pub fn hints(&self) -> Option<&ServerHints> {
        match self {
            FetchError::Status { hints, .. } => Some(hints),
            _ => None,
        }
    }
}

/// The HTTP client with its limits. Cheap to share behind an `Arc`.
pub struct Fetcher {
    client: reqwest::Client,
    settings: FetchSettings,
    total: Semaphore,
    hosts: Mutex<HashMap<String, Arc<Semaphore>>>,
}

impl Fetcher {
    /// Builds the client: rustls, gzip and brotli, no cookies, no `Referer`, no retries.
    pub fn new(settings: FetchSettings) -> Result<Fetcher, FetchError> {
        // reqwest is built without a default TLS crypto provider; install ring once per
        // process. An error means one is installed already, which is what we want.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_static(ACCEPT));
        let client = reqwest::Client::builder()
            .user_agent(settings.user_agent.as_str())
            .default_headers(headers)
            .gzip(true)
            .brotli(true)
            .referer(false)
            .retry(reqwest::retry::never())
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(CONNECT_TIMEOUT.min(settings.timeout))
            .timeout(settings.timeout)
            .build()
            .map_err(|error| FetchError::Client {
                message: describe(&error),
            })?;
        Ok(Fetcher {
            client,
            total: Semaphore::new(settings.concurrency.max(1)),
            settings,
            hosts: Mutex::new(HashMap::new()),
        })
    }

    /// One conditional GET of `url`, sending only the validators that were stored, and
    /// following redirects by hand so that permanent moves can be told from temporary ones.
    ///
    /// Waits for a free slot overall and for the URL's host first.
    pub async fn fetch(&self, url: &Url, validators: &Validators) -> Result<Fetched, FetchError> {
        let host_slots = self.host_slots(url);
        // The semaphores are never closed, so acquiring cannot fail; if it somehow did, the
        // request simply goes ahead without that limit.
        let _host_permit = host_slots.acquire().await.ok();
        let _total_permit = self.total.acquire().await.ok();
        // reqwest's own timeout covers each request and its body; this one bounds the whole
        // exchange, redirects included, so that no server can hold a run past its timeout.
        match tokio::time::timeout(self.settings.timeout, self.exchange(url, validators)).await {
            Ok(result) => result,
            Err(_) => Err(FetchError::Timeout {
                after: self.settings.timeout,
            }),
        }
    }

    async fn exchange(&self, url: &Url, validators: &Validators) -> Result<Fetched, FetchError> {
        let mut current = url.clone();
        let mut visited = vec![url.clone()];
        let mut moved_to: Option<Url> = None;
        let mut only_permanent = true;
        let response = loop {
            let response = self.get(&current, validators).await?;
            let status = response.status().as_u16();
            if !matches!(status, 301 | 302 | 303 | 307 | 308) {
                break response;
            }
            if visited.len() > MAX_REDIRECTS {
                return Err(FetchError::Redirect {
                    message: format!("more than {MAX_REDIRECTS} redirects"),
                });
            }
            let next = redirect_target(&current, &response)?;
            if visited.contains(&next) {
                return Err(FetchError::Redirect {
                    message: format!("redirect loop back to {next}"),
                });
            }
            // Only a chain of permanent redirects from the stored URL moves the feed; after a
            // temporary one, whatever follows is temporary too.
            only_permanent &= matches!(status, 301 | 308);
            if only_permanent {
                moved_to = Some(next.clone());
            }
            visited.push(next.clone());
            current = next;
        };

        let status = response.status();
        let headers = response.headers();
        let received = Validators {
            etag: header_text(headers, header::ETAG),
            last_modified: header_text(headers, header::LAST_MODIFIED),
        };
        let hints = server_hints(headers);
        if status == reqwest::StatusCode::NOT_MODIFIED {
            return Ok(Fetched::NotModified {
                moved_to,
                validators: received,
                hints,
            });
        }
        if status == reqwest::StatusCode::GONE {
            return Err(FetchError::Gone);
        }
        if !status.is_success() {
            return Err(FetchError::Status {
                status: status.as_u16(),
                reason: status.canonical_reason(),
                hints,
            });
        }
        let final_url = response.url().clone();
        let charset = header_text(response.headers(), header::CONTENT_TYPE)
            .as_deref()
            .and_then(charset_of);
        let body = self.read_capped(response).await?;
        Ok(Fetched::Modified {
            status: status.as_u16(),
            final_url,
            moved_to,
            validators: received,
            hints,
            charset,
            body,
        })
    }

    /// One GET, conditional on the stored validators.
    async fn get(
        &self,
        url: &Url,
        validators: &Validators,
    ) -> Result<reqwest::Response, FetchError> {
        let mut request = self.client.get(url.clone());
        if let Some(etag) = &validators.etag {
            request = request.header(header::IF_NONE_MATCH, etag.as_str());
        }
        if let Some(last_modified) = &validators.last_modified {
            request = request.header(header::IF_MODIFIED_SINCE, last_modified.as_str());
        }
        let response = request
            .send()
            .await
            .map_err(|error| self.classify(&error, url))?;
        tracing::info!("GET {url}: {}", response.status().as_u16());
        Ok(response)
    }

    /// Reads the body chunk by chunk, giving up as soon as it passes the cap, so a
    /// decompression bomb is never held in memory whole.
    async fn read_capped(&self, mut response: reqwest::Response) -> Result<Vec<u8>, FetchError> {
        let limit = self.settings.max_body;
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|error| self.classify(&error, response.url()))?
        {
            if body.len() as u64 + chunk.len() as u64 > limit {
                return Err(FetchError::TooLarge { limit });
            }
            body.extend_from_slice(&chunk);
        }
        // Growing by doubling left up to half the buffer unused; the body may now wait its
        // turn to be parsed, one of up to `concurrency` bodies, so it keeps only its bytes.
        body.shrink_to_fit();
        Ok(body)
    }

    fn host_slots(&self, url: &Url) -> Arc<Semaphore> {
        let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
        let mut hosts = match self.hosts.lock() {
            Ok(hosts) => hosts,
            Err(poisoned) => poisoned.into_inner(),
        };
        hosts
            .entry(host)
            .or_insert_with(|| Arc::new(Semaphore::new(self.settings.per_host.max(1))))
            .clone()
    }

    fn classify(&self, error: &reqwest::Error, url: &Url) -> FetchError {
        let causes = causes(error);
        let message = causes.join(": ");
        if error.is_timeout() {
            FetchError::Timeout {
                after: self.settings.timeout,
            }
        } else if error.is_redirect() {
            FetchError::Redirect { message }
        } else if error.is_decode() {
            FetchError::Decode { message }
        } else if error.is_body() {
            FetchError::Body { message }
        } else if causes.iter().any(|cause| cause.starts_with("dns error")) {
            // The resolver's own words are the most specific cause, at the end of the chain.
            FetchError::Dns {
                host: url.host_str().unwrap_or_default().to_string(),
                message: causes.last().cloned().unwrap_or_default(),
            }
        } else {
            FetchError::Connect { message }
        }
    }
}

/// Where a redirect response points, resolved against the URL that sent it; only http(s).
fn redirect_target(current: &Url, response: &reqwest::Response) -> Result<Url, FetchError> {
    let location =
        header_text(response.headers(), header::LOCATION).ok_or_else(|| FetchError::Redirect {
            message: format!("{} without a Location header", response.status().as_u16()),
        })?;
    let next = current
        .join(location.trim())
        .map_err(|error| FetchError::Redirect {
            message: format!("invalid Location {location:?}: {error}"),
        })?;
    if !matches!(next.scheme(), "http" | "https") {
        return Err(FetchError::Redirect {
            message: format!("redirect to a non-http(s) URL {next}"),
        });
    }
    Ok(next)
}

/// The `charset` parameter of a `Content-Type` value (`text/xml; charset="ISO-8859-1"`).
fn charset_of(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|parameter| {
        let (name, value) = parameter.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches('"').to_string())
            .filter(|value| !value.is_empty())
    })
}

/// The caching and retry headers of a response.
fn server_hints(headers: &HeaderMap) -> ServerHints {
    let date = |name| header_text(headers, name).and_then(|text| http_date(&text));
    let retry_after = header_text(headers, header::RETRY_AFTER).and_then(|text| {
        let text = text.trim();
        match text.parse::<u64>() {
            Ok(seconds) => Some(RetryAfter::Delay(Duration::from_secs(seconds))),
            Err(_) => http_date(text).map(RetryAfter::At),
        }
    });
    ServerHints {
        date: date(header::DATE),
        max_age: headers
            .get_all(header::CACHE_CONTROL)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .map(max_age)
            .reduce(|first, second| match (first, second) {
                (Some(MaxAge::Forbidden), _) | (_, Some(MaxAge::Forbidden)) => {
                    Some(MaxAge::Forbidden)
                }
                (first, second) => first.or(second),
            })
            .flatten()
            .and_then(|age| match age {
                MaxAge::Seconds(seconds) => Some(Duration::from_secs(seconds)),
                MaxAge::Forbidden => None,
            }),
        expires: date(header::EXPIRES),
        retry_after,
    }
}

/// What one `Cache-Control` header says about freshness.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MaxAge {
    /// `max-age=N`.
    Seconds(u64),
    /// `no-cache` or `no-store`: no freshness hint at all.
    Forbidden,
}

fn max_age(cache_control: &str) -> Option<MaxAge> {
    let mut found = None;
    for directive in cache_control.split(',') {
        let directive = directive.trim().to_ascii_lowercase();
        if directive == "no-cache" || directive == "no-store" {
            return Some(MaxAge::Forbidden);
        }
        if let Some(seconds) = directive.strip_prefix("max-age=") {
            found = seconds.trim_matches('"').parse().ok().map(MaxAge::Seconds);
        }
    }
    found
}

/// An HTTP date (IMF-fixdate, RFC 850 or asctime).
fn http_date(text: &str) -> Option<Timestamp> {
    let time = httpdate::parse_http_date(text.trim()).ok()?;
    let seconds = time.duration_since(std::time::UNIX_EPOCH).ok()?.as_secs();
    Some(Timestamp::from_unix(i64::try_from(seconds).ok()?))
}

/// A header's value as text, when present and printable.
fn header_text(headers: &HeaderMap, name: header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(str::to_string)
}

/// The causes below reqwest's generic top-level message ("error sending request for url
/// (…)", which would only repeat the feed URL), without hyper's "client error (…)" wrapper,
/// outermost first; the top-level message itself when there is no cause.
fn causes(error: &reqwest::Error) -> Vec<String> {
    let mut parts: Vec<String> = Vec::new();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let text = cause.to_string();
        let wrapper = text.starts_with("client error (");
        if !text.is_empty() && !wrapper && !parts.iter().any(|part| part.contains(&text)) {
            parts.push(text);
        }
        source = cause.source();
    }
    if parts.is_empty() {
        parts.push(error.to_string());
    }
    parts
}

/// One line from an error chain (see [`causes`]).
fn describe(error: &reqwest::Error) -> String {
    causes(error).join(": ")
}
