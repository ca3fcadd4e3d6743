//! Linux: the compositor's globals, through `wayland-client`.

use std::sync::mpsc;
use std::time::Duration;

use wayland_client::globals::{GlobalListContents, registry_queue_init};
use wayland_client::protocol::wl_registry;
use wayland_client::{Connection, Dispatch, QueueHandle};

/// How long a compositor may take to list its globals.
const PATIENCE: Duration = Duration::from_secs(3);

struct Probe;

impl Dispatch<wl_registry::WlRegistry, GlobalListContents> for Probe {
    fn event(
        _: &mut Self,
        _: &wl_registry::WlRegistry,
        _: wl_registry::Event,
        _: &GlobalListContents,
        _: &Connection,
        _: &QueueHandle<Self>,
    ) {
    }
}

/// The interfaces the compositor of `WAYLAND_DISPLAY` offers. A compositor
/// that does not answer within a few seconds is an error, not a hang.
///
/// # Errors
/// Why the compositor could not be asked.
pub fn wayland_globals() -> Result<Vec<String>, String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(ask()); // the asker may have given up
    });
    rx.recv_timeout(PATIENCE)
        .unwrap_or_else(|_| Err(format!("no answer in {} s", PATIENCE.as_secs())))
}

fn ask() -> Result<Vec<String>, String> {
    let connection = Connection::connect_to_env().map_err(|e| e.to_string())?;
    let (globals, _queue) = registry_queue_init::<Probe>(&connection).map_err(|e| e.to_string())?;
    Ok(globals
        .contents()
        .clone_list()
        .into_iter()
        .map(|g| g.interface)
        .collect())
}
