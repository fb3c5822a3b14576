//! `frontpage serve`: the site over HTTP from memory, republished after every refresh.
//!
//! The pages are rendered exactly as `publish` renders them and swapped in whole, so a reader
//! never sees half a feed. With `--refresh`, the same fetch as `run` runs on that schedule
//! under the same run lock, so a cron `run` and `serve --refresh` never fetch at once; the
//! first fetch runs as soon as the server is listening.
//! Without it, the pages are re-rendered every minute from the database (which a cron `run`
//! may have updated) so ages and ranks stay current.

use std::time::Duration;

use anyhow::Context as _;

use super::fetch::{ConfiguredFeeds, fetch_locked};
use super::publish::render_site;
use super::{Context, Status, system_now};
use crate::cli::ServeArgs;
use crate::pipeline::FetchOptions;
use crate::publish::{Format, STYLE_HASH};
use crate::serve::{Page, ServeOptions, Site, SiteHandle};

/// How often the pages are re-rendered when there is no `--refresh`.
const RERENDER_EVERY: Duration = Duration::from_secs(60);

/// How long a client may take to send its request headers.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Connections served at once; more wait their turn.
const MAX_CONNECTIONS: usize = 256;

/// Serves until interrupted (Ctrl-C or SIGTERM).
pub fn serve(mut context: Context, args: &ServeArgs) -> anyhow::Result<Status> {
    if !args.listen.ip().is_loopback() {
        tracing::warn!(
            "listening on {}, which is not a loopback address: the site is reachable from other machines",
            args.listen
        );
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the server runtime")?;
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind(args.listen))
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let site = SiteHandle::new(build_site(&context)?);
    if !context.output.quiet {
        eprintln!(
            "frontpage: serving http://{}/",
            listener.local_addr().unwrap_or(args.listen)
        );
    }
    let options = ServeOptions {
        max_age: args
            .refresh
            .unwrap_or(RERENDER_EVERY)
            .min(Duration::from_secs(3600)),
        header_read_timeout: HEADER_READ_TIMEOUT,
        max_connections: MAX_CONNECTIONS,
        csp: format!(
            "default-src 'none'; style-src '{STYLE_HASH}'; img-src https: http:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
        ),
    };
    let refresh = args.refresh;
    let handle = site.clone();
    runtime.block_on(async move {
        let refresher = tokio::spawn(async move {
            let period = refresh.unwrap_or(RERENDER_EVERY);
            // With --refresh the first fetch runs at once, so a fresh install does not serve
            // an empty site for a whole period.
            let mut wait = refresh.is_none();
            loop {
                if wait {
                    tokio::time::sleep(period).await;
                }
                wait = true;
                if !context.clock_fixed {
                    context.now = system_now();
                }
                // Fetching and rendering are blocking work (network on their own runtime,
                // SQLite, hashing): keep them off the server's threads.
                let (returned, result) = tokio::task::spawn_blocking(move || {
                    let result = refresh_once(&mut context, refresh.is_some());
                    (context, result)
                })
                .await
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic.into_panic()));
                context = returned;
                match result {
                    Ok(site) => handle.replace(site),
                    Err(error) => tracing::error!("refresh failed: {error:#}"),
                }
            }
        });
        let served = crate::serve::serve(listener, site, options, shutdown_signal()).await;
        refresher.abort();
        served
    })?;
    Ok(Status::Success)
}

/// One refresh: fetch the due feeds (when asked, and unless another run holds the lock), then
/// render the site. The configured feeds stay: the site is rendered from them after every
/// refresh.
fn refresh_once(context: &mut Context, fetch: bool) -> anyhow::Result<Site> {
    if fetch {
        fetch_locked(context, &FetchOptions::default(), ConfiguredFeeds::Keep)?;
    }
    build_site(context)
}

/// The site as `publish` would write it, keyed by request path.
fn build_site(context: &Context) -> anyhow::Result<Site> {
    let pages = render_site(context)?
        .into_iter()
        .flat_map(|output| {
            let page = Page {
                content_type: output.format.content_type(),
                body: output.bytes,
                last_modified: output.updated,
                html: output.format == Format::Html,
            };
            let route = format!("/{}", output.path);
            if output.path == "index.html" {
                vec![("/".to_string(), page.clone()), (route, page)]
            } else {
                vec![(route, page)]
            }
        })
        .collect();
    Ok(Site::new(pages))
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(signal) => signal,
                Err(_) => {
                    let _ = interrupt.await;
                    return;
                }
            };
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}
