//! A clinic to work in, dates relative to today, and the rules an IV
//! induction must keep, checked from the outside.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc, Weekday};
use chrono_tz::Tz;
use serde_json::{json, Value};

use super::App;

/// Every clinic in these tests is on New York time.
pub const ZONE: Tz = chrono_tz::America::New_York;
pub const ZONE_NAME: &str = "America/New_York";

/// Today in the clinic's zone, at run time.
pub fn today() -> NaiveDate {
    Utc::now().with_timezone(&ZONE).date_naive()
}

/// The first Monday after today in the clinic's zone: the service refuses
/// to plan before today, so plans start here. Computed once per run, so a
/// test running across midnight keeps one Monday.
pub fn next_monday() -> NaiveDate {
    static MONDAY: std::sync::OnceLock<NaiveDate> = std::sync::OnceLock::new();
    *MONDAY.get_or_init(|| {
        let today = today();
        today + Duration::days(7 - i64::from(today.weekday().num_days_from_monday()))
    })
}

/// Monday to Friday, 08:00 to 18:00.
pub fn weekday_hours() -> Value {
    let day = json!([{"opens": "08:00", "closes": "18:00"}]);
    json!({"mon": day, "tue": day, "wed": day, "thu": day, "fri": day})
}

/// A patient's registration with every gate before a first dose passed:
/// intake assessed a week ago, consent on file, an escort confirmed. For
/// tests that register through a server or client of their own.
pub fn ready_for_a_first_dose(external_ref: &str, display_name: &str) -> Value {
    json!({
        "external_ref": external_ref,
        "display_name": display_name,
        "intake_assessed_on": (today() - Duration::days(7)).to_string(),
        "consent_on_file": true,
        "escort_confirmed": true,
    })
}

/// A clinic set up by the admin, and a front-desk key scoped to it.
pub struct Clinic {
    pub id: i64,
    pub chairs: Vec<i64>,
    pub front_desk: String,
}

impl Clinic {
    /// `/v1/clinics/{id}` followed by `rest`.
    pub fn path(&self, rest: &str) -> String {
        format!("/v1/clinics/{}{rest}", self.id)
    }
}

impl App {
    /// A New York clinic with these hours and `chairs` chairs for IV and
    /// intranasal treatment.
    pub fn clinic_with(&self, name: &str, hours: Value, chairs: usize) -> Clinic {
        let clinic = self
            .post(
                &self.admin,
                "/v1/clinics",
                &json!({"name": name, "time_zone": ZONE_NAME, "hours": hours}),
            )
            .expect(201);
        let id = clinic["id"].as_i64().expect("clinic id");
        let chairs = (1..=chairs)
            .map(|n| {
                self.post(
                    &self.admin,
                    &format!("/v1/clinics/{id}/chairs"),
                    &json!({"label": format!("Chair {n}"), "modalities": ["iv", "intranasal"]}),
                )
                .expect(201)["id"]
                    .as_i64()
                    .expect("chair id")
            })
            .collect();
        let front_desk = self.create_key("front_desk", Some(id));
        Clinic {
            id,
            chairs,
            front_desk,
        }
    }

    /// Mon–Fri 08:00–18:00 with three chairs.
    pub fn clinic(&self) -> Clinic {
        self.clinic_with("Harbour Infusion Clinic", weekday_hours(), 3)
    }

    /// Registers a patient ready for a first dose (intake, consent, escort).
    pub fn patient(&self, clinic: &Clinic, external_ref: &str) -> i64 {
        self.post(
            &clinic.front_desk,
            &clinic.path("/patients"),
            &ready_for_a_first_dose(external_ref, &format!("Patient {external_ref}")),
        )
        .expect(201)["id"]
            .as_i64()
            .expect("patient id")
    }

    /// The clinic's protocol with this code (`iv-ketamine-standard`, …).
    pub fn protocol(&self, clinic: &Clinic, code: &str) -> Value {
        let list = self
            .get(&clinic.front_desk, &clinic.path("/protocols"))
            .expect(200);
        list.as_array()
            .expect("a list of protocols")
            .iter()
            .find(|p| p["code"] == code)
            .unwrap_or_else(|| panic!("no protocol {code} in {list}"))
            .clone()
    }

    pub fn protocol_id(&self, clinic: &Clinic, code: &str) -> i64 {
        self.protocol(clinic, code)["id"]
            .as_i64()
            .expect("protocol id")
    }

    /// Books an IV-ketamine induction from next Monday; returns the course.
    pub fn book_induction(&self, clinic: &Clinic, patient: i64) -> Value {
        let protocol = self.protocol_id(clinic, "iv-ketamine-standard");
        self.post(
            &clinic.front_desk,
            &clinic.path("/courses"),
            &json!({"patient_id": patient, "protocol_id": protocol, "earliest": next_monday().to_string()}),
        )
        .expect(201)
    }

    /// A session and its ETag.
    pub fn session(&self, clinic: &Clinic, id: i64) -> (Value, String) {
        let reply = self.get(&clinic.front_desk, &clinic.path(&format!("/sessions/{id}")));
        (reply.expect(200), reply.etag())
    }

    /// Runs a session action (`check-in`, `complete`, `no-show`, `cancel`,
    /// `reschedule`, …) with the session's current ETag; returns the reply.
    pub fn act(
        &self,
        clinic: &Clinic,
        id: i64,
        action: &str,
        body: Option<&Value>,
    ) -> super::Reply {
        let (_, etag) = self.session(clinic, id);
        let call = self
            .call("POST", &clinic.path(&format!("/sessions/{id}/{action}")))
            .key(&clinic.front_desk)
            .if_match(&etag);
        match body {
            Some(body) => call.json(body).send(),
            None => call.send(),
        }
    }

    /// Records what happened at session `id` (a PATCH of its monitoring
    /// with the record's current ETag) as `key`; returns the reply.
    pub fn monitor(&self, clinic: &Clinic, key: &str, id: i64, change: &Value) -> super::Reply {
        let path = clinic.path(&format!("/sessions/{id}/monitoring"));
        let etag = self.get(key, &path).etag();
        self.call("PATCH", &path)
            .key(key)
            .if_match(&etag)
            .json(change)
            .send()
    }

    /// Records a pre-dose blood pressure of 128/82 and the first device (or
    /// infusion start) now, on session `id` (checked in).
    pub fn start_dose(&self, clinic: &Clinic, id: i64) -> Value {
        let now = self.now().to_rfc3339();
        self.monitor(
            clinic,
            &clinic.front_desk,
            id,
            &json!({
                "blood_pressure": [{"point": "before_dosing", "systolic": 128, "diastolic": 82, "taken_at": now}],
                "dose_started_at": now,
            }),
        )
        .expect(200)
    }

    pub fn course(&self, clinic: &Clinic, id: i64) -> Value {
        self.get(&clinic.front_desk, &clinic.path(&format!("/courses/{id}")))
            .expect(200)
    }
}

/// Minutes a protocol's session holds its chair (check, treatment, monitoring).
pub fn chair_minutes(protocol: &Value) -> i64 {
    let chair_time = &protocol["definition"]["chair_time"];
    [
        "pre_dose_check_minutes",
        "treatment_minutes",
        "monitoring_minutes",
    ]
    .iter()
    .map(|k| chair_time[k].as_i64().expect("chair time minutes"))
    .sum()
}

/// A session's id.
pub fn id(session: &Value) -> i64 {
    session["id"].as_i64().expect("an id")
}

/// A session's clinic-local date.
pub fn local_date(session: &Value) -> NaiveDate {
    session["local"]["date"]
        .as_str()
        .and_then(|d| d.parse().ok())
        .unwrap_or_else(|| panic!("no local date in {session}"))
}

fn wall(session: &Value, which: &str) -> NaiveTime {
    let text = session["local"][which]
        .as_str()
        .unwrap_or_else(|| panic!("no local {which} in {session}"));
    NaiveTime::parse_from_str(text, "%H:%M").unwrap_or_else(|e| panic!("local {which} {text}: {e}"))
}

pub fn instant(session: &Value, which: &str) -> DateTime<Utc> {
    session[which]
        .as_str()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .unwrap_or_else(|| panic!("no RFC 3339 `{which}` in {session}"))
        .with_timezone(&Utc)
}

/// The sessions of a course with one of these statuses, in time order.
pub fn with_status<'a>(course: &'a Value, statuses: &[&str]) -> Vec<&'a Value> {
    let mut sessions: Vec<&Value> = course["sessions"]
        .as_array()
        .expect("sessions")
        .iter()
        .filter(|s| statuses.iter().any(|status| s["status"] == *status))
        .collect();
    sessions.sort_by_key(|s| instant(s, "start"));
    sessions
}

/// Sessions that hold a chair: booked, checked in, completed, not dosed.
pub const LIVE: &[&str] = &["booked", "checked_in", "completed", "not_dosed"];

/// Asserts that a session's chair interval lies inside Mon–Fri 08:00–18:00
/// in New York, and that its `local` fields say what its UTC instants mean.
#[track_caller]
pub fn assert_inside_opening_hours(session: &Value) {
    let (start, end) = (instant(session, "start"), instant(session, "end"));
    let local_start = start.with_timezone(&ZONE);
    assert_eq!(session["local"]["zone"], ZONE_NAME, "{session}");
    assert_eq!(local_date(session), local_start.date_naive(), "{session}");
    assert_eq!(wall(session, "start"), local_start.time(), "{session}");
    assert_eq!(
        wall(session, "end"),
        end.with_timezone(&ZONE).time(),
        "{session}"
    );
    assert_eq!(
        end.with_timezone(&ZONE).date_naive(),
        local_date(session),
        "the chair interval ends on another day: {session}"
    );
    let weekday = local_date(session).weekday();
    assert!(
        !matches!(weekday, Weekday::Sat | Weekday::Sun),
        "a session on a {weekday}: {session}"
    );
    let (opens, closes) = (
        NaiveTime::from_hms_opt(8, 0, 0).unwrap(),
        NaiveTime::from_hms_opt(18, 0, 0).unwrap(),
    );
    assert!(
        wall(session, "start") >= opens && wall(session, "end") <= closes,
        "outside 08:00-18:00: {session}"
    );
}

/// Asserts that sessions form an IV-ketamine induction: six, first to last
/// within 21 days, never on consecutive local days, at most 7 days apart,
/// each inside opening hours, none before `earliest`, each holding its
/// chair for `chair_minutes`.
#[track_caller]
pub fn assert_induction(sessions: &[&Value], earliest: NaiveDate, chair_minutes: i64) {
    let listing = || {
        sessions
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(sessions.len(), 6, "six sessions:\n{}", listing());
    let mut dates: Vec<NaiveDate> = sessions.iter().map(|s| local_date(s)).collect();
    dates.sort();
    assert!(dates[0] >= earliest, "before {earliest}:\n{}", listing());
    assert!(
        (dates[5] - dates[0]).num_days() <= 21,
        "first to last over 21 days:\n{}",
        listing()
    );
    for pair in dates.windows(2) {
        let gap = (pair[1] - pair[0]).num_days();
        assert!(
            (2..=7).contains(&gap),
            "{} then {}: {gap} days apart:\n{}",
            pair[0],
            pair[1],
            listing()
        );
    }
    for session in sessions {
        assert_inside_opening_hours(session);
        assert_eq!(
            (instant(session, "end") - instant(session, "start")).num_minutes(),
            chair_minutes,
            "{session}"
        );
    }
}
