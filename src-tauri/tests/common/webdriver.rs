//! WebDriver for the widget: `tauri-driver` (the pinned one scripts/test
//! installs) starts the real app and hands its WebKit webview to
//! `WebKitWebDriver`; these read and press what a user sees.

use std::net::TcpListener;
use std::path::Path;
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};

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
    let mut last = None;
    for _ in 0..100 {
        match ClientBuilder::rustls()
            .unwrap()
            .capabilities(capabilities.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(client) => return client,
            Err(e) => last = Some(e),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!(
        "no WebDriver session: {last:?}; the driver and app said: {}",
        std::fs::read_to_string(log).unwrap_or_default()
    );
}

/// Waits until `css` matches `count` elements (text checked by `check`).
pub async fn wait_count(client: &Client, css: &str, want: usize, what: &str) {
    for _ in 0..200 {
        if let Ok(found) = client.find_all(Locator::Css(css)).await
            && found.len() == want
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let page = client.source().await.unwrap_or_default();
    panic!("{what}: expected {want} of {css}; the page: {page}");
}

/// The text of the first element matching `css`, read again if the board
/// re-rendered it between finding and reading.
pub async fn text(client: &Client, css: &str) -> String {
    for _ in 0..50 {
        if let Ok(element) = client.find(Locator::Css(css)).await
            && let Ok(text) = element.prop("textContent").await
        {
            return text.unwrap_or_default();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("cannot read {css}");
}

/// Whether the first element matching `css` is shown (as `text`).
pub async fn displayed(client: &Client, css: &str) -> bool {
    for _ in 0..50 {
        if let Ok(element) = client.find(Locator::Css(css)).await
            && let Ok(shown) = element.is_displayed().await
        {
            return shown;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("cannot see {css}");
}

/// Clicks the first element matching `css`, again if the board re-rendered
/// it between finding and clicking.
pub async fn click(client: &Client, css: &str) {
    for _ in 0..50 {
        if let Ok(element) = client.find(Locator::Css(css)).await
            && element.click().await.is_ok()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("cannot click {css}");
}
