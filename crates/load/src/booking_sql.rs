//! The SQL of one HTTP booking, written once.
//!
//! The server's statements for `POST …/courses` with an `Idempotency-Key`
//! (captured from PostgreSQL with `log_statement = 'all'`) are templates
//! here, with `:name` parameters. The baselines render them: [`sqlite`]
//! for the C-API loop (names in backquotes and `?` parameters, as diesel
//! sends them to SQLite) and [`fill`] for the pgbench script, which keeps
//! the names in double quotes and gives each parameter a pgbench variable
//! or an expression. The scale seeding and the patients of a run write the
//! same rows with their own SQL, but through these column lists, so a new
//! column is added in one place.

/// A patient row as the API writes it, id first (seeding chooses ids).
pub const PATIENT_COLUMNS: [&str; 10] = [
    "id",
    "clinic_id",
    "external_ref",
    "display_name",
    "preferences",
    "intake_assessed_on",
    "consent_on_file",
    "escort_confirmed",
    "created_at",
    "updated_at",
];

/// What the server writes for a new course (the id is assigned).
pub const COURSE_COLUMNS: [&str; 8] = [
    "clinic_id",
    "patient_id",
    "protocol_version_id",
    "status",
    "current_phase",
    "booster_policy",
    "created_at",
    "updated_at",
];

/// What the server writes for a new session (the id is assigned).
pub const SESSION_COLUMNS: [&str; 11] = [
    "clinic_id",
    "course_id",
    "patient_id",
    "phase_index",
    "sequence",
    "chair_id",
    "starts_at",
    "ends_at",
    "status",
    "created_at",
    "updated_at",
];

/// Sessions per booked course: the IV preset's induction.
pub const SESSIONS_PER_COURSE: usize = 6;

/// Events a booking announces: `course.booked` and one `session.booked`
/// per session, in one INSERT.
pub const EVENTS_PER_BOOKING: usize = 1 + SESSIONS_PER_COURSE;

/// The statements of one booking, in the order the server sends them, all
/// in one transaction, as one server runs them in a steady state: the API
/// key is verified from the server's cache, and the clinic and its
/// calendar (live sessions, chairs, closures) from the calendar the server
/// kept, with the protocol's latest revision, which the clinic's count of
/// changes says is current (a server reads them again only after another
/// writer changed them).
pub struct Statements {
    /// The clinic's turn, counted (its writers take turns): a function on
    /// PostgreSQL (the server sends it with `BEGIN`, in one round trip,
    /// which pgbench cannot in prepared mode), the upsert it runs on SQLite.
    /// The `Idempotency-Key` is not looked up: the response is remembered
    /// under it at the end, and the unique key refuses a second one.
    pub turn: String,
    pub turn_sqlite: String,
    /// The planning read: the patient with their courses and the clinic's
    /// count of changes (is the kept calendar current?) in one join. The
    /// protocol's latest revision is kept with the calendar too.
    pub patient: String,
    /// The booking: course, sessions, outbox events (one statement), audit
    /// row; on PostgreSQL the course and its sessions are one statement
    /// (the sessions' times as arrays), and the audit row rides in the
    /// events' statement.
    pub course: String,
    pub sessions: String,
    pub course_with_sessions: String,
    pub outbox: String,
    pub audit: String,
    pub outbox_with_audit: String,
    /// The response, remembered under the key in the same transaction.
    pub remember: String,
}

impl Statements {
    pub fn new() -> Statements {
        let outbox = format!(
            r#"INSERT INTO "outbox" ("clinic_id", "event_id", "event_type", "aggregate_id", "payload", "created_at") VALUES {}"#,
            (1..=EVENTS_PER_BOOKING)
                .map(|n| format!(
                    "(:clinic, :event_id_{n}, :event_type_{n}, :course_id, :payload_{n}, :now)"
                ))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let audit = r#"INSERT INTO "audit_log" ("clinic_id", "key_id", "role", "action", "entity_type", "entity_id", "before", "after", "request_id", "at") VALUES (:clinic, :key, :role, :action, :entity_type, :course_id, :before, :after, :request_id, :now)"#;
        Statements {
            turn: r#"SELECT chairside_take_turn(:clinic)"#.into(),
            turn_sqlite: r#"INSERT INTO "clinic_turns" ("clinic_id", "changes") VALUES (:clinic, :one) ON CONFLICT ("clinic_id") DO UPDATE SET "changes" = ("clinic_turns"."changes" + :one) RETURNING "clinic_turns"."changes""#.into(),
            patient: r#"SELECT "patients"."id", "patients"."clinic_id", "patients"."external_ref", "patients"."display_name", "patients"."preferences", "patients"."intake_assessed_on", "patients"."consent_on_file", "patients"."rems_enrolled_on", "patients"."escort_confirmed", "patients"."calendar_token_hash", "patients"."version", "patients"."created_at", "patients"."updated_at", "courses"."id", "courses"."clinic_id", "courses"."patient_id", "courses"."protocol_version_id", "courses"."status", "courses"."current_phase", "courses"."booster_policy", "courses"."at_risk_reason", "courses"."version", "courses"."created_at", "courses"."updated_at", "courses"."modality", "courses"."series_started_at", "courses"."extension_accepted", "courses"."held_until", "clinic_turns"."changes" FROM (("patients" LEFT OUTER JOIN "courses" ON (("courses"."clinic_id" = "patients"."clinic_id") AND ("courses"."patient_id" = "patients"."id"))) LEFT OUTER JOIN "clinic_turns" ON ("clinic_turns"."clinic_id" = "patients"."clinic_id")) WHERE (("patients"."clinic_id" = :clinic) AND ("patients"."id" = :patient)) ORDER BY "courses"."id""#.into(),
            course: format!(
                r#"INSERT INTO "courses" ({}) VALUES (:clinic, :patient, :pv, :status, :phase, :booster_policy, :now, :now) RETURNING "courses"."id", "courses"."clinic_id", "courses"."patient_id", "courses"."protocol_version_id", "courses"."status", "courses"."current_phase", "courses"."booster_policy", "courses"."at_risk_reason", "courses"."version", "courses"."created_at", "courses"."updated_at", "courses"."series_start_sequence""#,
                quoted(&COURSE_COLUMNS)
            ),
            sessions: format!(
                r#"INSERT INTO "sessions" ({}) VALUES {} RETURNING "sessions"."id""#,
                quoted(&SESSION_COLUMNS),
                (1..=SESSIONS_PER_COURSE)
                    .map(|n| format!("(:clinic, :course_id, :patient, :phase, :sequence_{n}, :chair, :starts_{n}, :ends_{n}, :booked, :now, :now)"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            course_with_sessions: course_with_sessions(),
            outbox: outbox.clone(),
            audit: format!(r#"{audit} RETURNING "audit_log"."id""#),
            outbox_with_audit: format!("WITH first AS ({audit}) {outbox}"),
            remember: r#"INSERT INTO "idempotency_keys" ("clinic_id", "key_id", "idempotency_key", "request_fingerprint", "response_status", "response_body", "created_at") VALUES (:clinic, :key, :idempotency_key, :fingerprint, :response_status, :response_body, :now) RETURNING "idempotency_keys"."id", "idempotency_keys"."clinic_id", "idempotency_keys"."key_id", "idempotency_keys"."idempotency_key", "idempotency_keys"."request_fingerprint", "idempotency_keys"."response_status", "idempotency_keys"."response_body", "idempotency_keys"."created_at""#.into(),
        }
    }
}

/// The course and its sessions in one statement, as the server sends it to
/// PostgreSQL (`repo::courses::book`); the course's id comes back as `id`.
fn course_with_sessions() -> String {
    let array = |each: &dyn Fn(usize) -> String, of: &str| {
        let items: Vec<String> = (1..=SESSIONS_PER_COURSE).map(each).collect();
        format!("ARRAY[{}]::{of}[]", items.join(", "))
    };
    format!(
        r#"WITH new_course AS (INSERT INTO "courses" ("clinic_id", "patient_id", "protocol_version_id", "modality", "status", "current_phase", "booster_policy", "at_risk_reason", "series_started_at", "extension_accepted", "held_until", "created_at", "updated_at") VALUES (:clinic, :patient, :pv, :modality, :status, :phase, :booster_policy, :no_text, :no_instant, :no, :no_instant, :now, :now) RETURNING "courses"."id"), new_sessions AS (INSERT INTO sessions (clinic_id, course_id, patient_id, phase_index, sequence, chair_id, starts_at, ends_at, status, created_at, updated_at) SELECT :clinic, new_course.id, :patient, p.phase_index, p.sequence, p.chair_id, p.starts_at, p.ends_at, :booked, :now, :now FROM new_course, unnest({}, {}, {}, {}, {}) WITH ORDINALITY AS p(phase_index, sequence, chair_id, starts_at, ends_at, n) ORDER BY p.n RETURNING id) SELECT new_course.id AS id, ARRAY(SELECT id FROM new_sessions ORDER BY id) AS session_ids FROM new_course"#,
        array(&|_| ":phase".into(), "int4"),
        array(&|n| format!(":sequence_{n}"), "int4"),
        array(&|_| ":chair".into(), "int8"),
        array(&|n| format!(":starts_{n}"), "timestamp"),
        array(&|n| format!(":ends_{n}"), "timestamp"),
    )
}

/// `"a", "b", …`: column names as diesel quotes them in an INSERT.
fn quoted(columns: &[&str]) -> String {
    columns
        .iter()
        .map(|c| format!("\"{c}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A template for SQLite: every parameter `?`, bound in the order written
/// (`:live` is the four live statuses, as diesel expands `eq_any`).
pub fn sqlite(template: &str) -> String {
    fill(template, |name| match name {
        "live" => "IN (?, ?, ?, ?)".into(),
        _ => "?".into(),
    })
    .replace('"', "`")
}

/// A template with each `:name` replaced by `value(name)`; casts (`::`)
/// and what the values contain are left alone (pgbench variables in them
/// stay variables).
pub fn fill(template: &str, value: impl Fn(&str) -> String) -> String {
    let mut out = String::with_capacity(template.len() * 2);
    let mut rest = template;
    while let Some(at) = rest.find(':') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        if let Some(cast) = after.strip_prefix(':') {
            out.push_str("::");
            rest = cast;
            continue;
        }
        let len = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(after.len());
        if len == 0 {
            out.push(':');
        } else {
            out.push_str(&value(&after[..len]));
        }
        rest = &after[len..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_gets_backquotes_and_positional_parameters() {
        assert_eq!(
            sqlite(
                r#"SELECT "t"."a" FROM "t" WHERE ("t"."b" = :b) AND ("t"."c" :live) LIMIT :limit"#
            ),
            "SELECT `t`.`a` FROM `t` WHERE (`t`.`b` = ?) AND (`t`.`c` IN (?, ?, ?, ?)) LIMIT ?"
        );
    }

    #[test]
    fn fill_leaves_values_casts_and_lone_colons_alone() {
        let sql = fill("a = :x, b = ': ', c = :y_2::bigint", |name| {
            format!(":{name}_var")
        });
        assert_eq!(sql, "a = :x_var, b = ': ', c = :y_2_var::bigint");
    }

    #[test]
    fn every_session_row_has_its_own_times() {
        let sessions = Statements::new().sessions;
        for n in 1..=SESSIONS_PER_COURSE {
            assert!(
                sessions.contains(&format!(":starts_{n}, :ends_{n}")),
                "{sessions}"
            );
        }
        assert_eq!(sessions.matches(":now").count(), 2 * SESSIONS_PER_COURSE);
        let together = Statements::new().course_with_sessions;
        for n in 1..=SESSIONS_PER_COURSE {
            assert!(
                together.contains(&format!(":starts_{n}"))
                    && together.contains(&format!(":ends_{n}")),
                "{together}"
            );
        }
    }
}
