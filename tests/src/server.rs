//! The generated server binary, started as a real process on loopback ports.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

/// The generated crate's package and binary name.
pub const PACKAGE: &str = "humanitec-tokeninfo";
/// Its REST adapter's namespace.
pub const REST: &str = "humanitec-tokeninfo-rest";
/// Its MCP adapter's namespace.
pub const MCP: &str = "humanitec-tokeninfo-mcp";

/// Build the generated binary once (cargo's own build, so it is never stale) and return its path.
pub fn binary() -> PathBuf {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY
        .get_or_init(|| {
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
            let output = Command::new(cargo)
                .args([
                    "build",
                    "--quiet",
                    "--package",
                    PACKAGE,
                    "--bin",
                    PACKAGE,
                    "--message-format=json",
                ])
                .current_dir(crate::workspace_root())
                .stderr(Stdio::inherit())
                .output()
                .expect("run cargo build");
            assert!(
                output.status.success(),
                "cargo build of the generated server failed"
            );
            String::from_utf8_lossy(&output.stdout)
                .lines()
                .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
                .filter(|m| m["target"]["name"] == PACKAGE)
                .find_map(|m| m["executable"].as_str().map(PathBuf::from))
                .expect("cargo reported the server executable")
        })
        .clone()
}

/// A running generated server; killed when dropped.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:<port>` of the REST adapter.
    pub rest: String,
    /// `http://127.0.0.1:<port>` of the MCP adapter.
    pub mcp: String,
    stderr: Arc<Mutex<String>>,
}

impl Server {
    /// Start the server against `upstream` with `HUMANITEC_API_KEY=key`, both adapters on port 0.
    pub fn start(upstream: &str, key: &str, extra: &[&str]) -> Server {
        let mut command = Command::new(binary());
        command
            .arg("serve")
            .args(["--listen", &format!("{REST}=127.0.0.1:0")])
            .args(["--listen", &format!("{MCP}=127.0.0.1:0")])
            .args(["--upstream", &format!("humanitec-tokeninfo={upstream}")])
            .args(extra)
            .env("HUMANITEC_API_KEY", key)
            .env("RUST_LOG", "debug");
        Self::spawn(command)
    }

    /// Spawn `command` and wait for both "listening on" lines.
    pub fn spawn(mut command: Command) -> Server {
        for var in [
            "NAFTIKO_LISTEN",
            "NAFTIKO_UPSTREAM",
            "NAFTIKO_ALLOWED_ORIGIN",
            "NAFTIKO_ALLOWED_HOST",
        ] {
            command.env_remove(var);
        }
        let mut child = command
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the generated server");
        let stderr = child.stderr.take().expect("stderr is piped");
        let log = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = mpsc::channel();
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some((ns, url)) = line.split_once(" listening on ") {
                    let _ = tx.send((ns.to_owned(), url.to_owned()));
                }
                let mut log = sink.lock().expect("log lock");
                log.push_str(&line);
                log.push('\n');
            }
        });
        let (mut rest, mut mcp) = (None, None);
        while rest.is_none() || mcp.is_none() {
            match rx.recv_timeout(Duration::from_secs(30)) {
                Ok((ns, url)) if ns == REST => rest = Some(url),
                Ok((ns, url)) if ns == MCP => mcp = Some(url),
                Ok(_) => {}
                Err(_) => {
                    let _ = child.kill();
                    panic!(
                        "the server did not report both adapters; stderr:\n{}",
                        log.lock().expect("log lock")
                    );
                }
            }
        }
        Server {
            child,
            rest: rest.unwrap_or_default(),
            mcp: mcp.unwrap_or_default(),
            stderr: log,
        }
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Wait up to `timeout` for the process to exit; its exit code (`None`: still running or
    /// killed by a signal).
    pub fn wait_for_exit(&mut self, timeout: Duration) -> Option<i32> {
        let deadline = std::time::Instant::now() + timeout;
        while std::time::Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    /// Everything the server wrote to stderr so far.
    pub fn stderr(&self) -> String {
        self.stderr.lock().expect("log lock").clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
