//! WebDriver for the widget: `tauri-driver` (the pinned one scripts/test
//! installs) starts the real app and hands its WebKit webview to
//! `WebKitWebDriver`; these read and press what a user sees.

use std::net::TcpListener;
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use island_test_support::poll;

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The pinned driver scripts/test installs; one found on PATH could be
/// any version, so it is never taken.
pub fn driver() -> std::ffi::OsString {
    std::env::var_os("TAURI_DRIVER").expect(
        "TAURI_DRIVER must name the pinned tauri-driver: run scripts/test, which installs it and sets it",
    )
}

/// A WebDriver session on the driver at `port` that starts `application`
/// with `args`; `log` is where the driver and app write (shown on failure).
pub async fn connect(port: u16, application: &Path, args: &[String], log: &Path) -> Client {
    let capabilities = serde_json::json!({
        "tauri:options": { "application": application, "args": args }
    });
    let serde_json::Value::Object(capabilities) = capabilities else {
        unreachable!()
    };
    // Two rustls providers are linked in; a plain-HTTP client needs neither,
    // but the builder asks for one.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let last = Mutex::new(None);
    poll::value_await(
        || {
            format!(
                "a WebDriver session: {:?}; the driver and app said: {}",
                last.lock().unwrap(),
                std::fs::read_to_string(log).unwrap_or_default()
            )
        },
        Duration::from_secs(20),
        async || match ClientBuilder::rustls()
            .unwrap()
            .capabilities(capabilities.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(client) => Some(client),
            Err(e) => {
                *last.lock().unwrap() = Some(e);
                None
            }
        },
    )
    .await
}

/// Waits until `css` matches `count` elements (text checked by `check`).
pub async fn wait_count(client: &Client, css: &str, want: usize, what: &str) {
    poll::until_await(
        || {
            // Read only on failure, from the multi-thread runtime the
            // WebDriver tests run on.
            let page = tokio::task::block_in_place(|| {
                tokio::runtime::Handle::current()
                    .block_on(client.source())
                    .unwrap_or_default()
            });
            format!("{what}: expected {want} of {css}; the page: {page}")
        },
        Duration::from_secs(10),
        async || {
            client
                .find_all(Locator::Css(css))
                .await
                .is_ok_and(|found| found.len() == want)
        },
    )
    .await;
}

/// The text of the first element matching `css`, read again if the board
/// re-rendered it between finding and reading.
pub async fn text(client: &Client, css: &str) -> String {
    poll::value_await(
        || format!("{css} to be read"),
        Duration::from_millis(2500),
        async || {
            let element = client.find(Locator::Css(css)).await.ok()?;
            let text = element.prop("textContent").await.ok()?;
            Some(text.unwrap_or_default())
        },
    )
    .await
}

/// Whether the first element matching `css` is shown (as `text`).
pub async fn displayed(client: &Client, css: &str) -> bool {
    poll::value_await(
        || format!("{css} to be seen"),
        Duration::from_millis(2500),
        async || {
            let element = client.find(Locator::Css(css)).await.ok()?;
            element.is_displayed().await.ok()
        },
    )
    .await
}

/// Clicks the first element matching `css`, again if the board re-rendered
/// it between finding and clicking.
pub async fn click(client: &Client, css: &str) {
    poll::until_await(
        || format!("a click on {css}"),
        Duration::from_millis(2500),
        async || {
            let Ok(element) = client.find(Locator::Css(css)).await else {
                return false;
            };
            element.click().await.is_ok()
        },
    )
    .await;
}
