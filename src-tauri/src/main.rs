//! The `island-app` binary, the tray app; see `lib.rs`.

fn main() -> std::process::ExitCode {
    island_app::run()
}
