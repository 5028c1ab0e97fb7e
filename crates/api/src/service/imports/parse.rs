//! Reading an import file: NDJSON (one JSON object per line) or CSV
//! (RFC 4180: a header row naming the fields, `kind` among them; quoted
//! cells may hold commas, quotes doubled, line breaks). Each row becomes the
//! same JSON object, read as an [`ImportRow`], so both formats mean the
//! same thing; a row that is not one is a problem of that row.

use serde_json::{Map, Value};

use crate::dto::import::{ImportProblem, ImportRow};

/// The largest import, in rows.
pub const MAX_ROWS: usize = 50_000;

/// The rows read, each with its number, and the rows that could not be.
pub type Parsed = (Vec<(usize, ImportRow)>, Vec<ImportProblem>);

fn problem(row: usize, field: &str, reason: impl Into<String>) -> ImportProblem {
    ImportProblem {
        row,
        field: field.to_string(),
        reason: reason.into(),
    }
}

/// A JSON object read as a row: a missing or unknown `kind`, a missing or
/// wrong field, named.
fn row_of(number: usize, object: Value) -> Result<(usize, ImportRow), ImportProblem> {
    serde_path_to_error::deserialize::<_, ImportRow>(object)
        .map(|row| (number, row))
        .map_err(|e| {
            let reason = e.inner().to_string();
            let path = e.path().to_string();
            // A missing or unknown field is the root's error; name the
            // field itself.
            let missing = ["missing field `", "unknown field `"]
                .iter()
                .find_map(|prefix| reason.strip_prefix(prefix))
                .and_then(|rest| rest.split('`').next());
            let field = match (path.as_str(), missing) {
                (_, Some(field)) => field.to_string(),
                (".", None) => "kind".to_string(),
                (path, None) => path.to_string(),
            };
            problem(number, &field, reason)
        })
}

/// NDJSON: one object per non-blank line, numbered from 1.
pub fn ndjson(text: &str) -> Parsed {
    let (mut rows, mut problems) = (Vec::new(), Vec::new());
    for (i, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let number = i + 1;
        match serde_json::from_str::<Value>(line) {
            Ok(object @ Value::Object(_)) => match row_of(number, object) {
                Ok(row) => rows.push(row),
                Err(p) => problems.push(p),
            },
            Ok(_) => problems.push(problem(number, "kind", "a row is a JSON object")),
            Err(e) => problems.push(problem(number, "kind", format!("not JSON: {e}"))),
        }
    }
    (rows, problems)
}

/// CSV: the header names the fields; an empty cell is a field not given;
/// `true`/`false` are booleans and integer ids are numbers.
pub fn csv(text: &str) -> Parsed {
    let records = records(text);
    let Some((header, body)) = records.split_first() else {
        return (
            Vec::new(),
            vec![problem(0, "kind", "an empty file: give a header row")],
        );
    };
    if !header.iter().any(|name| name == "kind") {
        return (
            Vec::new(),
            vec![problem(0, "kind", "the header row names no `kind` column")],
        );
    }
    let (mut rows, mut problems) = (Vec::new(), Vec::new());
    for (i, record) in body.iter().enumerate() {
        let number = i + 1;
        if record.len() != header.len() {
            problems.push(problem(
                number,
                "kind",
                format!(
                    "{} cells, but the header names {}",
                    record.len(),
                    header.len()
                ),
            ));
            continue;
        }
        let mut object = Map::new();
        for (name, cell) in header.iter().zip(record) {
            if cell.is_empty() {
                continue;
            }
            let value = match (name.as_str(), cell.as_str()) {
                (_, "true") => Value::Bool(true),
                (_, "false") => Value::Bool(false),
                ("chair_id", id) => id
                    .parse::<i64>()
                    .map_or_else(|_| Value::from(id), Value::from),
                (_, text) => Value::from(text),
            };
            object.insert(name.clone(), value);
        }
        match row_of(number, Value::Object(object)) {
            Ok(row) => rows.push(row),
            Err(p) => problems.push(p),
        }
    }
    (rows, problems)
}

/// RFC 4180 records (CRLF or LF line ends).
fn records(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let (mut record, mut cell) = (Vec::new(), String::new());
    let (mut quoted, mut chars) = (false, text.chars().peekable());
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') if cell.is_empty() => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut cell)),
            (false, '\r') if chars.peek() == Some(&'\n') => {}
            (false, '\n') => {
                record.push(std::mem::take(&mut cell));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => cell.push(c),
        }
    }
    if !cell.is_empty() || !record.is_empty() {
        record.push(cell);
        records.push(record);
    }
    records.retain(|r| !(r.len() == 1 && r[0].trim().is_empty()));
    records
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_cells_keep_commas_quotes_and_line_breaks() {
        let text =
            "kind,external_ref,display_name\r\npatient,\"MRN,1\",\"Ann \"\"Nan\"\"\nSmith\"\n";
        assert_eq!(
            records(text),
            vec![
                vec!["kind", "external_ref", "display_name"],
                vec!["patient", "MRN,1", "Ann \"Nan\"\nSmith"],
            ]
        );
    }

    #[test]
    fn a_row_that_is_not_one_is_named_with_its_field() {
        let (rows, problems) = ndjson(
            "{\"kind\":\"patient\",\"external_ref\":\"A\"}\n\n{\"kind\":\"spaceship\"}\nnope\n",
        );
        assert!(rows.is_empty());
        let named: Vec<(usize, &str)> =
            problems.iter().map(|p| (p.row, p.field.as_str())).collect();
        assert_eq!(
            named,
            [(1, "display_name"), (3, "kind"), (4, "kind")],
            "{problems:?}"
        );
        assert!(problems[0].reason.contains("display_name"), "{problems:?}");
    }
}
