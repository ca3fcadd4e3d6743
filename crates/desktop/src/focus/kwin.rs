//! KDE Plasma on Wayland: KWin's scripting D-Bus API (`org.kde.KWin`,
//! `/Scripting`). No other program may activate a window there, so Island
//! loads a small script for one run: it activates the window of the
//! nearest process of the agent's ancestry (or reads which window is
//! active), checks the result inside KWin, and calls back to Island over
//! D-Bus with the pid it found. Only a call from KWin's own connection is
//! taken, on an object path with a random token; no answer within a
//! moment, or no KWin, fails closed with the reason.

use std::io::Write;
use std::time::Duration;

use tokio::sync::mpsc;

use super::Desktop;

/// How long KWin may take to run the script and call back.
const PATIENCE: Duration = Duration::from_millis(1500);

/// How long unloading the script may take.
const UNLOAD: Duration = Duration::from_millis(500);

/// The interface KWin's script calls back on.
const REPLY: &str = "org.island.KWinReply";

/// Activates the window of the first of `pids` that has one.
pub(super) fn focus(pids: &[u32], desktop: &Desktop) -> Result<(), String> {
    let body = format!(
        "const pids = {pids:?};\n\
         let done = 0;\n\
         for (const pid of pids) {{\n\
         \x20 const w = windows().find(c => c.pid === pid && c.normalWindow);\n\
         \x20 if (!w) continue;\n\
         \x20 if ('activeWindow' in workspace) workspace.activeWindow = w; else workspace.activeClient = w;\n\
         \x20 if (active() === w) done = pid;\n\
         \x20 break;\n\
         }}\n\
         reply(done);\n"
    );
    match run(&body, desktop)? {
        0 => Err("KWin has no window for the agent or any of its parent processes".into()),
        _ => Ok(()),
    }
}

/// Whether KWin's active window belongs to one of `pids`.
pub(super) fn focused(pids: &[u32], desktop: &Desktop) -> Result<bool, String> {
    let pid = run("const w = active();\nreply(w ? w.pid : 0);\n", desktop)?;
    Ok(pid != 0 && pids.contains(&pid))
}

/// What the script calls back with.
struct Reply {
    kwin: String,
    tx: mpsc::UnboundedSender<u32>,
}

#[zbus::interface(name = "org.island.KWinReply")]
impl Reply {
    /// `pid` as text: a script's numbers may reach D-Bus as integers or
    /// doubles.
    fn done(&self, pid: &str, #[zbus(header)] header: zbus::message::Header<'_>) {
        // Only KWin's own connection answers.
        if header.sender().is_some_and(|s| s.as_str() == self.kwin) {
            let _ = self.tx.send(pid.parse().unwrap_or(0)); // the waiter may have given up
        }
    }
}

/// Runs `body` in KWin (with `windows()`, `active()` and `reply(pid)`
/// defined, for KWin 5 and 6) and gives what it replied. Blocking, on a
/// thread of its own (so that a caller inside an async runtime is fine).
fn run(body: &str, desktop: &Desktop) -> Result<u32, String> {
    let body = body.to_owned();
    let bus = desktop.bus.clone();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        runtime.block_on(async {
            tokio::time::timeout(PATIENCE * 2 + UNLOAD, run_async(&body, bus.as_deref()))
                .await
                .unwrap_or_else(|_| Err("KWin did not answer".into()))
        })
    })
    .join()
    .unwrap_or_else(|_| Err("asking KWin failed".into()))
}

/// A D-Bus failure, for people.
fn why(e: zbus::Error) -> String {
    format!("KWin's scripting over D-Bus: {e}")
}

/// A call to KWin's `interface` at `object`.
async fn kwin_call<B>(
    conn: &zbus::Connection,
    object: &str,
    interface: &str,
    method: &str,
    body: &B,
) -> Result<zbus::Message, String>
where
    B: serde::Serialize + zbus::zvariant::DynamicType,
{
    conn.call_method(Some("org.kde.KWin"), object, Some(interface), method, body)
        .await
        .map_err(why)
}

async fn run_async(body: &str, bus: Option<&str>) -> Result<u32, String> {
    let conn = match bus {
        Some(address) => zbus::connection::Builder::address(address).build().await,
        None => zbus::Connection::session().await,
    }
    .map_err(why)?;
    let kwin = owner_of_kwin(&conn).await?;
    let mut token = [0u8; 8];
    getrandom::fill(&mut token).map_err(|e| e.to_string())?;
    let token: String = token.iter().map(|b| format!("{b:02x}")).collect();
    let path = format!("/org/island/KWin/r{token}");
    let (tx, mut rx) = mpsc::unbounded_channel();
    conn.object_server()
        .at(path.as_str(), Reply { kwin, tx })
        .await
        .map_err(why)?;
    let me = conn
        .unique_name()
        .map(ToString::to_string)
        .ok_or("no name on the session bus")?;
    let script = format!(
        "function windows() {{ return workspace.windowList ? workspace.windowList() : workspace.clientList(); }}\n\
         function active() {{ return 'activeWindow' in workspace ? workspace.activeWindow : workspace.activeClient; }}\n\
         function reply(pid) {{ callDBus('{me}', '{path}', '{REPLY}', 'Done', String(pid)); }}\n\
         (function () {{\n{body}}})();\n"
    );
    let mut file = tempfile::Builder::new()
        .prefix("island-kwin-")
        .suffix(".js")
        .tempfile()
        .map_err(|e| e.to_string())?;
    file.write_all(script.as_bytes())
        .map_err(|e| e.to_string())?;
    let file_path = file.path().to_string_lossy().into_owned();
    let plugin = format!("island-{token}");
    let id: i32 = kwin_call(
        &conn,
        "/Scripting",
        "org.kde.kwin.Scripting",
        "loadScript",
        &(file_path.as_str(), plugin.as_str()),
    )
    .await?
    .body()
    .deserialize()
    .map_err(why)?;
    if id < 0 {
        return Err("KWin refused to load Island's script".into());
    }
    // KWin 6 names the script's object `/Scripting/ScriptN`, KWin 5 `/N`.
    let mut ran = Err("no script object".to_owned());
    for object in [format!("/Scripting/Script{id}"), format!("/{id}")] {
        ran = kwin_call(&conn, &object, "org.kde.kwin.Script", "run", &())
            .await
            .map(drop);
        if ran.is_ok() {
            break;
        }
    }
    let answer = match ran {
        Ok(()) => tokio::time::timeout(PATIENCE, rx.recv())
            .await
            .ok()
            .flatten()
            .ok_or_else(|| "KWin ran Island's script but did not answer".to_owned()),
        Err(e) => Err(e),
    };
    // Unloaded under a budget of its own: a script left loaded has run
    // already, and nothing else is to be done about it.
    let name = (plugin.as_str(),);
    let unload = kwin_call(
        &conn,
        "/Scripting",
        "org.kde.kwin.Scripting",
        "unloadScript",
        &name,
    );
    let _ = tokio::time::timeout(UNLOAD, unload).await;
    answer
}

/// The unique name of the connection that owns `org.kde.KWin`.
async fn owner_of_kwin(conn: &zbus::Connection) -> Result<String, String> {
    let reply = conn
        .call_method(
            Some("org.freedesktop.DBus"),
            "/org/freedesktop/DBus",
            Some("org.freedesktop.DBus"),
            "GetNameOwner",
            &("org.kde.KWin",),
        )
        .await
        .map_err(|e| format!("KWin is not on the session bus: {e}"))?;
    reply
        .body()
        .deserialize::<String>()
        .map_err(|e| e.to_string())
}
