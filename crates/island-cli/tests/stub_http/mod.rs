//! The HTTP side of the stub model servers: one request per connection
//! (`Connection: close`), on 127.0.0.1, each answered by `reply` from its
//! request line and body.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

/// The command a stub's model asks the agent to run next; the test sets
/// it, the server reads it. Clones share it.
#[derive(Clone)]
pub struct Asked(Arc<Mutex<String>>);

impl Asked {
    /// At first, `true`.
    pub fn new() -> Self {
        Self(Arc::new(Mutex::new("true".to_owned())))
    }

    /// The command the next prompts ask to run.
    pub fn ask_to_run(&self, command: &str) {
        *self.0.lock().expect("the stub's lock") = command.to_owned();
    }

    /// The command asked now.
    pub fn command(&self) -> String {
        self.0.lock().expect("the stub's lock").clone()
    }
}

/// An answer: status line (`200 OK`), content type, body.
pub type Answer = (&'static str, &'static str, String);

/// Serves on a port of its own until the test process ends; returns the
/// port.
pub fn serve(reply: impl Fn(&str, &[u8]) -> Answer + Send + Sync + 'static) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind the stub");
    let port = listener.local_addr().expect("its address").port();
    let reply = Arc::new(reply);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let reply = Arc::clone(&reply);
            std::thread::spawn(move || answer(stream, &*reply));
        }
    });
    port
}

fn answer(stream: TcpStream, reply: &dyn Fn(&str, &[u8]) -> Answer) {
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    let mut length = 0usize;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).is_err() {
            return;
        }
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut body = vec![0; length];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let (status, content_type, text) = reply(&request_line, &body);
    let head = format!(
        "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        text.len()
    );
    let _ = writer.write_all(head.as_bytes());
    let _ = writer.write_all(text.as_bytes());
}
