//! The `[hooks]` table of an agent's `config.toml`, and the wiring that
//! builds a [`HookDispatcher`] from it.
//!
//! ```toml
//! [hooks]
//! sinks = ["unix-socket", "jsonl"]      # or: sink = "unix-socket"
//! socket_path = "~/.codewhale/run/island.sock"   # optional
//! jsonl_path = "~/.codewhale/hooks.jsonl"
//! webhook_url = "https://example.com/hook"
//! ```
//!
//! Upstream CodeWhale's `[hook_sinks] unix_socket_path` is read too. With no
//! `[hooks]` table at all, the Unix-socket sink is on: it costs nothing
//! when Island is not running. `sinks = []` turns every sink off.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use url::Url;

use crate::dispatcher::HookDispatcher;
use crate::line_sinks::{JsonlHookSink, StdoutHookSink};
use crate::session::SessionInfo;
use crate::sink::HookSink;
use crate::unix_socket::{UnixSocketHookSink, UnixSocketOptions};
use crate::webhook::{WebhookHookSink, WebhookOptions};

/// The sink names `[hooks]` accepts.
pub const SINK_NAMES: [&str; 4] = ["unix-socket", "jsonl", "webhook", "stdout"];

/// The `[hooks]` table as written. Every key is optional; [`resolve`]
/// checks them.
///
/// [`resolve`]: HooksConfig::resolve
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct HooksConfig {
    /// One sink (`sink = "unix-socket"`).
    #[serde(default)]
    pub sink: Option<String>,
    /// Several sinks.
    #[serde(default)]
    pub sinks: Option<Vec<String>>,
    /// Island's socket; default from `island_protocol::resolve_socket_path`.
    #[serde(default)]
    pub socket_path: Option<PathBuf>,
    /// The JSONL file.
    #[serde(default)]
    pub jsonl_path: Option<PathBuf>,
    /// The webhook endpoint.
    #[serde(default)]
    pub webhook_url: Option<String>,
}

/// Upstream CodeWhale's `[hook_sinks]` table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct HookSinksUpstream {
    /// Island's socket; turns the Unix-socket sink on.
    #[serde(default)]
    pub unix_socket_path: Option<PathBuf>,
}

/// One sink to build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SinkSpec {
    /// Stream to Island.
    UnixSocket {
        /// The socket.
        path: PathBuf,
    },
    /// Append to a file.
    Jsonl {
        /// The file.
        path: PathBuf,
    },
    /// POST to a URL.
    Webhook {
        /// The endpoint.
        url: Url,
    },
    /// Print on standard output.
    Stdout,
}

/// The checked configuration: which sinks to build, with their settings.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ResolvedHooks {
    /// The sinks, in the order given.
    pub sinks: Vec<SinkSpec>,
}

/// A `[hooks]` mistake, said so that the user can fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HooksConfigError {
    /// A sink name that does not exist.
    #[error("[hooks]: unknown sink \"{name}\"; valid sinks are: {}", SINK_NAMES.join(", "))]
    UnknownSink {
        /// The name given.
        name: String,
    },
    /// A sink without the key it needs.
    #[error("[hooks]: the {sink} sink needs `{key}` (for example {example})")]
    MissingKey {
        /// The sink.
        sink: &'static str,
        /// The key.
        key: &'static str,
        /// A sample line.
        example: &'static str,
    },
    /// Both `sink` and `sinks`.
    #[error("[hooks]: set either `sink` or `sinks`, not both")]
    SinkAndSinks,
    /// The same sink twice.
    #[error("[hooks]: the {0} sink is listed twice")]
    Duplicate(&'static str),
    /// A webhook URL that is not an http(s) URL.
    #[error("[hooks]: webhook_url {url:?} is not a valid http or https URL: {reason}")]
    BadUrl {
        /// The URL given.
        url: String,
        /// Why not.
        reason: String,
    },
    /// A path that cannot be used.
    #[error("[hooks]: {0}")]
    Path(#[from] island_protocol::SocketPathError),
}

impl HooksConfig {
    /// Checks the table and resolves every path, with `~` expanded.
    ///
    /// `hooks` is `None` when the config has no `[hooks]` table; `upstream`
    /// is the `[hook_sinks]` table, if any.
    ///
    /// # Errors
    /// See [`HooksConfigError`]; every message names the valid choices.
    pub fn resolve(
        hooks: Option<&Self>,
        upstream: Option<&HookSinksUpstream>,
    ) -> Result<ResolvedHooks, HooksConfigError> {
        Self::resolve_with(hooks, upstream, |k| std::env::var_os(k))
    }

    /// [`resolve`](Self::resolve) with `lookup` as the environment.
    ///
    /// # Errors
    /// See [`HooksConfigError`].
    pub fn resolve_with(
        hooks: Option<&Self>,
        upstream: Option<&HookSinksUpstream>,
        lookup: impl Fn(&str) -> Option<std::ffi::OsString> + Copy,
    ) -> Result<ResolvedHooks, HooksConfigError> {
        let upstream_socket = upstream.and_then(|u| u.unix_socket_path.as_deref());
        let default = Self::default();
        let hooks_table = hooks.unwrap_or(&default);
        let names: Vec<String> = match (&hooks_table.sink, &hooks_table.sinks) {
            (Some(_), Some(_)) => return Err(HooksConfigError::SinkAndSinks),
            (Some(one), None) => vec![one.clone()],
            (None, Some(many)) => many.clone(),
            // No list: Island's sink is on by default (upstream's
            // `[hook_sinks] unix_socket_path` then gives its path).
            (None, None) => vec!["unix-socket".into()],
        };
        let home = || lookup("HOME").filter(|h| !h.is_empty()).map(PathBuf::from);
        let expand = |p: &Path| island_protocol::socket_path::expand_tilde(p, home);
        let mut sinks = Vec::with_capacity(names.len());
        for name in &names {
            let spec =
                match canonical(name)? {
                    "unix-socket" => {
                        let explicit = hooks_table.socket_path.as_deref().or(upstream_socket);
                        SinkSpec::UnixSocket {
                            path: island_protocol::resolve_socket_path_with(explicit, lookup)?,
                        }
                    }
                    "jsonl" => {
                        let path = hooks_table.jsonl_path.as_deref().ok_or(
                            HooksConfigError::MissingKey {
                                sink: "jsonl",
                                key: "jsonl_path",
                                example: "jsonl_path = \"~/.codewhale/hooks.jsonl\"",
                            },
                        )?;
                        SinkSpec::Jsonl {
                            path: expand(path)?,
                        }
                    }
                    "webhook" => {
                        let url = hooks_table.webhook_url.as_deref().ok_or(
                            HooksConfigError::MissingKey {
                                sink: "webhook",
                                key: "webhook_url",
                                example: "webhook_url = \"https://example.com/hook\"",
                            },
                        )?;
                        SinkSpec::Webhook {
                            url: parse_url(url)?,
                        }
                    }
                    _ => SinkSpec::Stdout,
                };
            let kind = spec_name(&spec);
            if sinks.iter().any(|s| spec_name(s) == kind) {
                return Err(HooksConfigError::Duplicate(kind));
            }
            sinks.push(spec);
        }
        Ok(ResolvedHooks { sinks })
    }
}

fn canonical(name: &str) -> Result<&'static str, HooksConfigError> {
    let normal = name.trim().to_ascii_lowercase().replace('_', "-");
    SINK_NAMES
        .into_iter()
        .find(|n| *n == normal)
        .ok_or_else(|| HooksConfigError::UnknownSink {
            name: name.to_owned(),
        })
}

fn spec_name(spec: &SinkSpec) -> &'static str {
    match spec {
        SinkSpec::UnixSocket { .. } => "unix-socket",
        SinkSpec::Jsonl { .. } => "jsonl",
        SinkSpec::Webhook { .. } => "webhook",
        SinkSpec::Stdout => "stdout",
    }
}

fn parse_url(text: &str) -> Result<Url, HooksConfigError> {
    let bad = |reason: String| HooksConfigError::BadUrl {
        url: text.to_owned(),
        reason,
    };
    let url = Url::parse(text).map_err(|e| bad(e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad(format!("the scheme is {}", url.scheme())));
    }
    Ok(url)
}

/// Builds the dispatcher an agent uses, with one sink per [`SinkSpec`].
/// The sinks' background tasks start on the current tokio runtime, or on a
/// thread of their own when there is none.
#[must_use]
pub fn build_dispatcher(resolved: &ResolvedHooks, session: &SessionInfo) -> HookDispatcher {
    let sinks = resolved
        .sinks
        .iter()
        .map(|spec| -> Box<dyn HookSink> {
            match spec {
                SinkSpec::UnixSocket { path } => Box::new(UnixSocketHookSink::new(
                    UnixSocketOptions::new(path.clone(), session.clone()),
                )),
                SinkSpec::Jsonl { path } => Box::new(JsonlHookSink::new(path.clone())),
                SinkSpec::Webhook { url } => {
                    Box::new(WebhookHookSink::new(WebhookOptions::new(url.clone())))
                }
                SinkSpec::Stdout => Box::new(StdoutHookSink::new()),
            }
        })
        .collect();
    HookDispatcher::new(sinks)
}
