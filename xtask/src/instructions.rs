//! Instructions per request: how many user-space instructions a target runs for each request,
//! counted by valgrind's callgrind under a light load. Unlike requests per second, the count
//! does not move with what else the machine is doing, so two builds (or two proxies) compare
//! exactly; kernel time (the same syscalls for every target here) is not in it.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::process::{Proc, Result, have, run, start, wait_port};

/// Requests are counted over this long, after a warm-up of the same length.
const WINDOW: &str = "4s";

/// What one target is: the command to run under callgrind, where it listens, what to ask it.
pub struct Target<'a> {
    pub name: &'a str,
    pub command: Command,
    pub port: u16,
    pub url: String,
    /// The MCP tool and its arguments (JSON), for the wrk script; `None` for a REST `GET`.
    pub mcp: Option<(&'a str, &'a str)>,
}

/// Instructions per request of `target`, or why there is no count.
pub fn per_request(dir: &Path, target: Target<'_>, lua: &Path) -> Result<f64> {
    if !(have("valgrind") && have("callgrind_control")) {
        return Err("valgrind is not installed".into());
    }
    let out = dir.join(format!("callgrind-{}.out", target.name));
    for old in std::fs::read_dir(dir).map_err(|e| e.to_string())?.flatten() {
        if old
            .file_name()
            .to_string_lossy()
            .starts_with(&format!("callgrind-{}.out", target.name))
        {
            let _ = std::fs::remove_file(old.path());
        }
    }
    let program = target.command.get_program().to_owned();
    let args: Vec<_> = target.command.get_args().map(ToOwned::to_owned).collect();
    let mut valgrind = Command::new("valgrind");
    valgrind
        .arg("--tool=callgrind")
        .arg(format!("--callgrind-out-file={}", out.display()))
        .arg(program)
        .args(args);
    for (key, value) in target.command.get_envs() {
        if let Some(value) = value {
            valgrind.env(key, value);
        }
    }
    let proc: Proc = start(&mut valgrind)?;
    wait_port(target.port)?;
    let pid = proc.0.id().to_string();
    let wrk = || {
        let mut cmd = Command::new("wrk");
        cmd.args(["-t1", "-c4", "-d", WINDOW, "--timeout", "10s"]);
        if let Some((tool, args)) = target.mcp {
            cmd.arg("-s").arg(lua).env("TOOL", tool).env("ARGS", args);
        }
        run(cmd.arg(&target.url))
    };
    wrk()?;
    run(Command::new("callgrind_control").args(["-z", &pid]))?;
    let report = wrk()?;
    run(Command::new("callgrind_control").args(["-d", &pid]))?;
    std::thread::sleep(Duration::from_millis(500));
    drop(proc);
    let requests: f64 = report
        .lines()
        .find(|l| l.contains("requests in"))
        .and_then(|l| l.split_whitespace().next()?.parse().ok())
        .ok_or("wrk reported no requests")?;
    // The dump after the zeroing: the largest part file (the one written at exit holds only
    // what ran after the dump).
    let mut dumps: Vec<(u64, std::path::PathBuf)> = std::fs::read_dir(dir)
        .map_err(|e| e.to_string())?
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with(&format!("callgrind-{}.out.", target.name))
        })
        .filter_map(|e| Some((e.metadata().ok()?.len(), e.path())))
        .collect();
    dumps.sort();
    let (_, dump) = dumps.pop().ok_or("callgrind wrote no dump")?;
    let text = std::fs::read_to_string(&dump).map_err(|e| e.to_string())?;
    let total: f64 = text
        .lines()
        .find_map(|l| {
            l.strip_prefix("summary:")
                .or_else(|| l.strip_prefix("totals:"))
        })
        .and_then(|n| n.trim().parse().ok())
        .ok_or("no totals in the callgrind dump")?;
    Ok(total / requests)
}
