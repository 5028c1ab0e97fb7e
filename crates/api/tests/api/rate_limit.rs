//! Rate limiting per API key, through the whole HTTP stack: a key over its
//! limit gets 429 problem+json with `Retry-After`; other keys are not
//! affected; requests without a valid key are refused before counting.

use actix_web::dev::ServiceResponse;
use actix_web::http::StatusCode;
use actix_web::{middleware, test, App};
use chairside_api::rate_limit::RateLimit;
use chairside_api::{auth, configure_app, request_id, ApiSettings, AppState};
use chairside_store::models::{NewApiKey, Role};
use chairside_store::repo;
use chairside_testkit::TestStore;

fn key(store: &chairside_store::Store, role: Role) -> String {
    let new = NewApiKey {
        clinic_id: None,
        role,
        label: "rate limit test".into(),
    };
    store
        .write(|conn| repo::api_keys::create(conn, &new))
        .expect("create a key")
        .1
}

/// `GET /v1/clinics` with this bearer token: a request every key may make.
fn list_clinics(token: &str) -> test::TestRequest {
    test::TestRequest::get()
        .uri("/v1/clinics")
        .insert_header(("Authorization", format!("Bearer {token}")))
}

/// The `Retry-After` of a refusal, which must be there, in whole seconds.
fn retry_after_seconds<B>(response: &ServiceResponse<B>) -> u64 {
    response
        .headers()
        .get("Retry-After")
        .expect("Retry-After")
        .to_str()
        .unwrap()
        .parse()
        .expect("Retry-After is whole seconds")
}

#[actix_web::test]
async fn a_key_over_its_limit_gets_429_with_retry_after_and_others_go_on() {
    let db = TestStore::sqlite();
    let (busy, quiet) = (key(&db.store, Role::Admin), key(&db.store, Role::Admin));
    let settings = ApiSettings {
        rate_limit: Some(RateLimit {
            per_minute: 6,
            burst: 3,
        }),
        ..ApiSettings::default()
    };
    let state = AppState::new(db.store.clone(), settings);
    let app = test::init_service(
        App::new()
            .wrap(middleware::from_fn(auth::authenticate))
            .wrap(middleware::from_fn(request_id::request_context))
            .configure(configure_app(state)),
    )
    .await;

    for i in 0..3 {
        let response = test::call_service(&app, list_clinics(&busy).to_request()).await;
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "request {i} is in the burst"
        );
    }
    let refused = test::call_service(&app, list_clinics(&busy).to_request()).await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after = retry_after_seconds(&refused);
    // 6 a minute: the next request is due within 10 seconds.
    assert!((1..=10).contains(&retry_after), "Retry-After {retry_after}");
    assert_eq!(
        refused.headers().get("Content-Type").unwrap(),
        "application/problem+json"
    );
    let problem: serde_json::Value = test::read_body_json(refused).await;
    assert_eq!(problem["type"], "/problems/rate-limited");
    assert_eq!(problem["status"], 429);

    // Another key has its own allowance.
    let other = test::call_service(&app, list_clinics(&quiet).to_request()).await;
    assert_eq!(other.status(), StatusCode::OK);

    // A bad key is refused as unauthenticated, not counted against anyone.
    let unknown =
        test::call_service(&app, list_clinics("chs_000000000000_nope").to_request()).await;
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
}

#[actix_web::test]
async fn without_a_limit_nothing_is_refused() {
    let db = TestStore::sqlite();
    let token = key(&db.store, Role::Admin);
    let settings = ApiSettings {
        rate_limit: None,
        ..ApiSettings::default()
    };
    let app = test::init_service(
        App::new().configure(configure_app(AppState::new(db.store.clone(), settings))),
    )
    .await;
    for _ in 0..50 {
        assert_eq!(
            test::call_service(&app, list_clinics(&token).to_request())
                .await
                .status(),
            StatusCode::OK
        );
    }
}
