//! Cursor pagination: `?limit=&cursor=`; the cursor is opaque to clients.

use base64::Engine;
use chairside_store::models::PageRequest;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::error::ApiError;

/// The largest page a client may ask for.
pub const MAX_LIMIT: i64 = 200;

/// Page parameters.
#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Items per page, 1..=200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    #[param(min_length = 1)]
    pub cursor: Option<String>,
}

impl PageParams {
    /// The store's page request, or a 400/422 naming the parameter.
    pub fn to_request(&self) -> Result<PageRequest, ApiError> {
        let limit = self.limit.unwrap_or(50);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ApiError::invalid_field(
                "limit",
                format!("must be between 1 and {MAX_LIMIT}"),
            ));
        }
        let after_id = match &self.cursor {
            None => None,
            Some(cursor) => Some(
                decode(cursor)
                    .ok_or_else(|| ApiError::bad_field("cursor", "not a cursor this API issued"))?,
            ),
        };
        Ok(PageRequest { after_id, limit })
    }
}

/// The cursor for the page after the row with this id.
pub fn encode(after_id: i64) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("after:{after_id}"))
}

fn decode(cursor: &str) -> Option<i64> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()?;
    String::from_utf8(bytes)
        .ok()?
        .strip_prefix("after:")?
        .parse()
        .ok()
        .filter(|id| *id >= 0)
}
