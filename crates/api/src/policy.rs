//! Who may do what. The roles allowed on a route are part of its one
//! declaration — the `api_key` security scopes of its `#[utoipa::path]`
//! (OpenAPI 3.1: "a list of role names which are required") — and this
//! module reads them from the document the router and the documentation
//! are built from, so the three cannot disagree. The
//! [`Caller`](crate::auth::Caller) extractor enforces them: no handler
//! checks roles by hand, and a route whose declaration names no role is
//! nobody's.

use std::collections::HashMap;
use std::sync::OnceLock;

use actix_web::http::Method;
use chairside_store::models::Role;

/// One route's policy: method, path pattern, the roles allowed.
pub type RoutePolicy = (&'static str, String, Vec<Role>);

/// Every route that takes an API key, with the roles its declaration
/// allows, in the document's order.
pub fn routes() -> &'static [RoutePolicy] {
    static ROUTES: OnceLock<Vec<RoutePolicy>> = OnceLock::new();
    ROUTES.get_or_init(|| {
        let document = serde_json::to_value(crate::openapi::document()).expect("serialises");
        let mut routes = Vec::new();
        for (path, item) in document["paths"].as_object().into_iter().flatten() {
            for method in ["get", "put", "post", "delete", "patch"] {
                let roles: Vec<Role> = item[method]["security"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|requirement| requirement["api_key"].as_array())
                    .flatten()
                    .map(|role| {
                        role.as_str()
                            .and_then(|r| r.parse().ok())
                            .unwrap_or_else(|| panic!("{method} {path}: no role is named {role}"))
                    })
                    .collect();
                if !roles.is_empty() {
                    routes.push((method_name(method), path.clone(), roles));
                }
            }
        }
        routes
    })
}

fn method_name(lowercase: &str) -> &'static str {
    match lowercase {
        "get" => "GET",
        "put" => "PUT",
        "post" => "POST",
        "delete" => "DELETE",
        _ => "PATCH",
    }
}

/// The roles allowed on a route, or `None` if the route's declaration
/// names none (which denies it: a route nobody thought about is nobody's).
pub fn allowed_roles(method: &Method, pattern: &str) -> Option<&'static [Role]> {
    static INDEX: OnceLock<HashMap<(&'static str, &'static str), &'static [Role]>> =
        OnceLock::new();
    INDEX
        .get_or_init(|| {
            routes()
                .iter()
                .map(|(m, p, roles)| ((*m, p.as_str()), roles.as_slice()))
                .collect()
        })
        .get(&(method.as_str(), pattern))
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_declared_route_allows_its_roles_and_an_undeclared_one_nobody() {
        let roles = allowed_roles(
            &Method::POST,
            "/v1/clinics/{clinic_id}/sessions/{session_id}/omit",
        )
        .expect("omit is declared");
        assert_eq!(roles, [Role::Admin, Role::Clinician]);
        assert_eq!(
            allowed_roles(
                &Method::DELETE,
                "/v1/clinics/{clinic_id}/sessions/{session_id}/omit"
            ),
            None
        );
        assert_eq!(allowed_roles(&Method::GET, "/v1/nowhere"), None);
    }

    #[test]
    fn every_route_that_takes_a_key_names_its_roles() {
        assert!(routes().len() > 50, "{} routes", routes().len());
        assert!(routes().iter().all(|(_, _, roles)| !roles.is_empty()));
    }
}
