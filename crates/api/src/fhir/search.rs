//! FHIR search parameters as people use them: repeated `date=ge…&date=lt…`
//! with comparison prefixes, references (`Patient/12`,
//! `Location/chair-3`), `_count` and a page cursor. A parameter this server
//! does not support is refused (`OperationOutcome`, 400), never silently
//! ignored: a client would take an unfiltered answer for a filtered one.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

use crate::fhir::outcome::FhirError;
use crate::pagination::{self, MAX_LIMIT};

/// The instants a date search allows, each end open when not given.
pub type Bounds = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

/// The search parameters of a request, in order.
pub struct Params(Vec<(String, String)>);

impl Params {
    /// Reads the query string; `allowed` are the parameters this search
    /// takes (besides `_count`, `_page` and `_format`).
    pub fn parse(query: &str, allowed: &[&str]) -> Result<Params, FhirError> {
        let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        for (name, _) in &pairs {
            let known = allowed.contains(&name.as_str())
                || matches!(name.as_str(), "_count" | "_page" | "_format");
            if !known {
                return Err(FhirError::invalid(
                    name,
                    "is not a search parameter this server supports (see /fhir/r4/metadata)",
                ));
            }
        }
        Ok(Params(pairs))
    }

    /// Every value given for `name`.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The one value given for `name`, if any (twice is refused).
    pub fn one<'a>(&'a self, name: &'a str) -> Result<Option<&'a str>, FhirError> {
        let mut values = self.all(name);
        let first = values.next();
        if values.next().is_some() {
            return Err(FhirError::invalid(name, "give it once"));
        }
        Ok(first)
    }

    /// The page size, 1..=200 (default 50).
    pub fn count(&self) -> Result<i64, FhirError> {
        match self.one("_count")? {
            None => Ok(50),
            Some(text) => text
                .parse::<i64>()
                .ok()
                .filter(|n| (1..=MAX_LIMIT).contains(n))
                .ok_or_else(|| FhirError::invalid("_count", format!("1 to {MAX_LIMIT}"))),
        }
    }

    /// The page to read: after this id (`_page` is the cursor the previous
    /// page's `next` link carries).
    pub fn after(&self) -> Result<Option<i64>, FhirError> {
        let Some(cursor) = self.one("_page")? else {
            return Ok(None);
        };
        let request = pagination::PageParams {
            limit: None,
            cursor: Some(cursor.to_string()),
        }
        .to_request()
        .map_err(|_| FhirError::invalid("_page", "not a page this server issued"))?;
        Ok(request.after_id)
    }

    /// The id in a reference parameter of this type (`Patient/12` or `12`
    /// for `patient`; `Location/chair-3` for `actor`).
    pub fn reference(&self, name: &str, prefix: &str) -> Result<Option<i64>, FhirError> {
        let Some(text) = self.one(name)? else {
            return Ok(None);
        };
        let id = text.strip_prefix(prefix).unwrap_or(text);
        id.parse::<i64>()
            .map(Some)
            .map_err(|_| FhirError::invalid(name, format!("expected {prefix}<id>, got {text:?}")))
    }

    /// The instants `[from, to)` that every `name=` (with `ge`, `gt`, `le`,
    /// `lt` or `eq`; a date or an instant) allows.
    pub fn range(&self, name: &str, zone: Tz) -> Result<Bounds, FhirError> {
        let (mut from, mut to): Bounds = (None, None);
        for value in self.all(name) {
            let (prefix, rest) = match value.get(..2) {
                Some(p @ ("ge" | "gt" | "le" | "lt" | "eq")) => (p, &value[2..]),
                _ => ("eq", value),
            };
            let (start, end) = bounds(rest, zone).ok_or_else(|| {
                FhirError::invalid(name, format!("{value:?} is not a FHIR date or dateTime"))
            })?;
            let (lower, upper) = match prefix {
                "ge" => (Some(start), None),
                "gt" => (Some(end), None),
                "le" => (None, Some(end)),
                "lt" => (None, Some(start)),
                _ => (Some(start), Some(end)),
            };
            from = from.max(lower);
            to = match (to, upper) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
        Ok((from, to))
    }
}

/// A FHIR date (a whole clinic-local day) or dateTime (an instant) as the
/// instants it covers.
fn bounds(text: &str, zone: Tz) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    if let Ok(instant) = DateTime::parse_from_rfc3339(text) {
        let t = instant.with_timezone(&Utc);
        chairside_engine::dates::check_instant("date", t).ok()?;
        return Some((t, t + chrono::Duration::seconds(1)));
    }
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
    chairside_engine::dates::check("date", date).ok()?;
    let start = chairside_engine::local_time::start_of_local_day(zone, date);
    let end = chairside_engine::local_time::start_of_local_day(zone, date.succ_opt()?);
    Some((start, end))
}

/// The `next` link's cursor after the last id of a full page.
pub fn next_page(last_id: i64) -> String {
    pagination::encode(last_id)
}
