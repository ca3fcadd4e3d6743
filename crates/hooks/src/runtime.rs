//! Where sink background tasks run: on the agent's tokio runtime when there
//! is one, otherwise on a small runtime thread of the sink's own, so that
//! agents without tokio can use every sink too.

use std::future::Future;

pub(crate) fn spawn_background<F>(name: &str, task: F)
where
    F: Future<Output = ()> + Send + 'static,
{
    if let Ok(handle) = tokio::runtime::Handle::try_current() {
        handle.spawn(task);
        return;
    }
    let thread_name = format!("hooks-{name}");
    let spawned = std::thread::Builder::new()
        .name(thread_name)
        .spawn(move || {
            match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(runtime) => runtime.block_on(task),
                Err(e) => tracing::error!("cannot start the hook sink runtime: {e}"),
            }
        });
    if let Err(e) = spawned {
        tracing::error!("cannot start the hook sink thread: {e}");
    }
}
