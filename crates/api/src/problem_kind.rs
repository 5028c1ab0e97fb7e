//! Every kind of problem the API answers with, once: its status, its type
//! URI, its title and when it happens. `docs/api.md`'s table and the
//! OpenAPI document's shared responses are generated from this list (and a
//! test fails when they drift); no problem type is spelt anywhere else.

use actix_web::http::StatusCode;
use chairside_engine::course::CourseRule;

macro_rules! problem_kinds {
    ($( $(#[$doc:meta])* $kind:ident = ($status:literal, $slug:literal, $title:literal, $when:literal), )+) => {
        /// A kind of problem (RFC 9457 `type`), with everything said about it.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum ProblemKind {
            $( $(#[$doc])* $kind, )+
        }

        impl ProblemKind {
            /// Every kind, in the order `docs/api.md` lists them.
            pub const ALL: &'static [ProblemKind] = &[$(ProblemKind::$kind),+];

            /// The HTTP status it is answered with.
            pub fn status(self) -> StatusCode {
                let code = match self { $( ProblemKind::$kind => $status, )+ };
                StatusCode::from_u16(code).expect("a valid status")
            }

            /// The last segment of its type URI (`chair-taken`).
            pub fn slug(self) -> &'static str {
                match self { $( ProblemKind::$kind => $slug, )+ }
            }

            /// Its title: a short summary of the kind.
            pub fn title(self) -> &'static str {
                match self { $( ProblemKind::$kind => $title, )+ }
            }

            /// When it happens, for the documentation.
            pub fn when(self) -> &'static str {
                match self { $( ProblemKind::$kind => $when, )+ }
            }
        }
    };
}

problem_kinds! {
    BadRequest = (400, "bad-request", "The request is malformed",
        "malformed JSON, malformed query parameter or header (one holding a NUL character too), unknown cursor"),
    Unauthenticated = (401, "unauthenticated", "A valid API key is required",
        "no API key, or an unknown or revoked one"),
    Forbidden = (403, "forbidden", "This API key may not do this",
        "the key's role or clinic scope does not allow it; a clinical decision asked by a key that is not a clinician's or an admin's (`rule`: `clinical_decision`)"),
    NotFound = (404, "not-found", "No such resource",
        "no such resource in this clinic, no such route, or a malformed id in the path"),
    MethodNotAllowed = (405, "method-not-allowed", "This path does not take this method",
        "the path exists, but not with this method (`Allow` lists its methods)"),
    RequestTimeout = (408, "request-timeout", "The request came too slowly",
        "the request's head (line and headers) did not arrive within 5 seconds; the connection is closed"),
    ChairTaken = (409, "chair-taken", "The chair is taken at that time",
        "the chair is held by a live session then (a booking that lost a race, a time chosen by hand)"),
    PatientDoubleBooked = (409, "patient-double-booked", "The patient already has a session then",
        "the patient has a live session that overlaps, or one on the same day"),
    ChairHasSessions = (409, "chair-has-sessions", "The chair holds future sessions",
        "a chair taken out of service still holds booked or checked-in sessions"),
    DuplicateExternalRef = (409, "duplicate-external-ref", "The external reference is taken",
        "another patient of the clinic has this `external_ref`"),
    DuplicateChairLabel = (409, "duplicate-chair-label", "The chair label is taken",
        "another chair of the clinic has this label"),
    DuplicateStaffLabel = (409, "duplicate-staff-label", "The staff label is taken",
        "another staff member of the clinic has this label"),
    StaffShort = (409, "staff-short", "Not enough staff on shift then",
        "a session at a time chosen by hand would leave a patient without the staff its protocol asks for (`detail` says which role, when, how many are needed and how many are on shift)"),
    ShiftChangeUncovers = (409, "shift-change-uncovers", "The change would leave booked sessions uncovered",
        "a change of staff, shifts, ratios or turning staff planning on would leave booked sessions without the staff they need; `uncovered` lists each (session, start, what falls short); move them first"),
    DuplicateProtocolCode = (409, "duplicate-protocol-code", "The protocol code is taken",
        "another protocol of the clinic has this code"),
    Duplicate = (409, "duplicate", "A unique value is taken",
        "a unique value is already used"),
    AlreadyHeld = (409, "already-held", "A time is already held for this session",
        "one held time per session: confirm it or let it go before holding another"),
    OfferClosed = (409, "offer-closed", "The offer is no longer open",
        "it was accepted, declined or ran out (`expires_at`); its time went to the next in line"),
    IdempotencyInProgress = (409, "idempotency-in-progress", "A request with this Idempotency-Key is running",
        "a request with the same `Idempotency-Key` is still running; retry for its response"),
    Contention = (409, "contention", "A concurrent change won",
        "a concurrent change to the same rows won even after re-planning; safe to send again"),
    StatusTransition = (409, "status-transition", "Statuses only move forward",
        "the session's status does not allow it (`rule`: `status_order`): booked → checked in → completed or not dosed; booked → cancelled or no-show"),
    CheckInWindow = (409, "check-in-window", "Check-in is not open",
        "check-in is on the session's local day, from the clinic's lead before its start until its end; `possible_from` says when it opens"),
    NoShowGrace = (409, "no-show-grace", "Too early for a no-show",
        "a no-show is marked only from the start plus the clinic's grace period; `possible_from` says when"),
    BloodPressure = (409, "blood-pressure", "Blood pressure holds the dose",
        "a dose start recorded without the blood pressure before dosing (`rule`: `pre_dose_blood_pressure`), or above the clinic's limit without a clinician's reason (`rule`: `blood_pressure_limit`; the way out is the reason or *not dosed*)"),
    RemsMonitoring = (409, "rems-monitoring", "Too early to discharge under the REMS",
        "an esketamine patient leaves no earlier than two hours after the first device (`rule`: `rems_minimum_monitoring`, `possible_from` the earliest time), and only once that time is recorded (`rule`: `first_device_recorded`)"),
    CourseStatus = (409, "course-status", "The course's status does not allow this",
        "the action needs an active course (a correction that brings a session back too), a paused one (resume), or one not yet over"),
    NotAtRisk = (409, "not-at-risk", "The course is not at risk",
        "only an at-risk course takes the at-risk decision, or freed chair time that saves it"),
    DoesNotSave = (409, "does-not-save", "The freed time does not save the course",
        "freed chair time goes to an at-risk course only when the course is then back inside its rules; `detail` says what still breaks"),
    OneRunningCourse = (409, "one-running-course", "The patient has a running course of this kind",
        "a patient has one active course of each kind (IV, IM, intranasal); `course_id` names the one running"),
    NoShorterStep = (409, "no-shorter-step", "No shorter booster interval",
        "booster spacing is already at its most frequent step"),
    NothingToUndo = (409, "nothing-to-undo", "Nothing to undo",
        "the session's status never changed, or undoing it would book a dose the series no longer owes (its doses are booked)"),
    PhaseEnded = (409, "phase-ended", "The dose's phase has ended",
        "a dose of a phase that has ended, or of a series a clinician restarted, stays as it is: it is not omitted, moved, or brought back by a correction"),
    LastDose = (409, "last-dose", "A series keeps its doses",
        "omitting would leave the series empty (end the course instead) or fewer doses than are already given or under way"),
    SeriesOnly = (409, "series-only", "Only a series takes this",
        "omit and restart are for series; boosters are open-ended"),
    Stale = (412, "stale", "The resource changed since you read it",
        "`If-Match` is not the current ETag"),
    TooLarge = (413, "too-large", "The request body is too large",
        "the body is over the limit (64 KiB by default), as sent or as decoded: a compressed body is decoded only up to the limit"),
    UnsupportedMediaType = (415, "unsupported-media-type", "The body must be JSON",
        "the body is not JSON (`application/json` or `application/*+json`), or its `Content-Encoding` is neither identity, gzip nor deflate"),
    Invalid = (422, "invalid", "The request is invalid",
        "unknown field, wrong type (an array where an object is expected too: nothing is read by position), bad date or a date outside 1900–2999, a local time that does not exist or is ambiguous, a date in the past where a future one is needed, text holding a NUL character, nonsense values; `errors` names the field"),
    Infeasible = (422, "infeasible", "No schedule keeps the rules",
        "no plan keeps the rules: `rule` names the rule, `earliest_feasible` the first date that works"),
    RuleViolations = (422, "rule-violations", "The schedule breaks scheduling rules",
        "a session as asked breaks rules: `violations` lists each (`rule`, `sequence`, `detail`); a clinician may override the protocol's spacing with a reason"),
    GateNotPassed = (422, "gate-not-passed", "A gate before treatment is not passed",
        "intake, consent, REMS certification or enrolment, or a driver home is missing: `errors[0].field` names the gate"),
    IfMatchRequired = (428, "if-match-required", "If-Match is required",
        "a change without `If-Match`"),
    RateLimited = (429, "rate-limited", "Too many requests with this API key",
        "the key is over its rate limit (`Retry-After`)"),
    HeadersTooLarge = (431, "headers-too-large", "The request's headers are too large",
        "the request's head is over 128 KiB or has more than 96 headers; the connection is closed"),
    Unavailable = (503, "unavailable", "The service is temporarily unavailable",
        "the database is out of reach or busy (`Retry-After`)"),
    Internal = (500, "internal", "Internal error",
        "a bug: its details go to the log, not the client"),
}

impl ProblemKind {
    /// Its type URI (`/problems/chair-taken`).
    pub fn type_uri(self) -> String {
        format!("/problems/{}", self.slug())
    }

    /// The problem a course rule's refusal is (gates are 422, a clinical
    /// decision 403, the rest 409).
    pub fn of_course_rule(rule: CourseRule) -> ProblemKind {
        match rule {
            CourseRule::StatusOrder => ProblemKind::StatusTransition,
            CourseRule::CheckInWindow => ProblemKind::CheckInWindow,
            CourseRule::NoShowGrace => ProblemKind::NoShowGrace,
            CourseRule::CourseActive | CourseRule::CoursePaused | CourseRule::CourseOver => {
                ProblemKind::CourseStatus
            }
            CourseRule::AtRisk => ProblemKind::NotAtRisk,
            CourseRule::Rescue => ProblemKind::DoesNotSave,
            CourseRule::OneRunningCourse => ProblemKind::OneRunningCourse,
            CourseRule::ShorterStep => ProblemKind::NoShorterStep,
            CourseRule::NothingToUndo => ProblemKind::NothingToUndo,
            CourseRule::PhaseEnded => ProblemKind::PhaseEnded,
            CourseRule::LastDose => ProblemKind::LastDose,
            CourseRule::SeriesOnly => ProblemKind::SeriesOnly,
            CourseRule::ClinicalDecision => ProblemKind::Forbidden,
            CourseRule::PreDoseBloodPressure | CourseRule::BloodPressureLimit => {
                ProblemKind::BloodPressure
            }
            CourseRule::FirstDeviceRecorded | CourseRule::RemsMinimumMonitoring => {
                ProblemKind::RemsMonitoring
            }
            CourseRule::IntakeAssessed
            | CourseRule::ConsentOnFile
            | CourseRule::RemsCertified
            | CourseRule::RemsEnrolled
            | CourseRule::EscortConfirmed => ProblemKind::GateNotPassed,
        }
    }

    /// The table of `docs/api.md` (between its `problems` markers).
    pub fn markdown_table() -> String {
        let mut table = String::from("| status | `type` | title | when |\n|---|---|---|---|\n");
        for kind in ProblemKind::ALL {
            table.push_str(&format!(
                "| {} | `{}` | {} | {} |\n",
                kind.status().as_u16(),
                kind.type_uri(),
                kind.title(),
                kind.when()
            ));
        }
        table
    }

    /// How the OpenAPI document names it in a response's description.
    pub fn answer(self) -> String {
        format!("`{}`: {}", self.type_uri(), self.when())
    }
}

/// The description of an endpoint's problem response: the kinds it answers
/// with, one paragraph each. Endpoints declare their particular problems
/// with it (`description = answers(&[ProblemKind::ChairTaken])`); the
/// OpenAPI document adds the conventional ones and checks each kind's
/// status against the response's.
pub fn answers(kinds: &[ProblemKind]) -> String {
    kinds
        .iter()
        .map(|k| k.answer())
        .collect::<Vec<_>>()
        .join("\n\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_its_own_type_and_a_problem_status() {
        let mut slugs: Vec<&str> = ProblemKind::ALL.iter().map(|k| k.slug()).collect();
        slugs.sort_unstable();
        slugs.dedup();
        assert_eq!(slugs.len(), ProblemKind::ALL.len());
        for kind in ProblemKind::ALL {
            let status = kind.status();
            assert!(
                status.is_client_error() || status.is_server_error(),
                "{kind:?}"
            );
            assert!(
                !kind.title().is_empty() && !kind.when().is_empty(),
                "{kind:?}"
            );
        }
    }

    /// `docs/api.md` lists every problem as this file says it; with
    /// `UPDATE_DOCS=1` the test writes the table instead.
    #[test]
    fn the_documented_table_is_this_list() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/api.md");
        let doc = std::fs::read_to_string(path).expect("docs/api.md");
        let begin = doc.find("<!-- problems:begin").expect("the begin marker");
        let begin = begin + doc[begin..].find("-->\n").expect("the marker's end") + 4;
        let end = doc.find("<!-- problems:end -->").expect("the end marker");
        let table = ProblemKind::markdown_table();
        if std::env::var_os("UPDATE_DOCS").is_some() {
            std::fs::write(path, format!("{}{table}{}", &doc[..begin], &doc[end..])).unwrap();
            return;
        }
        assert_eq!(
            &doc[begin..end],
            table,
            "docs/api.md's problem table is out of date: UPDATE_DOCS=1 cargo test -p chairside-api problem_kind"
        );
    }

    #[test]
    fn every_course_rule_has_a_problem() {
        for rule in CourseRule::ALL {
            let kind = ProblemKind::of_course_rule(*rule);
            assert!(
                matches!(kind.status().as_u16(), 403 | 409 | 422),
                "{rule:?}"
            );
        }
    }
}
