//! The command line an operator scripts against.

use serde_json::json;

use crate::support::*;

/// Regression: `--role front_desk`, as README, docs/api.md and the OpenAPI
/// document spell it, was refused (clap only knew `front-desk`).
#[test]
fn api_key_create_accepts_the_documented_role_names() {
    let app = CHAIRSIDE.start(TestDb::sqlite());
    let clinic = app.clinic();
    let scope = clinic.id.to_string();
    for role in ["admin", "clinician", "front_desk", "integration"] {
        let output = app.api_key_create(&["--role", role, "--clinic", &scope]);
        assert!(
            output.status.success(),
            "--role {role}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let key = String::from_utf8(output.stdout).unwrap();
        assert_eq!(key.lines().count(), 1, "only the key on stdout: {key:?}");
        // Every key opens its clinic's schedule.
        app.get(key.trim(), &clinic.path("/sessions")).expect(200);
    }
}

#[test]
fn api_key_create_prints_only_a_working_key() {
    let db = TestDb::sqlite();
    let output = CHAIRSIDE.api_key_create(&db, &["--role", "admin", "--label", "ops"]);
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(
        stdout.lines().count(),
        1,
        "a script reads the key from stdout: {stdout:?}"
    );
    let key = stdout.trim().to_string();
    // A key for a clinic that does not exist is refused, and none printed.
    let refused = CHAIRSIDE.api_key_create(&db, &["--role", "admin", "--clinic", "424242"]);
    assert!(!refused.status.success());
    assert!(refused.stdout.is_empty(), "no key printed when refused");
    // The printed key opens the API; the server made no key of its own.
    let app = CHAIRSIDE.start(db);
    app.get(&key, "/v1/clinics").expect(200);
    app.post(
        &key,
        "/v1/clinics",
        &json!({"name": "Ops", "time_zone": ZONE_NAME, "hours": weekday_hours()}),
    )
    .expect(201);
    assert!(
        !app.server.log_text().contains("created an admin API key"),
        "{}",
        app.server.log_text()
    );
}

/// `chairside backup --to FILE` copies the SQLite database while the server
/// runs; the copy holds what was booked, and an existing file is never
/// overwritten.
#[test]
fn backup_copies_the_live_sqlite_database() {
    let app = CHAIRSIDE.start(TestDb::sqlite());
    let clinic = app.clinic();
    let patient = app.patient(&clinic, "MRN-BACKUP");
    let course = app.book_induction(&clinic, patient);
    let target = app.db.scratch.join("backup.sqlite");
    let backup = |target: &std::path::Path| {
        app.command()
            .args(["backup", "--to"])
            .arg(target)
            .output()
            .expect("run chairside backup")
    };
    let first = backup(&target);
    assert!(first.status.success(), "{first:?}");
    let again = backup(&target);
    assert!(!again.status.success(), "a backup must not overwrite");
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));

    let copy = chairside_store::Store::open(&chairside_store::StoreConfig::new(
        target.display().to_string(),
    ))
    .expect("open the backup");
    let booked = copy
        .read(|conn| {
            chairside_store::repo::sessions::for_course(
                conn,
                clinic.id,
                course["id"].as_i64().unwrap(),
            )
        })
        .expect("read the course's sessions from the backup");
    assert_eq!(booked.len(), 6, "the backup holds the booked induction");
}
