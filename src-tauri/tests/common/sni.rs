//! A tray host's view of the app's StatusNotifierItem: found through the
//! watcher, its dbusmenu layout read and its entries clicked over D-Bus, as
//! a panel does.

#![allow(dead_code, clippy::unwrap_used)]

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use island_test_support::poll;
use zbus::{OwnedObjectPath, OwnedVariant as OwnedValue, Variant as Value};

/// One dbusmenu entry: id, label, enabled, children.
#[derive(Debug, Clone)]
struct Entry {
    id: i32,
    label: String,
    toggle: Option<i32>,
    children: Vec<Entry>,
}

impl Entry {
    fn flatten(&self, out: &mut Vec<(i32, String)>) {
        out.push((self.id, self.label.clone()));
        for child in &self.children {
            child.flatten(out);
        }
    }

    fn find(&self, label: &str) -> Option<&Entry> {
        if self.label == label {
            return Some(self);
        }
        self.children.iter().find_map(|c| c.find(label))
    }
}

fn label(props: &HashMap<String, OwnedValue>) -> String {
    props
        .get("label")
        .and_then(|v| String::try_from(v.clone()).ok())
        .unwrap_or_default()
}

fn entry(value: &Value<'_>) -> Entry {
    let value = match value {
        Value::Variant(inner) => inner.as_ref(),
        other => other,
    };
    let Value::Structure(s) = value else {
        panic!("a dbusmenu layout node is a structure, got {value:?}");
    };
    let fields = s.fields();
    let Value::I32(id) = fields[0] else {
        panic!("id: {:?}", fields[0]);
    };
    let mut text = String::new();
    let mut toggle = None;
    if let Value::Dict(dict) = &fields[1] {
        for (key, value) in dict.iter() {
            let value = match value {
                Value::Variant(inner) => inner.as_ref(),
                other => other,
            };
            match (key, value) {
                (Value::Str(key), Value::Str(value)) if key.as_str() == "label" => {
                    text = value.as_str().to_owned();
                }
                (Value::Str(key), Value::I32(state)) if key.as_str() == "toggle-state" => {
                    toggle = Some(*state);
                }
                _ => {}
            }
        }
    }
    let children = match &fields[2] {
        Value::Array(items) => items.iter().map(entry).collect(),
        _ => Vec::new(),
    };
    Entry {
        id,
        label: text,
        toggle,
        children,
    }
}

/// The first object under `path` that implements the item interface.
fn item_path<'a>(
    conn: &'a zbus::Connection,
    service: &'a str,
    path: String,
    depth: usize,
) -> std::pin::Pin<Box<dyn Future<Output = Option<String>> + Send + 'a>> {
    Box::pin(async move {
        let node = zbus::Proxy::new(
            conn,
            service.to_owned(),
            path.clone(),
            "org.freedesktop.DBus.Introspectable",
        )
        .await
        .ok()?;
        let xml: String = node.call("Introspect", &()).await.ok()?;
        if xml.contains("interface name=\"org.kde.StatusNotifierItem\"") {
            return Some(path);
        }
        if depth > 8 {
            return None;
        }
        for part in xml.split("<node name=\"").skip(1) {
            let name = part.split('"').next()?;
            let child = if path == "/" {
                format!("/{name}")
            } else {
                format!("{path}/{name}")
            };
            if let Some(found) = item_path(conn, service, child, depth + 1).await {
                return Some(found);
            }
        }
        None
    })
}

pub struct Tray {
    conn: zbus::Connection,
    service: String,
    menu: OwnedObjectPath,
}

impl Tray {
    /// Waits for the item to register with the watcher and finds its menu.
    pub async fn find(bus: &str, app_log: &std::path::Path) -> Self {
        let conn = zbus::connection::Builder::address(bus)
            .build()
            .await
            .unwrap();
        // The watcher announces no property changes: read them afresh.
        let watcher = zbus::proxy::Builder::<zbus::Proxy>::new(&conn)
            .destination("org.kde.StatusNotifierWatcher")
            .path("/StatusNotifierWatcher")
            .interface("org.kde.StatusNotifierWatcher")
            .cache_properties(zbus::proxy::CacheProperties::No)
            .build()
            .await
            .unwrap();
        let app_said = || std::fs::read_to_string(app_log).unwrap_or_default();
        let items: Vec<String> = poll::value_await(
            || format!("a registered tray item; the app said: {}", app_said()),
            Duration::from_secs(30),
            async || {
                let items: Vec<String> = watcher
                    .get_property("RegisteredStatusNotifierItems")
                    .await
                    .unwrap_or_default();
                (!items.is_empty()).then_some(items)
            },
        )
        .await;
        assert_eq!(
            items.len(),
            1,
            "one registered tray item: {items:?}; the app said: {}",
            app_said()
        );
        // "service/object/path", or a bare service (this watcher keeps
        // only the service; libayatana serves the item under its own
        // path), found as a panel does, by introspection.
        let (service, path) = match items[0].find('/') {
            Some(i) => (items[0][..i].to_owned(), items[0][i..].to_owned()),
            None => {
                let path = item_path(&conn, &items[0], "/".into(), 0)
                    .await
                    .expect("an object with org.kde.StatusNotifierItem");
                (items[0].clone(), path)
            }
        };
        let item = zbus::Proxy::new(&conn, service.clone(), path, "org.kde.StatusNotifierItem")
            .await
            .unwrap();
        let menu: OwnedObjectPath = item.get_property("Menu").await.unwrap();
        Self {
            conn,
            service,
            menu,
        }
    }

    async fn dbusmenu(&self) -> zbus::Proxy<'_> {
        zbus::Proxy::new(
            &self.conn,
            self.service.clone(),
            self.menu.clone(),
            "com.canonical.dbusmenu",
        )
        .await
        .unwrap()
    }

    /// The whole layout: the root's id, properties and children.
    async fn layout(&self) -> (i32, HashMap<String, OwnedValue>, Vec<OwnedValue>) {
        let menu = self.dbusmenu().await;
        type Layout = (u32, (i32, HashMap<String, OwnedValue>, Vec<OwnedValue>));
        let (_revision, root): Layout = menu
            .call("GetLayout", &(0i32, -1i32, Vec::<&str>::new()))
            .await
            .unwrap();
        root
    }

    /// Every entry as (id, label).
    pub async fn entries(&self) -> Vec<(i32, String)> {
        let (id, props, children) = self.layout().await;
        let mut out = vec![(id, label(&props))];
        for child in &children {
            entry(child).flatten(&mut out);
        }
        out
    }

    /// The check state of the entry labelled `label` (1 checked).
    pub async fn toggle_state(&self, label: &str) -> Option<i32> {
        let (_id, _props, children) = self.layout().await;
        children
            .iter()
            .find_map(|c| entry(c).find(label).map(|e| e.toggle))
            .flatten()
    }

    /// Waits until an entry's label satisfies `check`.
    pub async fn wait_for(&self, what: &str, check: impl Fn(&str) -> bool) -> (i32, String) {
        let last = Mutex::new(Vec::new());
        poll::value_await(
            || format!("a menu entry {what}; the menu: {:#?}", last.lock().unwrap()),
            Duration::from_secs(20),
            async || {
                let entries = self.entries().await;
                let found = entries.iter().find(|(_, label)| check(label)).cloned();
                *last.lock().unwrap() = entries;
                found
            },
        )
        .await
    }

    pub async fn click(&self, id: i32) {
        let menu = self.dbusmenu().await;
        let _: () = menu
            .call("Event", &(id, "clicked", Value::I32(0), 0u32))
            .await
            .unwrap();
    }
}
