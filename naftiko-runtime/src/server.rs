//! Start-up: command-line values, listeners, serving until a signal, graceful shutdown, logs.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::http::UpstreamOptions;
use crate::observe;
use crate::ops;
use crate::origin;
use crate::startup::StartupError;
use crate::wire;

/// What a generated crate serves, as the generator read it from the spec: what start-up binds
/// and checks, and what the binary's command line names ([`crate::cli`]).
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    /// The capability's name.
    pub label: &'static str,
    /// Every adapter that listens on a socket, in start-up order: namespace and default
    /// address.
    pub adapters: &'static [(&'static str, &'static str)],
    /// Every consumed API: namespace and default base URL (as `--help` shows it).
    pub upstreams: &'static [(&'static str, &'static str)],
    /// Every variable the spec binds (as `/readyz` names them).
    pub bound_variables: &'static [&'static str],
    /// The bound variables read from the environment (the others come from `bound_files`).
    pub environment: &'static [&'static str],
    /// The files bound values are read from, relative to `--spec-dir` (none: no `--spec-dir`).
    pub bound_files: &'static [&'static str],
    /// What `--answer-budget` names: the REST and MCP adapters and the tools (none: no
    /// `--answer-budget`).
    pub budgeted: &'static [&'static str],
    /// Whether an API's answers are checked against its OpenAPI document (`--strict-output`).
    pub checks_output: bool,
    /// Whether every adapter serves `/metrics` (a spec can turn observability off).
    pub metrics: bool,
    /// What `healthcheck` asks unless told otherwise.
    pub health_url: &'static str,
}

impl Spec {
    /// The adapters' namespaces, as `--listen` accepts them.
    pub fn adapter_namespaces(&self) -> Vec<&'static str> {
        self.adapters
            .iter()
            .map(|(namespace, _)| *namespace)
            .collect()
    }

    /// The consumed APIs' namespaces, as `--upstream` accepts them.
    pub fn upstream_namespaces(&self) -> Vec<&'static str> {
        self.upstreams
            .iter()
            .map(|(namespace, _)| *namespace)
            .collect()
    }

    /// Every adapter's listen address: the one `listen` names, else the spec's default.
    ///
    /// # Errors
    ///
    /// An address that is not a socket address.
    pub fn addresses(
        &self,
        listen: &BTreeMap<String, String>,
    ) -> Result<Vec<(&'static str, SocketAddr)>, StartupError> {
        self.adapters
            .iter()
            .map(|(namespace, default)| Ok((*namespace, address(listen, namespace, default)?)))
            .collect()
    }
}

/// How to serve.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Listen addresses by adapter namespace (`127.0.0.1:0` picks a free port).
    pub listen: BTreeMap<String, String>,
    /// Where the consumed APIs are.
    pub upstreams: UpstreamOptions,
    /// Largest accepted request body, in bytes.
    pub max_body_bytes: usize,
    /// `Host` values the REST and MCP adapters accept besides loopback names (empty: loopback
    /// names only, for an adapter listening on a loopback or unspecified address).
    pub allowed_hosts: Vec<String>,
    /// Browser `Origin`s the REST and MCP adapters accept besides their own (empty: none).
    pub allowed_origins: Vec<String>,
    /// How long in-flight requests may take to finish after SIGTERM.
    pub drain_timeout: Duration,
    /// Timeouts and head limits of every connection (its `max_body_bytes` is
    /// [`ServeOptions::max_body_bytes`]).
    pub wire: wire::Wire,
    /// Whether `/readyz` also checks that every upstream accepts TCP connections.
    pub ready_check_upstreams: bool,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            listen: BTreeMap::new(),
            upstreams: UpstreamOptions::default(),
            max_body_bytes: wire::DEFAULT_MAX_BODY_BYTES,
            allowed_hosts: Vec::new(),
            allowed_origins: Vec::new(),
            drain_timeout: Duration::from_secs(30),
            wire: wire::Wire::default(),
            ready_check_upstreams: false,
        }
    }
}

/// A server starting: every adapter's socket bound before any accepts, then each adapter
/// started on its own ([`Start::rest`], [`Start::mcp`], [`Start::plain`], [`Start::spawn`]),
/// then [`Start::run`] serves them until SIGTERM or Ctrl-C and finishes in-flight requests.
#[derive(Debug)]
pub struct Start {
    listeners: Vec<Listener>,
    readiness: Arc<ops::Readiness>,
    shutdown: CancellationToken,
    servers: tokio::task::JoinSet<Result<(), StartupError>>,
    wire: wire::Wire,
    allowed_hosts: Vec<String>,
    allowed_origins: Vec<String>,
    drain: Duration,
    metrics: bool,
}

impl Start {
    /// Bind every adapter of `spec` where `options` says (printing one line `<namespace>
    /// listening on http://<ip>:<port>` to stderr for each); `/readyz` checks `upstreams`
    /// (namespace, base URL) when `options` asks it to.
    ///
    /// # Errors
    ///
    /// An address that is not a socket address, or that cannot be bound.
    pub async fn bind(
        spec: &Spec,
        options: &ServeOptions,
        upstreams: Vec<(&'static str, String)>,
    ) -> Result<Self, StartupError> {
        let checks = if options.ready_check_upstreams {
            upstreams
        } else {
            Vec::new()
        };
        let readiness = Arc::new(ops::Readiness::new(
            spec.adapters.len(),
            spec.bound_variables,
            checks,
        ));
        let mut listeners = Vec::with_capacity(spec.adapters.len());
        for (namespace, addr) in spec.addresses(&options.listen)? {
            listeners.push(bind(namespace, addr).await?);
            readiness.adapter_bound();
        }
        Ok(Self {
            listeners,
            readiness,
            shutdown: CancellationToken::new(),
            servers: tokio::task::JoinSet::new(),
            wire: wire::Wire {
                max_body_bytes: options.max_body_bytes,
                ..options.wire
            },
            allowed_hosts: options.allowed_hosts.clone(),
            allowed_origins: options.allowed_origins.clone(),
            drain: options.drain_timeout,
            metrics: spec.metrics,
        })
    }

    /// What `/readyz` reports, for an adapter that shows it (a control adapter).
    pub fn readiness(&self) -> Arc<ops::Readiness> {
        self.readiness.clone()
    }

    /// Cancelled when the server shuts down, for an adapter that serves on its own (MCP).
    pub fn shutdown(&self) -> CancellationToken {
        self.shutdown.clone()
    }

    /// Serve the REST adapter `namespace`: its `router` behind the `Host` and `Origin` check,
    /// with the operational routes and `openapi` as `/openapi.json` beside it.
    ///
    /// # Errors
    ///
    /// `namespace` is not an adapter of the spec that [`Start::bind`] bound.
    pub fn rest(
        &mut self,
        namespace: &'static str,
        router: axum::Router,
        openapi: &'static str,
    ) -> Result<(), StartupError> {
        self.rest_at(namespace, "", router, openapi)
    }

    /// [`Start::rest`] with the operational routes under `prefix` (the spec's API takes
    /// their paths).
    ///
    /// # Errors
    ///
    /// `namespace` is not an adapter of the spec that [`Start::bind`] bound.
    pub fn rest_at(
        &mut self,
        namespace: &'static str,
        prefix: &str,
        router: axum::Router,
        openapi: &'static str,
    ) -> Result<(), StartupError> {
        let listener = self.listener(namespace)?;
        let router = self.protect(router, &listener);
        let router = self.with_ops(namespace, prefix, router, Some(openapi));
        self.serve(listener, router);
        Ok(())
    }

    /// Serve the MCP adapter `namespace` (streamable HTTP): its `router` behind the `Host` and
    /// `Origin` check, with the operational routes beside it.
    ///
    /// # Errors
    ///
    /// `namespace` is not an adapter of the spec that [`Start::bind`] bound.
    pub fn mcp(
        &mut self,
        namespace: &'static str,
        router: axum::Router,
    ) -> Result<(), StartupError> {
        let listener = self.listener(namespace)?;
        let router = self.protect(router, &listener);
        let router = self.with_ops(namespace, "", router, None);
        self.serve(listener, router);
        Ok(())
    }

    /// Serve `router` as the adapter `namespace` with the operational routes beside it (a
    /// skill catalog, a control adapter: no browser calls them with credentials of its own).
    ///
    /// # Errors
    ///
    /// `namespace` is not an adapter of the spec that [`Start::bind`] bound.
    pub fn plain(
        &mut self,
        namespace: &'static str,
        router: axum::Router,
    ) -> Result<(), StartupError> {
        let listener = self.listener(namespace)?;
        let router = self.with_ops(namespace, "", router, None);
        self.serve(listener, router);
        Ok(())
    }

    /// Run `server` (an adapter with no socket of its own, as MCP over standard input and
    /// output) beside the others: its failure stops them all.
    pub fn spawn<F>(&mut self, server: F)
    where
        F: std::future::Future<Output = Result<(), StartupError>> + Send + 'static,
    {
        self.servers.spawn(server);
    }

    /// Serve every adapter started until SIGTERM or Ctrl-C, then let in-flight requests finish
    /// (see [`wait`]).
    ///
    /// # Errors
    ///
    /// The first server failure.
    pub async fn run(self) -> Result<(), StartupError> {
        tokio::spawn(shutdown_on_signal(self.shutdown.clone(), self.readiness));
        wait(self.servers, self.shutdown, self.drain).await
    }

    fn listener(&mut self, namespace: &'static str) -> Result<Listener, StartupError> {
        let index = self.listeners.iter().position(|l| l.namespace == namespace);
        index
            .map(|i| self.listeners.swap_remove(i))
            .ok_or_else(|| StartupError::Serve {
                namespace,
                source: std::io::Error::other("no socket bound for this adapter"),
            })
    }

    /// `router` with the operational routes beside it, `/metrics` where the spec keeps it.
    fn with_ops(
        &self,
        namespace: &'static str,
        prefix: &str,
        router: axum::Router,
        openapi: Option<&'static str>,
    ) -> axum::Router {
        let routes = ops::routes(prefix, self.readiness(), openapi, self.metrics);
        router.merge(routes).layer(observe::Track::new(namespace))
    }

    fn protect(&self, router: axum::Router, listener: &Listener) -> axum::Router {
        let origins = origin::Origins::new(
            listener.local_addr(),
            &self.allowed_hosts,
            &self.allowed_origins,
        );
        origin::protect(router, origins)
    }

    fn serve(&mut self, listener: Listener, router: axum::Router) {
        self.servers
            .spawn(serve(listener, router, self.wire, self.shutdown.clone()));
    }
}

/// Parse repeated `NAMESPACE=VALUE` flags, checking every namespace against `known`.
pub fn namespaced(
    flag: &str,
    values: &[String],
    known: &[&str],
) -> Result<BTreeMap<String, String>, StartupError> {
    let mut map = BTreeMap::new();
    for value in values {
        let Some((ns, v)) = value.split_once('=') else {
            return Err(StartupError::Usage(format!(
                "--{flag} expects NAMESPACE=VALUE, got `{value}`"
            )));
        };
        if !known.contains(&ns) {
            return Err(StartupError::Usage(format!(
                "--{flag}: unknown namespace `{ns}`; known: {}",
                known.join(", ")
            )));
        }
        map.insert(ns.to_owned(), v.to_owned());
    }
    Ok(map)
}

/// The socket address for an adapter: the flag's value, else the spec's default. A host name
/// (`localhost:9090`) is resolved, its first address taken.
pub fn address(
    flags: &BTreeMap<String, String>,
    namespace: &str,
    default: &str,
) -> Result<SocketAddr, StartupError> {
    use std::net::ToSocketAddrs as _;
    let text = flags.get(namespace).map_or(default, String::as_str);
    let resolved = || text.to_socket_addrs().ok()?.next();
    text.parse().ok().or_else(resolved).ok_or_else(|| {
        StartupError::Usage(format!(
            "--listen {namespace}={text}: not a socket address like 127.0.0.1:8080"
        ))
    })
}

/// A bound listening socket, duplicated for every worker when it is bound: all the set-up of
/// every listener happens before any of them accepts (a flood on a port that accepts already
/// cannot take the descriptors another listener's set-up needs).
#[derive(Debug)]
pub struct Listener {
    namespace: &'static str,
    local: SocketAddr,
    /// One socket per worker, the first for the calling runtime.
    sockets: Vec<std::net::TcpListener>,
}

impl Listener {
    /// The address the listener is bound to.
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }
}

/// Bind `addr` for every worker and print `<namespace> listening on http://<ip>:<port>` to
/// stderr.
pub async fn bind(namespace: &'static str, addr: SocketAddr) -> Result<Listener, StartupError> {
    let failed = |source| StartupError::Bind {
        namespace,
        addr,
        source,
    };
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(failed)?;
    let local = listener.local_addr().map_err(failed)?;
    let socket = listener.into_std().map_err(failed)?;
    let workers = WORKERS.get().copied().unwrap_or(1).max(1);
    let mut sockets = Vec::with_capacity(workers);
    for _ in 1..workers {
        sockets.push(socket.try_clone().map_err(failed)?);
    }
    sockets.insert(0, socket);
    eprintln!("{namespace} listening on http://{local}");
    tracing::info!(%namespace, %local, "listening");
    Ok(Listener {
        namespace,
        local,
        sockets,
    })
}

/// How many workers serve each listener: set once by [`main`]; 1 for a server an app starts
/// from its own runtime.
static WORKERS: std::sync::OnceLock<usize> = std::sync::OnceLock::new();

/// Serve `router` on `listener` with the limits of `wire` until `shutdown` is cancelled, then
/// finish in-flight requests.
///
/// Under [`main`] with more than one worker, each worker is a thread with its own
/// current-thread runtime accepting on the same socket (thread per core, as nginx's workers:
/// no work stealing, no wake-ups across threads); this call returns when every worker has
/// finished.
pub async fn serve(
    listener: Listener,
    router: axum::Router,
    wire: wire::Wire,
    shutdown: tokio_util::sync::CancellationToken,
) -> Result<(), StartupError> {
    let namespace = listener.namespace;
    let mut sockets = listener.sockets.into_iter();
    let own = sockets.next().ok_or_else(|| StartupError::Serve {
        namespace,
        source: std::io::Error::other("no socket to serve"),
    })?;
    let mut others = Vec::new();
    for (index, socket) in sockets.enumerate() {
        let router = router.clone();
        others.push(worker(
            namespace,
            index + 1,
            socket,
            router,
            wire,
            shutdown.clone(),
        )?);
    }
    let mut outcome = serve_here(namespace, own, router, wire, shutdown).await;
    for other in others {
        let finished = other.await.unwrap_or_else(|_| {
            Err(StartupError::Serve {
                namespace,
                source: std::io::Error::other("a worker thread stopped"),
            })
        });
        outcome = outcome.and(finished);
    }
    outcome
}

/// [`serve`] on the calling task's runtime: accept until `shutdown`, each connection a task
/// (see [`wire::connection`]); then wait for the connections to finish.
async fn serve_here(
    namespace: &'static str,
    socket: std::net::TcpListener,
    router: axum::Router,
    wire: wire::Wire,
    shutdown: tokio_util::sync::CancellationToken,
) -> Result<(), StartupError> {
    let listener = tokio::net::TcpListener::from_std(socket)
        .map_err(|source| StartupError::Serve { namespace, source })?;
    let builder = std::sync::Arc::new(wire::builder(&wire));
    let mut connections = tokio::task::JoinSet::new();
    loop {
        tokio::select! {
            () = shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let connection = wire::connection(stream, builder.clone(), router.clone(), wire, shutdown.clone());
                    connections.spawn(connection);
                }
                Err(error) => wire::accept_failed(error, namespace).await,
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    while connections.join_next().await.is_some() {}
    Ok(())
}

/// Worker `index` of [`serve`]: a thread serving `router` on `socket` with a current-thread
/// runtime of its own; the receiver gets its outcome.
fn worker(
    namespace: &'static str,
    index: usize,
    socket: std::net::TcpListener,
    router: axum::Router,
    wire: wire::Wire,
    shutdown: tokio_util::sync::CancellationToken,
) -> Result<tokio::sync::oneshot::Receiver<Result<(), StartupError>>, StartupError> {
    let failed = move |source| StartupError::Serve { namespace, source };
    let (done, finished) = tokio::sync::oneshot::channel();
    let run = move || {
        let outcome = runtime(1).map_err(failed).and_then(|runtime| {
            runtime.block_on(serve_here(namespace, socket, router, wire, shutdown))
        });
        let _ = done.send(outcome);
    };
    std::thread::Builder::new()
        .name(format!("worker-{index}"))
        .spawn(run)
        .map_err(failed)?;
    Ok(finished)
}

/// Wait for every server; the first failure stops the others and is returned. Once `shutdown`
/// is cancelled, in-flight requests get `drain` to finish; past it the servers are dropped.
pub async fn wait(
    mut servers: tokio::task::JoinSet<Result<(), StartupError>>,
    shutdown: tokio_util::sync::CancellationToken,
    drain: Duration,
) -> Result<(), StartupError> {
    let mut outcome = Ok(());
    let deadline = async {
        shutdown.cancelled().await;
        tokio::time::sleep(drain).await;
    };
    tokio::pin!(deadline);
    loop {
        let joined = tokio::select! {
            joined = servers.join_next() => joined,
            () = &mut deadline => {
                tracing::warn!(drain_secs = drain.as_secs_f64(), "drain deadline passed: dropping the requests still in flight");
                servers.abort_all();
                break;
            }
        };
        let Some(joined) = joined else { break };
        let result = joined.unwrap_or_else(|e| {
            Err(StartupError::Serve {
                namespace: "server task",
                source: std::io::Error::other(e.to_string()),
            })
        });
        if let Err(e) = result {
            shutdown.cancel();
            if outcome.is_ok() {
                outcome = Err(e);
            }
        }
    }
    outcome
}

/// Parse a duration such as `30s`, `500ms`, `2m` or a plain number of seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, unit) = match text.find(|c: char| !c.is_ascii_digit() && c != '.') {
        Some(i) => text.split_at(i),
        None => (text, "s"),
    };
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration like 30s, 500ms or 2m"))?;
    let seconds = match unit {
        "ms" => value / 1000.0,
        "s" => value,
        "m" => value * 60.0,
        _ => return Err(format!("`{text}`: unknown unit `{unit}` (use ms, s or m)")),
    };
    Duration::try_from_secs_f64(seconds).map_err(|_| format!("`{text}` is not a valid duration"))
}

/// An adapter's router with the operational routes beside it and every request tracked
/// (request id, metrics, one log line).
pub fn with_ops(
    adapter: &'static str,
    router: axum::Router,
    readiness: std::sync::Arc<ops::Readiness>,
    openapi: Option<&'static str>,
) -> axum::Router {
    with_ops_at(adapter, "", router, readiness, openapi)
}

/// [`with_ops`] with the operational routes under `prefix`.
pub fn with_ops_at(
    adapter: &'static str,
    prefix: &str,
    router: axum::Router,
    readiness: std::sync::Arc<ops::Readiness>,
    openapi: Option<&'static str>,
) -> axum::Router {
    router
        .merge(ops::router_at(prefix, readiness, openapi))
        .layer(observe::Track::new(adapter))
}

/// On SIGTERM or Ctrl-C: report not ready, then cancel `token` (stop accepting, drain).
pub async fn shutdown_on_signal(
    token: tokio_util::sync::CancellationToken,
    readiness: std::sync::Arc<ops::Readiness>,
) {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
        () = token.cancelled() => return,
    }
    tracing::info!("shutting down: finishing in-flight requests");
    readiness.start_draining();
    token.cancel();
}

/// The async runtime for `workers` worker threads: 1 is a current-thread runtime (every
/// task on the calling thread, no cross-thread wake-ups: the fastest on one core), 0 one
/// worker per available CPU. (A server started by [`main`] runs one current-thread runtime per
/// worker instead: see [`serve`].)
pub fn runtime(workers: usize) -> std::io::Result<tokio::runtime::Runtime> {
    if workers == 1 {
        return tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build();
    }
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    if workers > 1 {
        builder.worker_threads(workers);
    }
    builder.enable_all().build()
}

/// Set up `tracing` logs on stderr, as text or JSON, filtered by `RUST_LOG` (default `info`).
pub fn init_logging(json: bool) {
    use std::io::IsTerminal as _;
    // One line per request is ours (`observe::Track`); the MCP SDK's own lines stay quiet unless
    // `RUST_LOG` asks for them.
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,rmcp=error"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

/// `healthcheck URL`: exit 0 when the server at `url` answers its health check with a success
/// (for container `HEALTHCHECK`s), 1 otherwise, saying why on stderr.
pub fn healthcheck(url: &str) -> std::process::ExitCode {
    let check = async {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(3))
            .build()
            .map_err(|e| format!("error: {e}"))?;
        match client.get(url).send().await {
            Ok(response) if response.status().is_success() => Ok(()),
            Ok(response) => Err(format!("unhealthy: {url} answered {}", response.status())),
            Err(e) => Err(format!("unhealthy: {url}: {e}")),
        }
    };
    let outcome = runtime(1)
        .map_err(|e| format!("error: cannot start the async runtime: {e}"))
        .and_then(|runtime| runtime.block_on(check));
    match outcome {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// A server binary's `main` after its arguments are read: logs set up (`json` or text), `run`
/// run on a current-thread runtime, and every listener served by `workers` workers (0: one per
/// CPU; see [`serve`]). Exit code 0 on success, 2 for a usage error, 1 for any other error
/// (printed as one line).
pub fn main<F>(json_logs: bool, workers: usize, run: F) -> std::process::ExitCode
where
    F: std::future::Future<Output = Result<(), StartupError>>,
{
    init_logging(json_logs);
    let workers = match workers {
        0 => std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
        n => n,
    };
    let _ = WORKERS.set(workers);
    let runtime = match runtime(1) {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            let usage = matches!(e, StartupError::Usage(_));
            std::process::ExitCode::from(if usage { 2 } else { 1 })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_of_the_command_line() {
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("7"), Ok(Duration::from_secs(7)));
        assert!(parse_duration("3h").is_err());
    }

    #[test]
    fn namespaced_flags_name_only_known_namespaces() {
        let flags = namespaced("listen", &["api=127.0.0.1:1".to_owned()], &["api"]).unwrap();
        assert_eq!(address(&flags, "api", "0.0.0.0:8080").unwrap().port(), 1);
        assert_eq!(
            address(&flags, "other", "0.0.0.0:8080").unwrap().port(),
            8080
        );
        let local = address(&flags, "other", "localhost:9198").unwrap();
        assert!(local.ip().is_loopback() && local.port() == 9198, "{local}");
        assert!(address(&flags, "other", "no port").is_err());
        let err = namespaced("listen", &["nope=1".to_owned()], &["api"]).unwrap_err();
        assert!(
            err.to_string().contains("unknown namespace `nope`"),
            "{err}"
        );
        assert!(namespaced("listen", &["x".to_owned()], &["api"]).is_err());
    }
}
