//! Running the programs the benchmarks drive: commands, child processes stopped when dropped, and
//! waiting for a port.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A result whose error is a sentence for the report.
pub(crate) type Result<T> = std::result::Result<T, String>;

/// A child process, stopped when dropped.
pub(crate) struct Proc(pub(crate) Child);

impl Drop for Proc {
    /// SIGTERM first: nginx's master stops its workers on it (SIGKILL would leave them running).
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        for _ in 0..50 {
            if matches!(self.0.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Run `cmd` to its end: its standard output, or why it failed.
pub(crate) fn run(cmd: &mut Command) -> Result<String> {
    let out = cmd.output().map_err(|e| format!("{cmd:?}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{cmd:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Whether `tool` is on the `PATH`.
pub(crate) fn have(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Wait (at most 30 s) until something accepts connections on `port` of loopback.
pub(crate) fn wait_port(port: u16) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Err(format!("nothing listens on port {port}"))
}

/// Start `cmd` with its output discarded.
pub(crate) fn start(cmd: &mut Command) -> Result<Proc> {
    cmd.stdout(Stdio::null()).stderr(Stdio::null());
    Ok(Proc(cmd.spawn().map_err(|e| format!("{cmd:?}: {e}"))?))
}
