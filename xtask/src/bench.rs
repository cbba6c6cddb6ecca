//! `cargo xtask bench`: the generated server side by side with nginx (REST) and FastMCP (MCP), in
//! one run on this machine, plus the generator's own speed. Writes `target/bench/report.md`.
//!
//! Everything runs on loopback: a fixed-response upstream (nginx serving JSON), nginx as a reverse
//! proxy, FastMCP's `from_openapi`, and the generated server (profile `server`). Targets are pinned
//! to CPU 0 (one worker each), the load generator (wrk, 32 connections) and the upstream to CPU 1.

use std::fmt::Write as _;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::process::{Proc, Result, have, run, start, wait_port};
use std::time::{Duration, Instant};

const KEY: &str = "bench-key-0123456789";
const WARMUP: &str = "2s";
const MEASURE: u64 = 6;
const ROUNDS: usize = 3;

fn free_port() -> Result<u16> {
    let l = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(l.local_addr().map_err(|e| e.to_string())?.port())
}

/// Install what the bench needs: nginx and wrk (Debian), FastMCP (a Python venv).
fn install(dir: &Path) -> Result<PathBuf> {
    let font = Path::new("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf");
    if !(have("nginx") && have("wrk") && have("perf") && have("valgrind") && font.exists()) {
        eprintln!("installing nginx-light, wrk, linux-perf, valgrind and fonts-dejavu-core …");
        let _ = run(Command::new("apt-get").args(["update", "-q"]));
        run(Command::new("apt-get").args([
            "install",
            "-y",
            "-q",
            "nginx-light",
            "wrk",
            "fonts-dejavu-core",
            "linux-perf",
            "valgrind",
        ]))?;
    }
    let venv = dir.join("venv");
    let python = venv.join("bin/python");
    if !python.exists() {
        eprintln!("creating a Python venv with fastmcp …");
        run(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
    }
    if run(Command::new(&python).args(["-c", "import fastmcp"])).is_err() {
        run(Command::new(venv.join("bin/pip")).args([
            "install",
            "-q",
            "fastmcp==4.2.3",
            "pyyaml",
        ]))?;
    }
    Ok(python)
}

/// utime + stime (clock ticks) and peak RSS (kB) of `pid` and its descendants.
/// `pid` and its descendants (nginx's workers are children of its master).
fn process_tree(pid: u32) -> Vec<u32> {
    let mut pids = vec![pid];
    if let Ok(entries) = std::fs::read_dir("/proc") {
        let all: Vec<(u32, u32)> = entries
            .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
            .filter_map(|p| {
                let stat = std::fs::read_to_string(format!("/proc/{p}/stat")).ok()?;
                let after = stat.rsplit_once(')')?.1;
                let ppid = after.split_whitespace().nth(1)?.parse().ok()?;
                Some((p, ppid))
            })
            .collect();
        let mut i = 0;
        while i < pids.len() {
            let parent = pids[i];
            pids.extend(all.iter().filter(|(_, pp)| *pp == parent).map(|(p, _)| *p));
            i += 1;
        }
    }
    pids
}

/// CPU ticks (user + system) and summed peak RSS (KiB) of `pid`'s process tree.
fn usage(pid: u32) -> (u64, u64) {
    let pids = process_tree(pid);
    let mut ticks = 0;
    let mut hwm = 0;
    for p in pids {
        if let Ok(stat) = std::fs::read_to_string(format!("/proc/{p}/stat"))
            && let Some(after) = stat.rsplit_once(')').map(|x| x.1)
        {
            let f: Vec<&str> = after.split_whitespace().collect();
            ticks += f.get(11).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0)
                + f.get(12).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
        }
        if let Ok(status) = std::fs::read_to_string(format!("/proc/{p}/status")) {
            hwm += status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
                .unwrap_or(0);
        }
    }
    (ticks, hwm)
}

/// A measure of a sample, for the ratios.
type Metric = fn(&Sample) -> f64;

#[derive(Debug, Clone, Default)]
struct Sample {
    rps: f64,
    p50_ms: f64,
    p99_ms: f64,
    cpu_us_per_req: f64,
    peak_rss_kb: u64,
    bad: u64,
}

fn millis(text: &str) -> f64 {
    let text = text.trim();
    let (n, unit) = text.split_at(
        text.find(|c: char| c.is_ascii_alphabetic())
            .unwrap_or(text.len()),
    );
    let n: f64 = n.parse().unwrap_or(f64::NAN);
    match unit {
        "us" => n / 1000.0,
        "ms" => n,
        "s" => n * 1000.0,
        _ => n,
    }
}

/// One wrk run against `url` (with the MCP Lua script when `mcp` is `Some((tool, args))`).
/// Sample `pid` with `perf` (software cpu-clock events: no hardware counters needed) while wrk
/// loads `url`; returns the flat profile (self time per symbol) as text, or why there is none.
fn profile(url: &str, pid: u32, out: &Path) -> String {
    if !have("perf") {
        return "perf is not installed (Debian linux-perf)".into();
    }
    let data = out.with_extension("data");
    let url = url.to_owned();
    let load = std::thread::spawn(move || {
        run(Command::new("taskset").args([
            "-c",
            "1",
            "wrk",
            "-t1",
            "-c32",
            "-d",
            &format!("{}s", MEASURE + 1),
            &url,
        ]))
    });
    std::thread::sleep(Duration::from_millis(500));
    let recorded = run(Command::new("perf")
        .args(["record", "-q", "-g", "-e", "cpu-clock", "-F", "4999", "-p"])
        .arg(
            process_tree(pid)
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(","),
        )
        .arg("-o")
        .arg(&data)
        .args(["--", "sleep", &MEASURE.to_string()]));
    let _ = load.join();
    if let Err(e) = recorded {
        return format!("perf record failed: {e}");
    }
    let report = |sort: &str, limit: &str| {
        run(Command::new("perf")
            .args([
                "report",
                "--stdio",
                "--no-children",
                "-g",
                "none",
                "--sort",
                sort,
                "--percent-limit",
                limit,
                "-i",
            ])
            .arg(&data))
        .unwrap_or_else(|e| e)
        .lines()
        // Flat lines only (no call chains), without perf's padding.
        .filter(|l| !l.starts_with('#') && l.contains('%') && !l.contains("--"))
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join("\n")
    };
    let user: Vec<String> = report("dso,symbol", "0.3")
        .lines()
        .filter(|l| !l.contains("[k]"))
        .map(|l| l.trim_end_matches(" - -").to_owned())
        .collect();
    let text = format!(
        "## by binary\n\n{}\n\n## user space, by symbol (self time)\n\n{}\n",
        report("dso", "0.5"),
        user.join("\n")
    );
    let _ = std::fs::write(out, &text);
    // perf.data stays beside the report for `perf report -i … --children` (call chains need a
    // build with frame pointers: RUSTFLAGS="-C force-frame-pointers=yes" cargo xtask bench).
    text
}

fn load(url: &str, pid: u32, mcp: Option<(&str, &str)>, lua: &Path) -> Result<Sample> {
    let wrk = |duration: &str| {
        let mut cmd = Command::new("taskset");
        cmd.args(["-c", "1", "wrk", "-t1", "-c32", "-d", duration, "--latency"]);
        if let Some((tool, args)) = mcp {
            cmd.arg("-s").arg(lua).env("TOOL", tool).env("ARGS", args);
        }
        cmd.arg(url);
        run(&mut cmd)
    };
    wrk(WARMUP)?;
    let (before, _) = usage(pid);
    let out = wrk(&format!("{MEASURE}s"))?;
    let (after, rss) = usage(pid);
    let find = |prefix: &str| {
        out.lines()
            .find_map(|l| l.trim().strip_prefix(prefix).map(str::to_owned))
    };
    let requests: f64 = out
        .lines()
        .find(|l| l.contains("requests in"))
        .and_then(|l| l.split_whitespace().next()?.parse().ok())
        .unwrap_or(0.0);
    let ticks_per_sec = 100.0;
    let cpu_us = (after.saturating_sub(before)) as f64 / ticks_per_sec * 1e6;
    let non2xx: u64 = find("Non-2xx or 3xx responses:")
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    let bad: u64 = find("BAD_RESPONSES")
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    Ok(Sample {
        rps: find("Requests/sec:")
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0.0),
        p50_ms: find("50%").map_or(f64::NAN, |v| millis(&v)),
        p99_ms: find("99%").map_or(f64::NAN, |v| millis(&v)),
        cpu_us_per_req: if requests > 0.0 {
            cpu_us / requests
        } else {
            f64::NAN
        },
        peak_rss_kb: rss,
        bad: bad + non2xx,
    })
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

fn nginx_conf(dir: &Path, name: &str, workers: usize, body: &str) -> Result<PathBuf> {
    let path = dir.join(format!("{name}.conf"));
    let conf = format!(
        "worker_processes {workers};\ndaemon off;\npid {dir}/{name}.pid;\nerror_log {dir}/{name}.error.log warn;\nevents {{ worker_connections 4096; }}\nhttp {{\n  access_log off;\n  client_body_temp_path {dir}/{name}-body;\n  proxy_temp_path {dir}/{name}-proxy;\n{body}\n}}\n",
        dir = dir.display()
    );
    std::fs::write(&path, conf).map_err(|e| e.to_string())?;
    Ok(path)
}

/// A synthetic spec of `n` operations, for codegen timing.
fn synthetic_spec(n: usize) -> String {
    let mut s = String::from(
        "naftiko: 1.0.0-alpha2\ninfo:\n  label: Synthetic\nbinds:\n- namespace: env\n  keys:\n    API_KEY: API_KEY\ncapability:\n  consumes:\n  - type: http\n    namespace: api\n    baseUri: https://api.example\n    resources:\n",
    );
    for i in 0..n {
        let _ = write!(
            s,
            "    - path: /things{i}/{{id}}\n      operations:\n      - name: get-thing{i}\n        method: GET\n        description: Get thing {i}\n        inputParameters:\n        - name: id\n          in: path\n          type: string\n        - name: limit\n          in: query\n          type: integer\n          required: false\n"
        );
    }
    s.push_str(
        "  exposes:\n  - type: rest\n    namespace: api-rest\n    port: 8080\n    resources:\n",
    );
    for i in 0..n {
        let _ = write!(
            s,
            "    - path: /v1/things{i}/{{id}}\n      operations:\n      - method: GET\n        name: get-thing{i}\n        call: api.get-thing{i}\n        with:\n          id: rest.id\n"
        );
    }
    s.push_str("  - type: mcp\n    namespace: api-mcp\n    port: 9090\n    tools:\n");
    for i in 0..n {
        let _ = write!(
            s,
            "    - name: get-thing{i}\n      description: Get thing {i}\n      call: api.get-thing{i}\n      with:\n        id: tools.id\n"
        );
    }
    s
}

/// A synthetic spec of one operation with `n` query parameters, exposed over REST and MCP
/// with an input for each, for codegen timing.
fn synthetic_params_spec(n: usize) -> String {
    let mut s = String::from(
        "naftiko: 1.0.0-alpha2\ninfo:\n  label: Synthetic\ncapability:\n  consumes:\n  - type: http\n    namespace: api\n    baseUri: https://api.example\n    resources:\n    - path: /things\n      operations:\n      - name: get-things\n        method: GET\n        inputParameters:\n",
    );
    for i in 0..n {
        let _ = write!(s, "        - name: p{i}\n          in: query\n");
    }
    s.push_str("  exposes:\n  - type: rest\n    namespace: api-rest\n    port: 8080\n    resources:\n    - path: /v1/things\n      operations:\n      - method: GET\n        name: get-things\n        call: api.get-things\n        inputParameters:\n");
    for i in 0..n {
        let _ = write!(s, "        - name: p{i}\n          in: query\n");
    }
    s.push_str("  - type: mcp\n    namespace: api-mcp\n    port: 9090\n    tools:\n    - name: get-things\n      description: Get things.\n      call: api.get-things\n      inputParameters:\n");
    for i in 0..n {
        let _ = write!(s, "      - name: p{i}\n        type: string\n");
    }
    s
}

/// The generator's speed (whole process, `generate`): the seed, then synthetic specs of growing
/// size — many operations, and one operation with many parameters. Time per operation or
/// parameter stays flat when generation is linear in the size of the spec. The report's table,
/// and `(operations, ms)` points for the figure.
fn codegen_rows(root: &Path, dir: &Path, bin: &Path) -> Result<(String, Vec<(u32, f64)>)> {
    let mut table = String::from(
        "\n## Code generation (whole process, `generate`; median of 5 runs, 3 above 1,000)\n\n| spec | size | ms | µs per operation or parameter |\n|---|---:|---:|---:|\n",
    );
    let mut points = Vec::new();
    let out = dir.join("codegen-out");
    let seed = root.join("specs/humanitec-tokeninfo.yaml");
    let seed_ms = codegen_time(bin, &seed, &out, 5)?;
    points.push((4, seed_ms));
    let _ = writeln!(
        table,
        "| seed | 4 operations | {seed_ms:.1} | {:.0} |",
        seed_ms * 1000.0 / 4.0
    );
    type Maker = fn(usize) -> String;
    let series: [(&str, &str, Maker, &[usize]); 2] = [
        (
            "operations",
            "operations",
            synthetic_spec,
            &[25, 250, 1250, 2500, 5000],
        ),
        (
            "parameters",
            "parameters of one operation",
            synthetic_params_spec,
            &[1250, 2500, 5000],
        ),
    ];
    for (name, unit, make, sizes) in series {
        for &n in sizes {
            let spec = dir.join(format!("synthetic-{name}-{n}.yaml"));
            std::fs::write(&spec, make(n)).map_err(|e| e.to_string())?;
            let runs = if n > 1000 { 3 } else { 5 };
            let ms = codegen_time(bin, &spec, &out, runs)?;
            if name == "operations" {
                points.push((u32::try_from(n).unwrap_or(u32::MAX), ms));
            }
            let per = ms * 1000.0 / n as f64;
            let _ = writeln!(table, "| synthetic | {n} {unit} | {ms:.1} | {per:.0} |");
        }
    }
    let _ = std::fs::remove_dir_all(&out);
    Ok((table, points))
}

/// `cargo xtask bench codegen`: only the generator's speed (nothing to install).
pub fn bench_codegen(root: &Path) -> Result<String> {
    let dir = root.join("target/bench");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    run(Command::new(env!("CARGO"))
        .args(["build", "--release", "-q", "-p", "naftiko-codegen"])
        .current_dir(root))?;
    let (table, _) = codegen_rows(root, &dir, &root.join("target/release/naftiko-codegen"))?;
    std::fs::write(dir.join("codegen.md"), &table).map_err(|e| e.to_string())?;
    Ok(table)
}

/// Median wall time of `runs` whole-process generations of `spec`.
fn codegen_time(bin: &Path, spec: &Path, out: &Path, runs: usize) -> Result<f64> {
    let mut times = Vec::new();
    for _ in 0..runs {
        let _ = std::fs::remove_dir_all(out);
        let started = Instant::now();
        run(Command::new(bin)
            .arg("generate")
            .arg(spec)
            .arg("--out")
            .arg(out))?;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    Ok(median(times))
}

/// An nginx reverse proxy and the generated server side by side, each with `workers` workers
/// (pinned to CPU 0 with one, to every CPU with more).
struct Proxies {
    nginx: Proc,
    ours: Proc,
    nginx_port: u16,
    rest_port: u16,
    mcp_port: u16,
}

impl Proxies {
    fn start(dir: &Path, server_bin: &Path, up: u16, workers: usize) -> Result<Self> {
        let (nginx_port, rest_port, mcp_port) = (free_port()?, free_port()?, free_port()?);
        let cpus = if workers == 1 { "0" } else { "0-1" };
        let proxy_conf = nginx_conf(
            dir,
            &format!("proxy-{workers}"),
            workers,
            &format!(
                "  upstream up {{ server 127.0.0.1:{up}; keepalive 32; }}\n  server {{\n    listen 127.0.0.1:{nginx_port} reuseport backlog=4096;\n    location /v1/ {{\n      proxy_pass http://up/;\n      proxy_http_version 1.1;\n      proxy_set_header Connection \"\";\n      proxy_set_header Authorization \"Bearer {KEY}\";\n    }}\n  }}"
            ),
        )?;
        let nginx = start(
            Command::new("taskset")
                .args(["-c", cpus, "nginx", "-c"])
                .arg(&proxy_conf),
        )?;
        let ours = start(
            Command::new("taskset")
                .args(["-c", cpus])
                .arg(server_bin)
                .args([
                    "--listen",
                    &format!("humanitec-tokeninfo-rest=127.0.0.1:{rest_port}"),
                ])
                .args([
                    "--listen",
                    &format!("humanitec-tokeninfo-mcp=127.0.0.1:{mcp_port}"),
                ])
                .args([
                    "--upstream",
                    &format!("humanitec-tokeninfo=http://127.0.0.1:{up}"),
                ])
                .env("HUMANITEC_API_KEY", KEY)
                .args(["--worker-threads", &workers.to_string()])
                .env("RUST_LOG", "warn"),
        )?;
        for port in [nginx_port, rest_port, mcp_port] {
            wait_port(port)?;
        }
        Ok(Self {
            nginx,
            ours,
            nginx_port,
            rest_port,
            mcp_port,
        })
    }
}

/// Build the seed's server with the profile `server` (as its Dockerfile builds it); the binary.
pub(crate) fn build_server(root: &Path) -> Result<PathBuf> {
    eprintln!("building the generated server (profile `server`, as its Dockerfile builds it) …");
    run(Command::new(env!("CARGO"))
        .args([
            "build",
            "--profile",
            "server",
            "-q",
            "-p",
            "humanitec-tokeninfo",
        ])
        .current_dir(root))?;
    Ok(root.join("target/server/humanitec-tokeninfo"))
}

pub fn bench(root: &Path) -> Result<String> {
    let dir = root.join("target/bench");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let python = install(&dir)?;
    let server_bin = build_server(root)?;
    eprintln!("building the generator (release) …");
    run(Command::new(env!("CARGO"))
        .args(["build", "--release", "-q", "-p", "naftiko-codegen"])
        .current_dir(root))?;
    let codegen_bin = root.join("target/release/naftiko-codegen");

    let (up, fast) = (free_port()?, free_port()?);
    let list = r#"[{"created_at":"2026-11-28T10:00:00Z","created_by":"u1","description":"CI","id":"ci","type":"static"}]"#;
    let upstream_conf = nginx_conf(
        &dir,
        "upstream",
        1,
        &format!(
            "  log_format seen '$request_uri|$http_authorization';\n  server {{\n    listen 127.0.0.1:{up} reuseport backlog=4096;\n    default_type application/json;\n    access_log {dir}/upstream.seen.log seen;\n    location / {{\n      if ($http_authorization != \"Bearer {KEY}\") {{ return 401 '{{\"error\":\"API-401\"}}'; }}\n      return 200 '{list}';\n    }}\n  }}",
            dir = dir.display()
        ),
    )?;
    let _upstream = start(
        Command::new("taskset")
            .args(["-c", "1", "nginx", "-c"])
            .arg(&upstream_conf),
    )?;
    let one = Proxies::start(&dir, &server_bin, up, 1)?;
    let (proxy, rest, mcp) = (one.nginx_port, one.rest_port, one.mcp_port);
    let (nginx, ours) = (&one.nginx, &one.ours);
    // FastMCP reads the upstream's OpenAPI description (converted to JSON).
    let shared = std::env::var_os("NAFTIKO_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("../shared"));
    let openapi_yaml = shared.join("upstream/humanitec-tokens-openapi.yaml");
    let openapi_json = dir.join("upstream-openapi.json");
    run(Command::new(&python).args(["-c", "import json,sys,yaml; json.dump(yaml.safe_load(open(sys.argv[1])), open(sys.argv[2],'w'))"]).arg(&openapi_yaml).arg(&openapi_json))?;
    let fastmcp = start(
        Command::new("taskset")
            .args(["-c", "0"])
            .arg(&python)
            .arg(root.join("xtask/bench/fastmcp_server.py"))
            .arg(&openapi_json)
            .arg(format!("http://127.0.0.1:{up}"))
            .arg(fast.to_string())
            .arg(KEY),
    )?;
    for port in [up, fast] {
        wait_port(port)?;
    }
    let idle_rss_kb = usage(ours.0.id()).1;

    // Correctness first: the key reaches the upstream, `%2F` stays encoded.
    let seen = dir.join("upstream.seen.log");
    let mut correctness = String::new();
    for (name, port) in [("nginx", proxy), ("generated", rest)] {
        let _ = std::fs::write(&seen, "");
        run(Command::new("curl").args([
            "-s",
            "-o",
            "/dev/null",
            &format!("http://127.0.0.1:{port}/v1/users/a%2Fb/tokens"),
        ]))?;
        std::thread::sleep(Duration::from_millis(200));
        let line = std::fs::read_to_string(&seen).unwrap_or_default();
        let (uri, auth) = line.trim().split_once('|').unwrap_or(("", ""));
        let _ = writeln!(
            correctness,
            "| {name} | `{uri}` | {} | {} |",
            if uri == "/users/a%2Fb/tokens" {
                "kept"
            } else {
                "**decoded**"
            },
            if auth == format!("Bearer {KEY}") {
                "sent"
            } else {
                "**missing**"
            }
        );
    }

    let lua = root.join("xtask/bench/mcp_call.lua");
    let mut rows: Vec<(&str, Vec<Sample>)> = vec![
        ("nginx (REST)", vec![]),
        ("generated (REST)", vec![]),
        ("generated (MCP)", vec![]),
        ("FastMCP (MCP)", vec![]),
    ];
    let (rest_url, nginx_url) = (
        format!("http://127.0.0.1:{rest}/v1/users/u1/tokens"),
        format!("http://127.0.0.1:{proxy}/v1/users/u1/tokens"),
    );
    let (mcp_url, fast_url) = (
        format!("http://127.0.0.1:{mcp}/mcp"),
        format!("http://127.0.0.1:{fast}/mcp"),
    );
    for round in 1..=ROUNDS {
        eprintln!("round {round}/{ROUNDS} …");
        rows[0].1.push(load(&nginx_url, nginx.0.id(), None, &lua)?);
        rows[1].1.push(load(&rest_url, ours.0.id(), None, &lua)?);
        rows[2].1.push(load(
            &mcp_url,
            ours.0.id(),
            Some(("lists-tokens-associated-user", r#"{"userId":"u1"}"#)),
            &lua,
        )?);
        rows[3].1.push(load(
            &fast_url,
            fastmcp.0.id(),
            Some(("listUserTokens", r#"{"userId":"u1"}"#)),
            &lua,
        )?);
    }
    let loaded_rss_kb = usage(ours.0.id()).1;
    // Two workers each: nginx `worker_processes 2`, ours `--worker-threads 2`, both on CPUs 0
    // and 1 (shared with wrk and the upstream: this machine has no more).
    eprintln!("two workers each …");
    drop(one);
    let two = Proxies::start(&dir, &server_bin, up, 2)?;
    let mut two_rows: Vec<(&str, Vec<Sample>)> = vec![
        ("nginx (REST, 2 workers)", vec![]),
        ("generated (REST, 2 workers)", vec![]),
    ];
    for round in 1..=ROUNDS {
        eprintln!("round {round}/{ROUNDS} …");
        let url = |port: u16| format!("http://127.0.0.1:{port}/v1/users/u1/tokens");
        two_rows[0]
            .1
            .push(load(&url(two.nginx_port), two.nginx.0.id(), None, &lua)?);
        two_rows[1]
            .1
            .push(load(&url(two.rest_port), two.ours.0.id(), None, &lua)?);
    }
    drop(two);
    let one = Proxies::start(&dir, &server_bin, up, 1)?;
    let (nginx, ours) = (&one.nginx, &one.ours);
    let (nginx_url, rest_url) = (
        format!("http://127.0.0.1:{}/v1/users/u1/tokens", one.nginx_port),
        format!("http://127.0.0.1:{}/v1/users/u1/tokens", one.rest_port),
    );
    rows.extend(two_rows);
    eprintln!("profiling the REST path …");
    let profiles = [
        (
            "nginx",
            profile(&nginx_url, nginx.0.id(), &dir.join("profile-nginx.txt")),
        ),
        (
            "generated",
            profile(&rest_url, ours.0.id(), &dir.join("profile-generated.txt")),
        ),
    ];

    eprintln!("counting instructions per request (callgrind) …");
    let counts = instruction_counts(&dir, &server_bin, up, &lua);

    let mut figure = crate::plot::Figure {
        rest: vec![],
        mcp: vec![],
        codegen: vec![],
    };
    for (i, (name, samples)) in rows.iter().enumerate() {
        let rps = median(samples.iter().map(|s| s.rps).collect());
        let cpu = median(samples.iter().map(|s| s.cpu_us_per_req).collect());
        let name = (*name).to_owned();
        match i {
            0 | 1 => figure.rest.push((name, rps, cpu)),
            2 | 3 => figure.mcp.push((name, rps)),
            // The two-worker rows are in the table only.
            _ => {}
        }
    }
    let mut report = String::from("# Benchmark: the generated server beside nginx and FastMCP\n\n");
    let _ = writeln!(
        report,
        "One run of `cargo xtask bench` on this machine ({} CPUs): targets pinned to CPU 0 with one worker each, wrk (1 thread, 32 connections, {WARMUP} warm-up, {MEASURE} s measured) and the fixed-response upstream on CPU 1; {ROUNDS} rounds, targets interleaved. The two-worker rows: nginx `worker_processes 2` and the generated server with `--worker-threads 2`, both on CPUs 0 and 1 (shared with wrk and the upstream), {ROUNDS} rounds after the others. Medians over rounds.\n",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    report.push_str("| target | req/s | p50 ms | p99 ms | CPU µs/req | peak RSS MiB | bad responses |\n|---|---:|---:|---:|---:|---:|---:|\n");
    for (name, samples) in &rows {
        let m = |f: fn(&Sample) -> f64| median(samples.iter().map(f).collect());
        let _ = writeln!(
            report,
            "| {name} | {:.0} | {:.3} | {:.3} | {:.1} | {:.1} | {} |",
            m(|s| s.rps),
            m(|s| s.p50_ms),
            m(|s| s.p99_ms),
            m(|s| s.cpu_us_per_req),
            samples.iter().map(|s| s.peak_rss_kb).max().unwrap_or(0) as f64 / 1024.0,
            samples.iter().map(|s| s.bad).sum::<u64>()
        );
    }
    let ratio = |a: usize, b: usize, f: fn(&Sample) -> f64| {
        median(
            rows[a]
                .1
                .iter()
                .zip(&rows[b].1)
                .map(|(x, y)| f(x) / f(y))
                .collect(),
        )
    };
    report.push_str("\n| ratio (median of per-round ratios) | value |\n|---|---:|\n");
    // (row, target, against, metric, decimals)
    let ratios: [(&str, usize, usize, Metric, usize); 7] = [
        ("generated REST ÷ nginx, req/s", 1, 0, |s| s.rps, 2),
        (
            "generated REST ÷ nginx, CPU µs/req",
            1,
            0,
            |s| s.cpu_us_per_req,
            2,
        ),
        ("generated REST ÷ nginx, p99", 1, 0, |s| s.p99_ms, 2),
        ("generated MCP ÷ FastMCP, req/s", 2, 3, |s| s.rps, 1),
        ("generated MCP ÷ generated REST, req/s", 2, 1, |s| s.rps, 2),
        (
            "2 workers: generated REST ÷ nginx, req/s",
            5,
            4,
            |s| s.rps,
            2,
        ),
        (
            "2 workers: generated REST ÷ nginx, CPU µs/req",
            5,
            4,
            |s| s.cpu_us_per_req,
            2,
        ),
    ];
    for (label, a, b, f, decimals) in ratios {
        let _ = writeln!(report, "| {label} | {:.decimals$}× |", ratio(a, b, f));
    }
    let _ = writeln!(
        report,
        "\nGenerated server memory: idle {:.1} MiB, after the runs {:.1} MiB (peak RSS).\n",
        idle_rss_kb as f64 / 1024.0,
        loaded_rss_kb as f64 / 1024.0
    );
    report.push_str("## Correctness under the same setup\n\n| proxy | path reaching the upstream for `/v1/users/a%2Fb/tokens` | `%2F` | bearer key |\n|---|---|---|---|\n");
    report.push_str(&correctness);

    report
        .push_str("\n## Where the REST CPU goes (perf, cpu-clock samples under the same load)\n\n");
    report.push_str("CPU µs per request split by the share of samples in the kernel and in user space (the program and its libraries).\n\n| target | kernel µs/req | user µs/req |\n|---|---:|---:|\n");
    for ((name, text), (_, _, cpu)) in profiles.iter().zip(&figure.rest) {
        let kernel = text
            .lines()
            .find(|l| l.contains("[kernel.kallsyms]"))
            .and_then(|l| l.split('%').next()?.trim().parse::<f64>().ok());
        match kernel {
            Some(k) => {
                let _ = writeln!(
                    report,
                    "| {name} | {:.1} | {:.1} |",
                    cpu * k / 100.0,
                    cpu * (100.0 - k) / 100.0
                );
            }
            None => {
                let _ = writeln!(report, "| {name} | – | – |");
            }
        }
    }
    report.push_str(&instruction_table(&counts));
    for (name, text) in &profiles {
        let top: Vec<&str> = text.lines().take(36).collect();
        let _ = writeln!(report, "\n### {name}\n\n```\n{}\n```", top.join("\n"));
    }

    // The generator's own speed, whole process.
    let (table, points) = codegen_rows(root, &dir, &codegen_bin)?;
    report.push_str(&table);
    figure.codegen = points;
    report.push_str("\n![the figures above](report.png)\n");
    std::fs::write(dir.join("report.md"), &report).map_err(|e| e.to_string())?;
    crate::plot::draw(&figure, &dir.join("report.png"))?;
    Ok(report)
}

/// Instructions per request of nginx (REST) and the generated server (REST, MCP), one worker
/// each, under callgrind (see [`crate::instructions`]).
fn instruction_counts(
    dir: &Path,
    server_bin: &Path,
    up: u16,
    lua: &Path,
) -> Vec<(&'static str, Result<f64>)> {
    use crate::instructions::{Target, per_request};
    let mut counts = Vec::new();
    let nginx = free_port().and_then(|port| {
        let conf = nginx_conf(
            dir,
            "proxy-callgrind",
            1,
            &format!(
                "  upstream up {{ server 127.0.0.1:{up}; keepalive 32; }}\n  server {{\n    listen 127.0.0.1:{port};\n    location /v1/ {{\n      proxy_pass http://up/;\n      proxy_http_version 1.1;\n      proxy_set_header Connection \"\";\n      proxy_set_header Authorization \"Bearer {KEY}\";\n    }}\n  }}"
            ),
        )?;
        // One process (no master): callgrind counts the process that serves.
        let text = std::fs::read_to_string(&conf).map_err(|e| e.to_string())?;
        std::fs::write(&conf, format!("master_process off;\n{text}")).map_err(|e| e.to_string())?;
        let mut command = Command::new("nginx");
        command.arg("-c").arg(&conf);
        per_request(
            dir,
            Target {
                name: "nginx",
                command,
                port,
                url: format!("http://127.0.0.1:{port}/v1/users/u1/tokens"),
                mcp: None,
            },
            lua,
        )
    });
    counts.push(("nginx (REST)", nginx));
    for (name, mcp) in [
        ("generated (REST)", None),
        (
            "generated (MCP)",
            Some(("lists-tokens-associated-user", r#"{"userId":"u1"}"#)),
        ),
    ] {
        let count = free_port().and_then(|port| {
            let mut command = Command::new(server_bin);
            let adapter = if mcp.is_some() {
                "humanitec-tokeninfo-mcp"
            } else {
                "humanitec-tokeninfo-rest"
            };
            command
                .args(["--listen", &format!("{adapter}=127.0.0.1:{port}")])
                .args([
                    "--upstream",
                    &format!("humanitec-tokeninfo=http://127.0.0.1:{up}"),
                ])
                .args(["--worker-threads", "1"])
                .env("HUMANITEC_API_KEY", KEY)
                .env("RUST_LOG", "warn");
            let path = if mcp.is_some() {
                "mcp"
            } else {
                "v1/users/u1/tokens"
            };
            per_request(
                dir,
                Target {
                    name: if mcp.is_some() {
                        "generated-mcp"
                    } else {
                        "generated-rest"
                    },
                    command,
                    port,
                    url: format!("http://127.0.0.1:{port}/{path}"),
                    mcp,
                },
                lua,
            )
        });
        counts.push((name, count));
    }
    counts
}

/// The report's table of instruction counts, with the ratios to nginx and to our REST path.
fn instruction_table(counts: &[(&str, Result<f64>)]) -> String {
    let mut table = String::from(
        "\n## Instructions per request (callgrind)\n\nUser-space instructions per request, one worker each, counted by valgrind's callgrind over 4 s of wrk load (1 thread, 4 connections) after a warm-up: the same count on a busy machine or a quiet one, so builds and proxies compare exactly. Kernel time is not in it.\n\n| target | instructions/request | ÷ nginx (REST) |\n|---|---:|---:|\n",
    );
    let nginx = counts.first().and_then(|(_, c)| c.as_ref().ok().copied());
    for (name, count) in counts {
        match (count, nginx) {
            (Ok(n), Some(base)) => {
                let _ = writeln!(table, "| {name} | {n:.0} | {:.2}× |", n / base);
            }
            (Ok(n), None) => {
                let _ = writeln!(table, "| {name} | {n:.0} | – |");
            }
            (Err(e), _) => {
                let _ = writeln!(table, "| {name} | not counted: {e} | – |");
            }
        }
    }
    table
}
