//! Backfill's tables: chair time a change freed, the waiting list, offers.
#![allow(missing_docs)]

diesel::table! {
    freed_chair_time (id) {
        id -> BigInt,
        clinic_id -> BigInt,
        chair_id -> BigInt,
        starts_at -> Timestamp,
        ends_at -> Timestamp,
        freed_at -> Timestamp,
    }
}

diesel::table! {
    waitlist (id) {
        id -> BigInt,
        clinic_id -> BigInt,
        patient_id -> BigInt,
        protocol_id -> BigInt,
        since -> Timestamp,
        status -> Text,
        course_id -> Nullable<BigInt>,
        version -> BigInt,
    }
}

diesel::table! {
    slot_offers (id) {
        id -> BigInt,
        clinic_id -> BigInt,
        kind -> Text,
        chair_id -> BigInt,
        starts_at -> Timestamp,
        ends_at -> Timestamp,
        freed_starts_at -> Timestamp,
        freed_ends_at -> Timestamp,
        course_id -> BigInt,
        session_id -> Nullable<BigInt>,
        held_session_id -> Nullable<BigInt>,
        waitlist_id -> Nullable<BigInt>,
        expires_at -> Timestamp,
        status -> Text,
        created_at -> Timestamp,
        decided_at -> Nullable<Timestamp>,
        version -> BigInt,
    }
}
