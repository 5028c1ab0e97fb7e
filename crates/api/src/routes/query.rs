//! The query string extractor: like `web::Query`, but every failure names
//! the parameter, and text no backend can keep is refused before it
//! reaches one.
//!
//! - A malformed parameter (`?date=tomorrow`, `?limit=ten`): 400. So is
//!   any holding a NUL character (`%00`): no parameter takes one, and text
//!   holding one must never reach a store (PostgreSQL cannot keep it,
//!   SQLite would).
//! - A well-formed value Chairside does not take: 422, e.g. a date outside
//!   1900-01-01..=2999-12-31 ([`in_calendar`]).
//!
//! [`in_calendar`]: crate::dto::common::in_calendar

use std::future::{ready, Ready};
use std::ops::Deref;

use actix_web::{dev::Payload, FromRequest, HttpRequest};
use serde::de::DeserializeOwned;

use crate::dto::common::is_outside_calendar;
use crate::error::ApiError;

/// A query string parsed into `T`.
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<T> Query<T> {
    /// The parsed parameters.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for Query<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned> FromRequest for Query<T> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(parse(req.query_string()).map(Query))
    }
}

/// Parses a query string, naming the parameter that failed.
pub fn parse<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    let pairs = form_urlencoded::parse(query.as_bytes());
    if let Some((name, _)) = pairs.clone().find(|(_, value)| value.contains('\0')) {
        return Err(ApiError::bad_field(
            name,
            "must not contain the NUL character (U+0000)",
        ));
    }
    serde_path_to_error::deserialize(serde_urlencoded::Deserializer::new(pairs)).map_err(|error| {
        let field = error.path().to_string();
        let message = error.into_inner().to_string();
        match field.as_str() {
            // Not about one parameter (one is missing: the message names it).
            "." | "?" => ApiError::BadRequest {
                detail: format!("bad query parameter: {message}"),
                errors: Vec::new(),
            },
            _ if is_outside_calendar(&message) => ApiError::invalid_field(field, message),
            _ => ApiError::bad_field(field, message),
        }
    })
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use serde::Deserialize;

    use super::*;
    use crate::dto::common::in_calendar_opt;

    #[derive(Debug, Deserialize)]
    struct Dates {
        #[serde(default, deserialize_with = "in_calendar_opt")]
        from: Option<NaiveDate>,
        ref_: Option<String>,
        limit: Option<i64>,
    }

    fn problem(query: &str) -> (u16, String) {
        let error = parse::<Dates>(query).unwrap_err();
        let problem = error.problem();
        let field = problem
            .errors
            .first()
            .map_or(String::new(), |e| e.field.clone());
        (problem.status, field)
    }

    #[test]
    fn parameters_are_parsed() {
        let parsed: Dates = parse("from=2026-03-02&ref_=MRN%201&limit=5").unwrap();
        assert_eq!(parsed.from, NaiveDate::from_ymd_opt(2026, 3, 2));
        assert_eq!(parsed.ref_.as_deref(), Some("MRN 1"));
        assert_eq!(parsed.limit, Some(5));
        assert!(parse::<Dates>("").unwrap().from.is_none());
    }

    #[test]
    fn failures_name_the_parameter() {
        assert_eq!(problem("from=tomorrow"), (400, "from".into()));
        assert_eq!(problem("limit=ten"), (400, "limit".into()));
        assert_eq!(problem("from=1899-12-31"), (422, "from".into()));
        assert_eq!(problem("from=3000-01-01"), (422, "from".into()));
        assert_eq!(problem("from=%2B262142-12-31"), (422, "from".into()));
        assert_eq!(problem("ref_=MRN%001"), (400, "ref_".into()));
        assert_eq!(problem("limit=%00"), (400, "limit".into()));
    }
}
