//! A skill whose `location` is absolute (tests/fixtures/skill-dirs.yaml): its files are read at
//! run time from the folder `NAFTIKO_SKILL_DIR_DEPLOYED_OPS` names (the spec's path otherwise),
//! never outside it. One test in this binary: it sets the process's environment.

mod common;

use naftiko_corpus::skill_dirs as fixture;
use serde_json::Value;

use common::serve;

#[tokio::test]
async fn a_skill_folder_named_by_an_absolute_location_is_read_at_run_time_and_kept_inside() {
    let base = std::env::temp_dir().join(format!("naftiko-skill-dirs-{}", std::process::id()));
    let dir = base.join("deployed-ops");
    std::fs::create_dir_all(dir.join("guides")).unwrap();
    std::fs::write(
        dir.join("SKILL.md"),
        "---\nname: deployed-ops\n---\n# Ops\n",
    )
    .unwrap();
    std::fs::write(dir.join("guides/restart.md"), "Restart gently.").unwrap();
    std::fs::write(base.join("secret.txt"), "not for callers").unwrap();
    // SAFETY: the only test of this binary; nothing else reads the environment meanwhile.
    unsafe { std::env::set_var("NAFTIKO_SKILL_DIR_DEPLOYED_OPS", &dir) };
    let url = serve(fixture::skills::ops_skills::router()).await;
    let get = |path: &str| {
        let url = format!("{url}{path}");
        async move {
            let response = reqwest::get(url).await.unwrap();
            let status = response.status().as_u16();
            let content_type = response
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned();
            (status, content_type, response.text().await.unwrap())
        }
    };
    let (status, _, body) = get("/skills/deployed-ops").await;
    assert_eq!(status, 200);
    let document: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(document["instructions"], "/skills/deployed-ops/SKILL.md");
    let (status, content_type, body) = get("/skills/deployed-ops/SKILL.md").await;
    assert_eq!(status, 200);
    assert_eq!(content_type, "text/markdown; charset=utf-8");
    assert!(body.contains("# Ops"));
    // Read when asked: a file changed on disk is served as it is now.
    std::fs::write(dir.join("guides/restart.md"), "Restart gently, twice.").unwrap();
    let (status, _, body) = get("/skills/deployed-ops/guides/restart.md").await;
    assert_eq!((status, body.as_str()), (200, "Restart gently, twice."));
    for outside in [
        "/skills/deployed-ops/../secret.txt",
        "/skills/deployed-ops/%2e%2e/secret.txt",
        "/skills/deployed-ops/guides/%2e%2e/%2e%2e/secret.txt",
        "/skills/deployed-ops/guides",
        "/skills/deployed-ops/missing.md",
    ] {
        let (status, _, body) = get(outside).await;
        assert_eq!(status, 404, "{outside}: {body}");
        assert!(!body.contains("not for callers"), "{outside}");
    }
    std::fs::remove_dir_all(&base).unwrap();
}
