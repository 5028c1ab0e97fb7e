//! The events a change announces and their webhook deliveries.
#![allow(missing_docs)]

diesel::table! {
    outbox (id) {
        id -> BigInt,
        clinic_id -> BigInt,
        event_id -> Text,
        event_type -> Text,
        aggregate_id -> BigInt,
        payload -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// Outbox events not yet fanned out (a row per event, written by a
    /// trigger on `outbox`).
    outbox_pending (id) {
        id -> BigInt,
        clinic_id -> BigInt,
        aggregate_id -> BigInt,
        event_type -> Text,
    }
}

diesel::table! {
    webhook_subscriptions (id) {
        id -> BigInt,
        clinic_id -> BigInt,
        url -> Text,
        event_types -> Text,
        secret -> Text,
        previous_secret -> Nullable<Text>,
        previous_secret_until -> Nullable<Timestamp>,
        include_patient_names -> Bool,
        enabled -> Bool,
        disabled_reason -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> BigInt,
        clinic_id -> BigInt,
        subscription_id -> BigInt,
        outbox_id -> BigInt,
        event_id -> Text,
        event_type -> Text,
        aggregate_id -> BigInt,
        payload -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Nullable<Timestamp>,
        locked_until -> Nullable<Timestamp>,
        last_status_code -> Nullable<Integer>,
        last_error -> Nullable<Text>,
        replay_of -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    webhook_attempts (id) {
        id -> BigInt,
        clinic_id -> BigInt,
        delivery_id -> BigInt,
        attempted_at -> Timestamp,
        status_code -> Nullable<Integer>,
        error -> Nullable<Text>,
        duration_ms -> BigInt,
    }
}
