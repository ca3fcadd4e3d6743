//! [`WebhookHookSink`]: POSTs each event as JSON to a URL, with bounded
//! retries and exponential backoff, entirely off the agent's path. A slow or
//! dead endpoint only fills this sink's queue, where deltas are coalesced or
//! dropped and the rest is bounded.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use island_protocol::EventEnvelope;
use url::Url;

use crate::line_sinks::queue_sink_impl;
use crate::queue::QueueLimits;
use crate::runtime::spawn_background;
use crate::sink::{CounterCells, HookSink, QueueCore, SinkCounters};

/// How the webhook sink behaves.
#[derive(Debug, Clone)]
pub struct WebhookOptions {
    /// Where to POST.
    pub url: Url,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Attempts per event, the first included.
    pub max_attempts: u32,
    /// Wait before the first retry; doubled for each further one.
    pub initial_backoff: Duration,
    /// Queue sizes.
    pub limits: QueueLimits,
}

impl WebhookOptions {
    /// Defaults: 5 s per request, 3 attempts, 250 ms first backoff.
    #[must_use]
    pub fn new(url: Url) -> Self {
        Self {
            url,
            timeout: Duration::from_secs(5),
            max_attempts: 3,
            initial_backoff: Duration::from_millis(250),
            limits: QueueLimits {
                soft_cap: 1024,
                hard_cap: 8192,
                max_delta_bytes: 64 * 1024,
            },
        }
    }
}

/// POSTs events to a webhook.
#[derive(Debug)]
pub struct WebhookHookSink {
    core: Arc<QueueCore>,
    url: Url,
}

impl WebhookHookSink {
    /// Starts the sink's background task.
    #[must_use]
    pub fn new(options: WebhookOptions) -> Self {
        let core = QueueCore::new("webhook", options.limits);
        let worker = Arc::clone(&core);
        let url = options.url.clone();
        spawn_background("webhook", async move { run(&worker, options).await });
        Self { core, url }
    }

    /// The endpoint.
    #[must_use]
    pub fn url(&self) -> &Url {
        &self.url
    }
}

queue_sink_impl!(WebhookHookSink);

enum Attempt {
    Done,
    Retry(String),
    GiveUp(String),
}

async fn run(core: &QueueCore, options: WebhookOptions) {
    let client = match reqwest::Client::builder()
        .timeout(options.timeout)
        .user_agent(concat!("codewhale-hooks/", env!("CARGO_PKG_VERSION")))
        .build()
    {
        Ok(client) => client,
        Err(e) => {
            core.error(&format_args!("cannot build the webhook client: {e}"));
            return;
        }
    };
    let mut batch = VecDeque::new();
    while core.next_batch(&mut batch).await {
        for item in batch.drain(..) {
            let envelope = item.into_envelope();
            let body = match serde_json::to_vec(&*envelope) {
                Ok(body) => body,
                Err(e) => {
                    core.error(&format_args!("cannot encode an event: {e}"));
                    CounterCells::add(&core.counters.discarded, 1);
                    continue;
                }
            };
            if deliver(core, &client, &options, body).await {
                CounterCells::add(&core.counters.sent, 1);
            } else {
                CounterCells::add(&core.counters.discarded, 1);
            }
        }
    }
}

async fn deliver(
    core: &QueueCore,
    client: &reqwest::Client,
    options: &WebhookOptions,
    body: Vec<u8>,
) -> bool {
    let mut backoff = options.initial_backoff;
    for attempt in 1..=options.max_attempts.max(1) {
        let outcome = match client
            .post(options.url.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.clone())
            .send()
            .await
        {
            Ok(response) if response.status().is_success() => Attempt::Done,
            Ok(response) => {
                let status = response.status();
                let what = format!("webhook {} answered {status}", options.url);
                // Client errors other than timeouts and rate limits will not
                // get better by asking again.
                if status.is_client_error() && status != 408 && status != 429 {
                    Attempt::GiveUp(what)
                } else {
                    Attempt::Retry(what)
                }
            }
            Err(e) => Attempt::Retry(format!("webhook {} failed: {e}", options.url)),
        };
        match outcome {
            Attempt::Done => return true,
            Attempt::GiveUp(what) => {
                core.error(&what);
                return false;
            }
            Attempt::Retry(what) if attempt == options.max_attempts.max(1) => {
                core.error(&format_args!("{what}; gave up after {attempt} attempts"));
                return false;
            }
            Attempt::Retry(what) => {
                tracing::debug!(attempt, "{what}; retrying in {backoff:?}");
                tokio::time::sleep(backoff).await;
                backoff = backoff.saturating_mul(2);
            }
        }
    }
    false
}
