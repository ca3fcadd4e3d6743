//! The `island` binary; see `lib.rs`.

fn main() -> std::process::ExitCode {
    island_app::run()
}
