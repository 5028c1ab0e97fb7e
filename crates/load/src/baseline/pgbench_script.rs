//! The pgbench script of one HTTP booking: the statements of
//! [`crate::booking_sql`], in the server's order, with this run's ids and
//! the payloads filled in; chairside-load writes it to the scratch
//! directory and passes `-D n=<first booking number>`.
//!
//! Each pgbench client books like one HTTP client: in clinic
//! `client_id % clinics`, for a new patient each time, six sessions on a
//! chair of its own two hours apart (so no booking ever conflicts); the
//! planning reads cover 53 days reaching three weeks back, so they return a
//! few hundred live sessions as the server's planning snapshot does.

use chrono::NaiveDateTime;

use super::ids::{Ids, BOOKING_SECONDS, LANE_SHIFT_SECONDS};
use super::values::*;
use crate::booking_sql::{fill, Statements};
use crate::world::{IV_BOOSTER_POLICY, PATIENT_ID_BASE};

/// The variables of one transaction: [`Ids`]' arithmetic in pgbench.
const HEADER: &str = r"\set n :n + 1
\set ci :client_id % {clinics}
\set lane :client_id / {clinics}
\set clinic {clinic0} + :ci
\set chair {chair0} + :ci * {chairs} + :lane % {chairs}
\set patient {patient0} + ((:n * {lanes} + :lane) % {pool}) * {clinics} + :ci
\set pv {version0} + :ci * {protocol_step}
\set key {key0} + :ci
\set t0 (:lane / {chairs}) * {lane_shift} + :n * {booking_seconds}
";

/// The script with this run's ids and the payloads filled in.
pub fn script(ids: &Ids, base: NaiveDateTime) -> String {
    let sql = Statements::new();
    let base = format!(
        "{}::timestamp",
        literal(&base.format("%Y-%m-%d %H:%M:%S").to_string())
    );
    let pg = |template: &str| {
        fill(template, |name| {
            value(name, &base).unwrap_or_else(|| format!(":{name}"))
        })
    };
    // The outbox rows (the course's event first, then one per session),
    // with the audit row as a `WITH`, as the server sends them.
    let events = fill(&sql.outbox_with_audit, |name| match event_value(name) {
        Some(value) => value,
        None => value(name, &base).unwrap_or_else(|| format!(":{name}")),
    });
    let mut lines = vec![header(ids), "BEGIN;".into(), pg(&sql.turn) + ";"];
    lines.push(pg(&sql.patient) + ";");
    // The course with its sessions; the course's id comes back as
    // :course_id.
    lines.push(pg(&sql.course_with_sessions) + "\n\\gset course_");
    lines.push(events + ";");
    lines.push(pg(&sql.remember) + ";");
    lines.push("COMMIT;\n".into());
    lines.join("\n")
}

/// The `k`-th outbox row's id, type and payload (`k` = 1: the course's).
fn event_value(name: &str) -> Option<String> {
    let (field, k) = name.rsplit_once('_')?;
    let k: usize = k.parse().ok()?;
    let (kind, payload) = if k == 1 {
        (COURSE_BOOKED, COURSE_PAYLOAD)
    } else {
        (SESSION_BOOKED, SESSION_PAYLOAD)
    };
    Some(match field {
        "event_id" => format!("'evt_pgbench_' || :client_id || '_' || :n || '_{k}'"),
        "event_type" => text(kind),
        "payload" => literal(payload),
        _ => return None,
    })
}

/// What pgbench sends for parameter `name` of the booking's statements
/// (`base`: the literal of the base instant), or `None` where a pgbench
/// variable of the same name stands (`:clinic`, `:course_id`, …).
fn value(name: &str, base: &str) -> Option<String> {
    // Instants are offsets in seconds from the base, as in the SQLite loop.
    let at = |seconds: String| format!("{base} + ({seconds}) * INTERVAL '1 second'");
    let slot = |n: &str| n.parse::<i64>().ok().map(|n| (n - 1) * SLOT_SECONDS);
    Some(match name {
        "limit" => "1".into(),
        "idempotency_key" => "'pgbench-' || :client_id || '-' || :n".into(),
        "status" => text(COURSE_STATUS),
        "phase" => "0".into(),
        "booster_policy" => literal(IV_BOOSTER_POLICY),
        "now" => "localtimestamp(0)".into(),
        "booked" => text(SESSION_STATUS),
        // The loop cycles through its patients, so one is booked again:
        // with no kind (NULL), the one-running-course-per-kind index still
        // takes its entry but never refuses the repeat.
        "modality" => "NULL::text".into(),
        "no_text" => "NULL::text".into(),
        "no_instant" => "NULL::timestamp".into(),
        "no" => "false".into(),
        "role" => text(AUDIT_ROLE),
        "action" => text(AUDIT_ACTION),
        "entity_type" => text(AUDIT_ENTITY),
        "before" => "NULL".into(),
        "after" => literal(COURSE_PAYLOAD),
        "request_id" => text(REQUEST_ID),
        "fingerprint" => text(FINGERPRINT),
        "response_status" => RESPONSE_STATUS.to_string(),
        "response_body" => literal(RESPONSE_BODY),
        _ => match name.split_once('_')? {
            ("sequence", n) => n.to_string(),
            ("starts", n) => at(format!(":t0::bigint + {}", slot(n)?)),
            ("ends", n) => at(format!(":t0::bigint + {}", slot(n)? + SESSION_SECONDS)),
            _ => return None,
        },
    })
}

/// The `\set` lines with this run's ids.
fn header(ids: &Ids) -> String {
    let mut header = HEADER.to_string();
    for (name, value) in [
        ("clinics", ids.clinics),
        ("clinic0", ids.clinic0),
        ("chairs", ids.chairs),
        ("chair0", ids.chair0),
        ("lanes", ids.lanes),
        ("pool", ids.pool),
        ("patient0", PATIENT_ID_BASE),
        ("version0", ids.version0),
        ("protocol_step", ids.protocol_step),
        ("key0", ids.key0),
        ("lane_shift", LANE_SHIFT_SECONDS),
        ("booking_seconds", BOOKING_SECONDS),
    ] {
        header = header.replace(&format!("{{{name}}}"), &value.to_string());
    }
    header.trim_end().to_string()
}

fn quote(s: &str) -> String {
    s.replace('\'', "''")
}

/// A plain literal, for text without colons.
fn text(s: &str) -> String {
    format!("'{}'", quote(s))
}

/// An E'' literal with every colon escaped: pgbench reads ":00" inside a
/// literal as a variable.
fn literal(s: &str) -> String {
    format!("E'{}'", quote(s).replace(':', "\\x3a"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::booking_sql::{EVENTS_PER_BOOKING, SESSIONS_PER_COURSE};

    fn ids() -> Ids {
        Ids {
            clinics: 8,
            chairs: 6,
            clinic0: 1,
            chair0: 1,
            protocol0: 1,
            version0: 1,
            protocol_step: 2,
            key0: 2,
            pool: 1000,
            lanes: 4,
        }
    }

    fn base() -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2030, 1, 7)
            .unwrap()
            .and_hms_opt(12, 0, 0)
            .unwrap()
    }

    #[test]
    fn only_pgbench_variables_are_left() {
        let sql = script(&ids(), base());
        for (at, _) in sql.match_indices('{') {
            let inner = sql[at + 1..].split('}').next().unwrap_or("");
            assert!(
                !inner
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
                "{{{inner}}} left"
            );
        }
        let variables = [
            "n",
            "ci",
            "lane",
            "clinic",
            "chair",
            "patient",
            "protocol",
            "pv",
            "key",
            "t0",
            "client_id",
            "course_id",
        ];
        for line in sql.lines().filter(|l| !l.starts_with('\\')) {
            fill(line, |name| {
                assert!(variables.contains(&name), "unknown :{name} in {line}");
                String::new()
            });
        }
    }

    #[test]
    fn instants_are_escaped_literals() {
        let sql = script(&ids(), base());
        assert!(sql.contains(r"E'2030-01-07 12\x3a00\x3a00'::timestamp"));
        // pgbench would take ":00" in a literal for a variable.
        for line in sql.lines() {
            let digit_after_colon = line
                .split(':')
                .skip(1)
                .any(|rest| rest.starts_with(|c: char| c.is_ascii_digit()));
            assert!(!digit_after_colon, "a colon before a digit in {line}");
        }
    }

    #[test]
    fn every_event_in_one_insert_and_no_course_lock() {
        let sql = script(&ids(), base());
        assert_eq!(sql.matches("'session.booked'").count(), SESSIONS_PER_COURSE);
        assert_eq!(sql.matches("'course.booked'").count(), 1);
        assert_eq!(sql.matches(r#"INSERT INTO "outbox""#).count(), 1);
        assert!(sql.contains(&format!("'_{EVENTS_PER_BOOKING}'")), "{sql}");
        assert!(!sql.contains(r#"UPDATE "courses""#));
        assert_eq!(sql.matches("\\gset course_").count(), 1);
    }
}
