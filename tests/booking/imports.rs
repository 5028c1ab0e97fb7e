//! Moving a clinic in with one file: a dry run names every bad row, an
//! import with a bad row leaves nothing behind, a good one writes all, and
//! importing it again changes nothing.

use serde_json::{json, Value};

use crate::support::*;

fn import(app: &App, clinic: &Clinic, content_type: &str, body: &str, dry_run: bool) -> Reply {
    app.call("POST", &clinic.path(&format!("/imports?dry_run={dry_run}")))
        .key(&clinic.front_desk)
        .raw(content_type, body)
        .send()
}

fn patients(app: &App, clinic: &Clinic) -> Vec<Value> {
    app.get(&clinic.front_desk, &clinic.path("/patients?limit=200"))
        .expect(200)["items"]
        .as_array()
        .unwrap()
        .clone()
}

fn closures(app: &App, clinic: &Clinic) -> Vec<Value> {
    app.get(&clinic.front_desk, &clinic.path("/closures?limit=200"))
        .expect(200)["items"]
        .as_array()
        .unwrap()
        .clone()
}

/// A CSV of 200 good rows with three bad ones, the last near the end.
fn mixed_csv() -> String {
    let mut csv = String::from("kind,external_ref,display_name,intake_assessed_on,consent_on_file,external_id,chair,start,end,reason\r\n");
    for n in 1..=200 {
        csv.push_str(&format!(
            "patient,MRN-{n},\"Patient, {n}\",2026-11-01,true,,,,,\r\n"
        ));
        if n == 20 {
            csv.push_str("patient,MRN-BAD,,2026-11-01,true,,,,,\r\n"); // no name
        }
        if n == 120 {
            csv.push_str("chair_block,B-1,Chair 9,2026-12-24,2026-12-26,Holidays\r\n");
            // short row
        }
    }
    csv.push_str("chair_block,,,,,B-2,Chair 9,2026-12-24,2026-12-26,Holidays\r\n"); // no such chair
    csv.push_str(",,,,,B-3,Chair 1,2026-12-24T10:00,2026-12-24T12:00,Pump service\r\n"); // no kind
    csv
}

fn a_mixed_file_is_reported_row_by_row_and_leaves_nothing_behind(app: &App) {
    let clinic = app.clinic();
    let dry = import(app, &clinic, "text/csv", &mixed_csv(), true).expect(200);
    assert_eq!(dry["dry_run"], true);
    assert_eq!(dry["patients"]["created"], 200, "{dry}");
    let named: Vec<(u64, String)> = dry["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["row"].as_u64().unwrap(),
                p["field"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    // Rows count from 1 after the header; each bad row named with its field.
    assert_eq!(
        named,
        [
            (21, "display_name".into()),
            (122, "kind".into()),
            (203, "chair".into()),
            (204, "kind".into())
        ],
        "{dry}"
    );
    assert!(
        patients(app, &clinic).is_empty(),
        "a dry run writes nothing"
    );

    // Imported for real, the bad rows refuse the whole file: nothing is left.
    let refused = import(app, &clinic, "text/csv", &mixed_csv(), false).problem(422);
    assert_eq!(
        error_fields(&refused)[0],
        "rows[21].display_name",
        "{refused}"
    );
    assert!(patients(app, &clinic).is_empty());
    assert!(closures(app, &clinic).is_empty());
}
on_every_backend!(a_mixed_file_is_reported_row_by_row_and_leaves_nothing_behind);

fn a_good_file_imports_all_and_again_changes_nothing(app: &App) {
    let clinic = app.clinic();
    let mut ndjson = String::new();
    for n in 1..=150 {
        ndjson.push_str(&json!({"kind": "patient", "external_ref": format!("MRN-{n}"), "display_name": format!("P {n}"), "consent_on_file": true}).to_string());
        ndjson.push('\n');
    }
    for (id, span) in [
        ("B-1", ("2026-12-24", "2026-12-26")),
        ("B-2", ("2027-01-04T15:00:00Z", "2027-01-04T18:00:00Z")),
    ] {
        ndjson.push_str(&json!({"kind": "chair_block", "external_id": id, "chair": "Chair 2", "start": span.0, "end": span.1, "reason": "old system"}).to_string());
        ndjson.push('\n');
    }
    let first = import(app, &clinic, "application/x-ndjson", &ndjson, false).expect(200);
    assert_eq!(first["patients"]["created"], 150, "{first}");
    assert_eq!(first["chair_blocks"]["created"], 2);
    assert_eq!(patients(app, &clinic).len(), 150);
    let blocks = closures(app, &clinic);
    assert_eq!(blocks.len(), 2);
    assert_eq!(blocks[0]["chair_id"], json!(clinic.chairs[1]));
    assert_eq!(blocks[1]["span"]["kind"], "instants");

    let again = import(app, &clinic, "application/x-ndjson", &ndjson, false).expect(200);
    assert_eq!(
        again["patients"],
        json!({"created": 0, "updated": 0, "unchanged": 150}),
        "{again}"
    );
    assert_eq!(again["chair_blocks"]["unchanged"], 2);
    assert_eq!(closures(app, &clinic).len(), 2);

    let renamed = ndjson.replacen("\"P 1\"", "\"P one\"", 1);
    let third = import(app, &clinic, "application/x-ndjson", &renamed, false).expect(200);
    assert_eq!(third["patients"]["updated"], 1, "{third}");

    let refused = app
        .call("POST", &clinic.path("/imports"))
        .key(&clinic.front_desk)
        .raw("application/xml", "<rows/>")
        .send()
        .problem(415);
    assert!(refused["detail"].as_str().unwrap().contains("x-ndjson"));
}
on_every_backend!(a_good_file_imports_all_and_again_changes_nothing);

fn a_file_with_no_readable_row_is_no_import(app: &App) {
    let clinic = app.clinic();
    for (content_type, body) in [
        ("text/csv", "{}"),
        ("application/x-ndjson", "{}"),
        ("text/csv", ""),
    ] {
        for dry_run in [true, false] {
            let refused = import(app, &clinic, content_type, body, dry_run).problem(422);
            assert!(
                error_fields(&refused)[0].starts_with("rows[")
                    || error_fields(&refused)[0] == "body",
                "{refused}"
            );
        }
    }
}
on_every_backend!(a_file_with_no_readable_row_is_no_import);

/// A patient and the appointments the old system had booked, in one file:
/// the course keeps them and Chairside books the rest of the series; a
/// second import books nothing twice; a time the rules refuse is named.
fn booked_appointments_move_in_with_their_patient(app: &App) {
    let clinic = app.clinic();
    let monday = next_monday();
    let day = |n: i64| monday + chrono::Duration::days(n);
    let mut ndjson = json!({"kind": "patient", "external_ref": "MRN-A", "display_name": "A",
        "intake_assessed_on": today().to_string(), "consent_on_file": true, "escort_confirmed": true}).to_string();
    for (n, offset) in [(1, 0), (2, 2), (3, 4)] {
        ndjson.push('\n');
        ndjson.push_str(&json!({"kind": "appointment", "external_id": format!("OLD-{n}"), "patient": "MRN-A",
            "protocol": "iv-ketamine-standard", "chair": "Chair 1", "start": format!("{}T10:00", day(offset))}).to_string());
    }
    let report = import(app, &clinic, "application/x-ndjson", &ndjson, false).expect(200);
    assert_eq!(report["appointments"]["created"], 3, "{report}");
    let patient = patients(app, &clinic)[0]["id"].as_i64().unwrap();
    let courses = app
        .get(
            &clinic.front_desk,
            &clinic.path(&format!("/courses?patient_id={patient}")),
        )
        .expect(200);
    let course = &courses["items"][0];
    let booked = with_status(course, &["booked"]);
    assert_eq!(booked.len(), 6, "three kept, three planned: {course}");
    for (session, offset) in booked.iter().zip([0, 2, 4]) {
        assert_eq!(local_date(session), day(offset));
        assert_eq!(session["local"]["start"], "10:00");
        assert_eq!(session["chair_id"], json!(clinic.chairs[0]));
    }

    let again = import(app, &clinic, "application/x-ndjson", &ndjson, false).expect(200);
    assert_eq!(again["appointments"]["unchanged"], 3, "{again}");

    // A Saturday appointment for another patient: refused, naming the rule.
    let saturday = json!({"kind": "appointment", "external_id": "OLD-9", "patient": "MRN-A2",
        "protocol": "iv-ketamine-standard", "chair": "Chair 2", "start": format!("{}T10:00", day(5))});
    let patient_2 = json!({"kind": "patient", "external_ref": "MRN-A2", "display_name": "B",
        "intake_assessed_on": today().to_string(), "consent_on_file": true, "escort_confirmed": true});
    let dry = import(
        app,
        &clinic,
        "application/x-ndjson",
        &format!("{patient_2}\n{saturday}"),
        true,
    )
    .expect(200);
    assert_eq!(dry["problems"][0]["row"], 2, "{dry}");
    assert_eq!(dry["problems"][0]["field"], "start");
    assert!(
        dry["problems"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("opening hours"),
        "{dry}"
    );
}
on_every_backend!(booked_appointments_move_in_with_their_patient);
