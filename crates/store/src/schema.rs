//! diesel's view of the tables, shared by both backends.
//!
//! Written by hand to match `migrations/*/up.sql` (the two backends' schemas
//! print differently, so `diesel print-schema` cannot produce one file);
//! `tests/migrations.rs` checks every column named here exists on both.
#![allow(missing_docs)]

mod backfill;
mod events;
pub use backfill::{freed_chair_time, slot_offers, waitlist};
pub use events::{
    outbox, outbox_pending, webhook_attempts, webhook_deliveries, webhook_subscriptions,
};

diesel::table! {
    clinics (id) {
        id -> BigInt,
        name -> Text,
        time_zone -> Text,
        opening_hours -> Text,
        settings -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    chairs (id) {
        id -> BigInt,
        clinic_id -> BigInt,
        label -> Text,
        modalities -> Text,
        position -> Integer,
        active -> Bool,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    staff_members (id) {
        id -> BigInt,
        clinic_id -> BigInt,
        label -> Text,
        roles -> Text,
        shifts -> Text,
        exceptions -> Text,
        active -> Bool,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    closures (id) {
        id -> BigInt,
        clinic_id -> BigInt,
        chair_id -> Nullable<BigInt>,
        first_day -> Nullable<Date>,
        last_day -> Nullable<Date>,
        local_start -> Nullable<Timestamp>,
        local_end -> Nullable<Timestamp>,
        reason -> Text,
        created_at -> Timestamp,
        starts_at -> Nullable<Timestamp>,
        ends_at -> Nullable<Timestamp>,
        external_id -> Nullable<Text>,
    }
}

diesel::table! {
    protocols (id) {
        id -> BigInt,
        clinic_id -> BigInt,
        code -> Text,
        name -> Text,
        latest_revision -> Integer,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    protocol_versions (id) {
        id -> BigInt,
        clinic_id -> BigInt,
        protocol_id -> BigInt,
        revision -> Integer,
        definition -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    patients (id) {
        id -> BigInt,
        clinic_id -> BigInt,
        external_ref -> Text,
        display_name -> Text,
        preferences -> Text,
        intake_assessed_on -> Nullable<Date>,
        consent_on_file -> Bool,
        rems_enrolled_on -> Nullable<Date>,
        escort_confirmed -> Bool,
        calendar_token_hash -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    courses (id) {
        id -> BigInt,
        clinic_id -> BigInt,
        patient_id -> BigInt,
        protocol_version_id -> BigInt,
        status -> Text,
        current_phase -> Integer,
        booster_policy -> Nullable<Text>,
        at_risk_reason -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        series_start_sequence -> Integer,
        modality -> Nullable<Text>,
        series_started_at -> Nullable<Timestamp>,
        extension_accepted -> Bool,
        held_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    booster_policy_changes (id) {
        id -> BigInt,
        clinic_id -> BigInt,
        course_id -> BigInt,
        key_id -> Nullable<BigInt>,
        role -> Text,
        old_policy -> Nullable<Text>,
        new_policy -> Text,
        reason -> Text,
        floor_overridden -> Bool,
        changed_at -> Timestamp,
    }
}

diesel::table! {
    sessions (id) {
        id -> BigInt,
        clinic_id -> BigInt,
        course_id -> BigInt,
        patient_id -> BigInt,
        phase_index -> Integer,
        sequence -> Integer,
        chair_id -> BigInt,
        starts_at -> Timestamp,
        ends_at -> Timestamp,
        status -> Text,
        reason -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        omitted -> Bool,
        late_cancellation -> Bool,
        confirmed_at -> Nullable<Timestamp>,
        external_id -> Nullable<Text>,
        held_until -> Nullable<Timestamp>,
        holds_move_of -> Nullable<BigInt>,
    }
}

diesel::table! {
    session_status_history (id) {
        id -> BigInt,
        clinic_id -> BigInt,
        session_id -> BigInt,
        from_status -> Nullable<Text>,
        to_status -> Text,
        reason -> Nullable<Text>,
        key_id -> Nullable<BigInt>,
        role -> Text,
        at -> Timestamp,
    }
}

diesel::table! {
    symptom_measures (id) {
        id -> BigInt,
        clinic_id -> BigInt,
        patient_id -> BigInt,
        course_id -> Nullable<BigInt>,
        instrument -> Text,
        score -> Integer,
        measured_at -> Timestamp,
        key_id -> Nullable<BigInt>,
        role -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    rems_monitoring_forms (id) {
        id -> BigInt,
        clinic_id -> BigInt,
        session_id -> BigInt,
        patient_id -> BigInt,
        due_on -> Date,
        filed_at -> Nullable<Timestamp>,
        version -> BigInt,
        created_at -> Timestamp,
        status -> Text,
        answers -> Text,
        submission_reference -> Nullable<Text>,
        due_soon_sent -> Bool,
        overdue_sent -> Bool,
    }
}

diesel::table! {
    session_monitoring (clinic_id, session_id) {
        clinic_id -> BigInt,
        session_id -> BigInt,
        record -> Text,
        version -> BigInt,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    session_notices (clinic_id, session_id, notice) {
        clinic_id -> BigInt,
        session_id -> BigInt,
        notice -> Text,
        noticed_at -> Timestamp,
    }
}

diesel::table! {
    api_keys (id) {
        id -> BigInt,
        clinic_id -> Nullable<BigInt>,
        prefix -> Text,
        secret_hash -> Text,
        role -> Text,
        label -> Text,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        expires_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        clinic_id -> Nullable<BigInt>,
        key_id -> Nullable<BigInt>,
        role -> Text,
        action -> Text,
        entity_type -> Text,
        entity_id -> Nullable<BigInt>,
        before -> Nullable<Text>,
        after -> Nullable<Text>,
        request_id -> Nullable<Text>,
        at -> Timestamp,
    }
}

diesel::table! {
    idempotency_keys (id) {
        id -> BigInt,
        clinic_id -> BigInt,
        key_id -> BigInt,
        idempotency_key -> Text,
        request_fingerprint -> Text,
        response_status -> Integer,
        response_body -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    reminders_sent (id) {
        id -> BigInt,
        clinic_id -> BigInt,
        session_id -> BigInt,
        lead_minutes -> Integer,
        starts_at -> Timestamp,
        outcome -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    clinic_turns (clinic_id) {
        clinic_id -> BigInt,
        changes -> BigInt,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    clinics,
    clinic_turns,
    chairs,
    staff_members,
    closures,
    protocols,
    protocol_versions,
    patients,
    courses,
    booster_policy_changes,
    sessions,
    freed_chair_time,
    waitlist,
    slot_offers,
    session_status_history,
    symptom_measures,
    rems_monitoring_forms,
    session_monitoring,
    session_notices,
    api_keys,
    audit_log,
    idempotency_keys,
    outbox,
    outbox_pending,
    webhook_subscriptions,
    webhook_deliveries,
    webhook_attempts,
    reminders_sent,
);
