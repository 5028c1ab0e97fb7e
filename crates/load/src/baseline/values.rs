//! The values of a booking that do not depend on ids: the JSON the server
//! stores (of the sizes it writes, captured from a real booking) and the
//! fixed values of its rows. The direct SQLite loop binds them; the pgbench
//! script writes them as literals.

/// The `course.booked` payload (and the audit row's `after`) of a
/// six-session course, as the server writes it.
pub const COURSE_PAYLOAD: &str = r#"{"course_id":1,"patient_id":1,"protocol_version_id":1,"sessions":[{"chair_id":1,"ends_at":"2026-11-26T14:30:00Z","id":1,"phase_index":0,"sequence":1,"starts_at":"2026-11-26T13:00:00Z"},{"chair_id":1,"ends_at":"2026-11-30T14:30:00Z","id":2,"phase_index":0,"sequence":2,"starts_at":"2026-11-30T13:00:00Z"},{"chair_id":1,"ends_at":"2026-12-02T14:30:00Z","id":3,"phase_index":0,"sequence":3,"starts_at":"2026-12-02T13:00:00Z"},{"chair_id":1,"ends_at":"2026-12-04T14:30:00Z","id":4,"phase_index":0,"sequence":4,"starts_at":"2026-12-04T13:00:00Z"},{"chair_id":1,"ends_at":"2026-12-07T14:30:00Z","id":5,"phase_index":0,"sequence":5,"starts_at":"2026-12-07T13:00:00Z"},{"chair_id":1,"ends_at":"2026-12-09T14:30:00Z","id":6,"phase_index":0,"sequence":6,"starts_at":"2026-12-09T13:00:00Z"}]}"#;

/// A `session.booked` payload.
pub const SESSION_PAYLOAD: &str = r#"{"chair_id":1,"course_id":1,"end":"2026-11-26T14:30:00Z","id":1,"local":{"date":"2026-11-26","end":"09:30","start":"08:00","start_with_offset":"2026-11-26T08:00:00-05:00","zone":"America/New_York"},"patient_id":1,"phase":0,"reason":null,"sequence":1,"start":"2026-11-26T13:00:00Z","status":"booked","updated_at":"2026-11-26T06:59:41Z"}"#;

/// The 201 response body remembered under the `Idempotency-Key`.
pub const RESPONSE_BODY: &str = r#"{"id":1,"patient_id":1,"protocol_id":1,"protocol_revision":1,"status":"active","current_phase":0,"booster_policy":{"interval_days":21,"floor_days":14,"ceiling_days":42,"tolerance_days":3},"at_risk":null,"sessions":[{"id":1,"course_id":1,"patient_id":1,"phase":0,"sequence":1,"chair_id":1,"start":"2026-11-26T13:00:00Z","end":"2026-11-26T14:30:00Z","local":{"zone":"America/New_York","date":"2026-11-26","start":"08:00","end":"09:30","start_with_offset":"2026-11-26T08:00:00-05:00"},"status":"booked","reason":null,"updated_at":"2026-11-26T06:59:41Z"},{"id":2,"course_id":1,"patient_id":1,"phase":0,"sequence":2,"chair_id":1,"start":"2026-11-30T13:00:00Z","end":"2026-11-30T14:30:00Z","local":{"zone":"America/New_York","date":"2026-11-30","start":"08:00","end":"09:30","start_with_offset":"2026-11-30T08:00:00-05:00"},"status":"booked","reason":null,"updated_at":"2026-11-26T06:59:41Z"},{"id":3,"course_id":1,"patient_id":1,"phase":0,"sequence":3,"chair_id":1,"start":"2026-12-02T13:00:00Z","end":"2026-12-02T14:30:00Z","local":{"zone":"America/New_York","date":"2026-12-02","start":"08:00","end":"09:30","start_with_offset":"2026-12-02T08:00:00-05:00"},"status":"booked","reason":null,"updated_at":"2026-11-26T06:59:41Z"},{"id":4,"course_id":1,"patient_id":1,"phase":0,"sequence":4,"chair_id":1,"start":"2026-12-04T13:00:00Z","end":"2026-12-04T14:30:00Z","local":{"zone":"America/New_York","date":"2026-12-04","start":"08:00","end":"09:30","start_with_offset":"2026-12-04T08:00:00-05:00"},"status":"booked","reason":null,"updated_at":"2026-11-26T06:59:41Z"},{"id":5,"course_id":1,"patient_id":1,"phase":0,"sequence":5,"chair_id":1,"start":"2026-12-07T13:00:00Z","end":"2026-12-07T14:30:00Z","local":{"zone":"America/New_York","date":"2026-12-07","start":"08:00","end":"09:30","start_with_offset":"2026-12-07T08:00:00-05:00"},"status":"booked","reason":null,"updated_at":"2026-11-26T06:59:41Z"},{"id":6,"course_id":1,"patient_id":1,"phase":0,"sequence":6,"chair_id":1,"start":"2026-12-09T13:00:00Z","end":"2026-12-09T14:30:00Z","local":{"zone":"America/New_York","date":"2026-12-09","start":"08:00","end":"09:30","start_with_offset":"2026-12-09T08:00:00-05:00"},"status":"booked","reason":null,"updated_at":"2026-11-26T06:59:41Z"}],"created_at":"2026-11-26T06:59:41Z","updated_at":"2026-11-26T06:59:41Z"}"#;

/// The request id the audit row carries.
pub const REQUEST_ID: &str = "90cbcd32266b61db9546b601";

/// The fingerprint of the booking request remembered with its key.
pub const FINGERPRINT: &str = "4b6cc5d85e6561e39a0701d9446e68c11e50fa217720acb32688e0dc09c80d5c";

/// The audit row: who, what, on which kind of entity.
pub const AUDIT_ROLE: &str = "front_desk";
pub const AUDIT_ACTION: &str = "course.book";
pub const AUDIT_ENTITY: &str = "course";

/// A new course is active in its first phase; its sessions are booked.
pub const COURSE_STATUS: &str = "active";
pub const SESSION_STATUS: &str = "booked";

/// The outbox events of a booking: one for the course, one per session.
pub const COURSE_BOOKED: &str = "course.booked";
pub const SESSION_BOOKED: &str = "session.booked";

/// The status of the remembered response.
pub const RESPONSE_STATUS: i64 = 201;

/// A course's sessions: one every two hours on the lane's chair, 90
/// minutes each.
pub const SLOT_SECONDS: i64 = 7_200;
pub const SESSION_SECONDS: i64 = 5_400;
