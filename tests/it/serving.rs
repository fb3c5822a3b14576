//! `frontpage serve` (SPEC §8) through the real binary: the pages it serves, conditional
//! requests, and `--refresh`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Stdio};
use std::time::Duration;

use crate::support::{FeedServer, NOW, Project, Reply};

/// A running `frontpage serve`, killed when dropped.
struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `frontpage serve --listen 127.0.0.1:0 EXTRA…` and waits for its address.
fn serve(project: &Project, extra: &[&str]) -> Server {
    let mut args = vec!["serve", "--listen", "127.0.0.1:0"];
    args.extend_from_slice(extra);
    let mut child = project
        .command(NOW, &args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start frontpage serve");
    let stderr = child.stderr.take().expect("piped stderr");
    let mut lines = BufReader::new(stderr).lines();
    let addr = loop {
        let line = lines
            .next()
            .expect("serve announces its address before exiting")
            .expect("read stderr");
        if let Some(rest) = line.strip_prefix("frontpage: serving http://") {
            break rest.trim_end_matches('/').parse().expect("an address");
        }
    };
    // Keep draining stderr so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Server { child, addr }
}

struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// One HTTP/1.1 request on its own connection.
fn request(addr: SocketAddr, method: &str, path: &str, headers: &[(&str, &str)]) -> Response {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).expect("send");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read");
    let split = raw
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .expect("a complete head");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|code| code.parse().ok())
        .expect("a status line");
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_string(), value.trim().to_string()))
        .collect();
    Response {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
    }
}

fn get(addr: SocketAddr, path: &str) -> Response {
    request(addr, "GET", path, &[])
}

#[test]
fn serve_answers_with_the_published_pages() {
    let feeds = FeedServer::start();
    feeds.route("/krebs.xml", Reply::fixture("rss2/krebs.xml"));
    let project = Project::with_feeds(&[("Krebs", &feeds.url("/krebs.xml"))]);
    assert_eq!(project.run(&["fetch"]).code, 0);
    let server = serve(&project, &[]);

    let page = get(server.addr, "/");
    assert_eq!(page.status, 200);
    assert_eq!(
        page.header("Content-Type"),
        Some("text/html; charset=utf-8")
    );
    assert!(
        page.header("Content-Security-Policy")
            .is_some_and(|csp| csp.contains("default-src 'none'"))
    );
    assert!(page.text().contains("Telegram Bot Tokens Leak"));

    let feed = get(server.addr, "/feed.rss");
    assert_eq!(feed.status, 200);
    assert!(feed.text().contains("Telegram Bot Tokens Leak"));
    assert_eq!(
        feed.text(),
        project.run(&["publish", "--format", "rss"]).stdout,
        "same as publish"
    );
    let etag = feed.header("ETag").expect("an ETag").to_string();
    let again = request(server.addr, "GET", "/feed.rss", &[("If-None-Match", &etag)]);
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());
    assert_eq!(again.header("ETag"), Some(etag.as_str()));

    for path in ["/feed.atom", "/feed.json", "/healthz"] {
        assert_eq!(get(server.addr, path).status, 200, "{path}");
    }
    for path in [
        "/../../etc/passwd",
        "/%2e%2e/feeds.toml",
        "//etc/passwd",
        "/frontpage.db",
        "/feeds.toml",
    ] {
        assert_eq!(get(server.addr, path).status, 404, "{path}");
    }
    let post = request(server.addr, "POST", "/feed.rss", &[]);
    assert_eq!(post.status, 405);
    assert_eq!(post.header("Allow"), Some("GET, HEAD"));
}

#[test]
fn serve_with_refresh_fetches_and_republishes() {
    let feeds = FeedServer::start();
    feeds.route("/krebs.xml", Reply::fixture("rss2/krebs.xml"));
    let project = Project::with_feeds(&[("Krebs", &feeds.url("/krebs.xml"))]);
    let server = serve(&project, &["--refresh", "1s"]);

    // Nothing was fetched before serving: the first page is empty.
    assert!(
        !get(server.addr, "/feed.rss")
            .text()
            .contains("Telegram Bot Tokens Leak")
    );
    // The refresh fetches the feed and swaps the new pages in; wait for it (bounded).
    let mut published = false;
    for _ in 0..300 {
        std::thread::sleep(Duration::from_millis(100));
        if get(server.addr, "/feed.rss")
            .text()
            .contains("Telegram Bot Tokens Leak")
        {
            published = true;
            break;
        }
    }
    assert!(published, "the refreshed feed was never served");
    assert!(!feeds.requests().is_empty());
    let state = project.feeds();
    assert_eq!(state[0]["status"], "ok");
}

#[test]
fn serve_refuses_an_address_in_use() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let project = Project::with_config("");
    let run = project.run(&["serve", "--listen", &addr]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains(&format!("cannot listen on {addr}")),
        "{}",
        run.stderr
    );
}

#[test]
fn serving_beyond_loopback_is_allowed_with_a_warning() {
    let project = Project::with_config("");
    let mut child = project
        .command(NOW, &["serve", "--listen", "0.0.0.0:0"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start frontpage serve");
    let stderr = child.stderr.take().expect("piped stderr");
    let mut lines = BufReader::new(stderr).lines();
    let mut seen = Vec::new();
    for line in lines.by_ref() {
        let line = line.expect("read stderr");
        let done = line.starts_with("frontpage: serving");
        seen.push(line);
        if done {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        seen.iter()
            .any(|line| line.contains("not a loopback address")),
        "{seen:#?}"
    );
}

#[test]
fn serve_refresh_respects_the_run_lock() {
    let feeds = FeedServer::start();
    feeds.route("/krebs.xml", Reply::fixture("rss2/krebs.xml"));
    let project = Project::with_feeds(&[("Krebs", &feeds.url("/krebs.xml"))]);
    // A cron `run` holds the lock.
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(project.file("frontpage.db.lock"))
        .unwrap();
    lock.lock().unwrap();
    let mut child = project
        .command(
            NOW,
            &["serve", "--listen", "127.0.0.1:0", "--refresh", "1s"],
        )
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start frontpage serve");
    let stderr = child.stderr.take().expect("piped stderr");
    let mut stepped_aside = false;
    for line in BufReader::new(stderr).lines().take(20) {
        let line = line.expect("read stderr");
        if line.contains("another frontpage run is in progress") {
            stepped_aside = true;
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(stepped_aside, "the refresh saw the lock");
    assert!(feeds.requests().is_empty(), "and fetched nothing");
}
