//! The JS bindings exercised as JS calls them, in a real JS engine. One suite, run three times by
//! scripts/test.sh: in Node, in headless Chromium, and in a dedicated worker in Chromium.
#![cfg(target_arch = "wasm32")]

//! The bindings take strings and options as JSON text and return one JSON text (the modules of pkg/lib wrap
//! them into the public API); these tests call them exactly so, and read results with the engine's parser.
use ctct_oauth::wasm::{self as w, Client};
use js_sys::{Reflect, JSON};
use serde::Deserialize;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

/// A JSON result of a binding, parsed by the engine.
fn parsed(r: Result<String, JsValue>) -> JsValue {
    JSON::parse(&r.expect("a result")).expect("the binding returned JSON")
}

fn get(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &key.into()).unwrap_or(JsValue::UNDEFINED)
}

fn code<T>(r: Result<T, JsValue>) -> String {
    match r {
        Ok(_) => panic!("expected an error"),
        Err(e) => {
            assert!(e.is_instance_of::<js_sys::Error>(), "errors are Error objects");
            let message = get(&e, "message").as_string().unwrap_or_default();
            assert!(!message.is_empty(), "every error has a message");
            get(&e, "code").as_string().expect("error.code is a string")
        }
    }
}

fn b64url(s: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
}

fn jwt(payload: &str) -> String {
    format!("{}.{}.c2ln", b64url(r#"{"alg":"RS256","kid":"k"}"#), b64url(payload))
}

const CC: &str = concat!(
    r#"{"iss":"https://identity.constantcontact.com/oauth2/aus1lm3ry9mF7x2Ja0h8","aud":"https://api.cc.email/v3","i"#,
    r#"at":1795454050,"exp":1795540450,"cid":"cid-1","uid":"00u1","sub":"me@example.com","scp":["contact_data","off"#,
    r#"line_access"],"platform_user_id":"p-1","jti":"AT.1","ver":1}"#
);

/// What this runtime is: the secret rule depends on it.
fn in_browser() -> bool {
    let g = js_sys::global();
    (!get(&g, "window").is_undefined() && !get(&g, "document").is_undefined()) || get(&g, "importScripts").is_function()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Pkce {
    code_verifier: String,
    code_challenge: String,
    code_challenge_method: String,
}

#[wasm_bindgen_test]
fn create_pkce_is_s256_from_the_platform_csprng() {
    let a: Pkce = serde_wasm_bindgen::from_value(parsed(w::create_pkce("null"))).unwrap();
    let b: Pkce = serde_wasm_bindgen::from_value(parsed(w::create_pkce("{}"))).unwrap();
    assert_eq!(a.code_verifier.len(), 43);
    assert_ne!(a.code_verifier, b.code_verifier);
    // The challenge of a generated verifier is the one its verifier recomputes (RFC vector below).
    let again: Pkce =
        serde_wasm_bindgen::from_value(parsed(w::create_pkce(&format!(r#"{{"codeVerifier":"{}"}}"#, a.code_verifier))))
            .unwrap();
    assert_eq!(a.code_challenge, again.code_challenge);
    assert_eq!(a.code_challenge_method, "S256");
    let v: Pkce = serde_wasm_bindgen::from_value(parsed(w::create_pkce(
        r#"{"codeVerifier":"dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"}"#,
    )))
    .unwrap();
    assert_eq!(v.code_challenge, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    assert_eq!(code(w::create_pkce(r#"{"codeVerifier":"short"}"#)), "invalid_config");
    assert_eq!(code(w::create_pkce(r#"{"verifier":"x"}"#)), "invalid_config");
    assert_eq!(code(w::create_pkce("not json")), "invalid_config");
}

/// The module's SHA-256 (sha2, synchronous) agrees with the engine's WebCrypto digest, so a server that
/// checks the challenge with its platform's SHA-256 accepts the verifier.
#[wasm_bindgen_test]
async fn pkce_challenge_matches_the_engines_webcrypto_digest() {
    use base64::Engine as _;
    let subtle = get(&get(&js_sys::global(), "crypto"), "subtle");
    let digest: js_sys::Function = get(&subtle, "digest").unchecked_into();
    for _ in 0..8 {
        let p: Pkce = serde_wasm_bindgen::from_value(parsed(w::create_pkce("{}"))).unwrap();
        let bytes = js_sys::Uint8Array::from(p.code_verifier.as_bytes());
        let promise: js_sys::Promise = digest.call2(&subtle, &"SHA-256".into(), &bytes).unwrap().unchecked_into();
        let hash = wasm_bindgen_futures::JsFuture::from(promise).await.expect("WebCrypto digests");
        let hash = js_sys::Uint8Array::new(&hash).to_vec();
        assert_eq!(p.code_challenge, base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(hash));
    }
}

#[wasm_bindgen_test]
fn generate_state_is_43_random_chars() {
    let a = w::generate_state().unwrap();
    assert_eq!(a.len(), 43);
    assert_ne!(a, w::generate_state().unwrap());
}

#[wasm_bindgen_test]
fn decode_reads_cc_claims() {
    let d = parsed(w::decode(Some(jwt(CC)), false));
    assert_eq!(get(&d, "clientId").as_string().as_deref(), Some("cid-1"));
    assert_eq!(get(&d, "userId").as_string().as_deref(), Some("00u1"));
    assert_eq!(get(&d, "platformUserId").as_string().as_deref(), Some("p-1"));
    assert_eq!(get(&d, "exp").as_f64(), Some(1_795_540_450.0));
    assert_eq!(get(&d, "expiresAt").as_f64(), Some(1_795_540_450.0));
    let scopes: Vec<String> = serde_wasm_bindgen::from_value(get(&d, "scopes")).unwrap();
    assert_eq!(scopes, ["contact_data", "offline_access"]);
    assert_eq!(get(&get(&d, "raw"), "ver").as_f64(), Some(1.0), "raw keeps every claim");
    assert_eq!(w::expires_at(Some(jwt(CC)), false).unwrap(), 1_795_540_450.0);
}

#[wasm_bindgen_test]
fn expiry_uses_exp_with_leeway_and_token_set_fallbacks() {
    let t = || Some(jwt(CC));
    let exp = 1_795_540_450u64;
    let at = |now: u64, leeway: Option<u64>| match leeway {
        Some(l) => format!(r#"{{"now":{now},"leewaySeconds":{l}}}"#),
        None => format!(r#"{{"now":{now}}}"#),
    };
    let now = 1_795_454_050.0;
    assert!(!w::is_expired(t(), None, &at(exp - 61, None), now).unwrap());
    assert!(w::is_expired(t(), None, &at(exp - 60, None), now).unwrap(), "default leeway is 60 s");
    assert!(!w::is_expired(t(), None, &at(exp - 1, Some(0)), now).unwrap());
    // Milliseconds are refused rather than misread, in options and from a clock.
    assert_eq!(code(w::is_expired(t(), None, &at(1_795_540_450_000, None), now)), "invalid_config");
    assert_eq!(code(w::is_expired(t(), None, "null", now * 1000.0)), "invalid_config");
    // Token sets: expiresAt (this machine's clock) first, then exp, then receivedAt + expiresIn.
    let set = Some(String::from(r#"{"accessToken":"opaque","receivedAt":1000,"expiresIn":86400}"#));
    assert!(!w::is_expired(None, set.clone(), &at(1000 + 86_400 - 61, None), now).unwrap());
    assert!(w::is_expired(None, set, &at(1000 + 86_400 - 60, None), now).unwrap());
    let set = Some(format!(r#"{{"accessToken":"{}","expiresAt":5}}"#, jwt(CC)));
    assert!(w::is_expired(None, set, &at(exp - 3600, None), now).unwrap(), "expiresAt is on this clock");
    let set = Some(format!(r#"{{"accessToken":"{}"}}"#, jwt(CC)));
    assert!(!w::is_expired(None, set, &at(exp - 3600, None), now).unwrap(), "else exp");
    assert_eq!(code(w::is_expired(None, None, "null", now)), "invalid_jwt");
}

fn client(config: &str) -> Result<Client, JsValue> {
    Client::new(config, in_browser())
}

/// scripts/test.sh compiles the suite with CTCT_TEST_RUNTIME=node|browser|worker, so a runner that
/// silently ran the suite somewhere else fails here instead of passing the wrong branch.
#[wasm_bindgen_test]
fn runs_in_the_runtime_it_claims() {
    let expected_browser = match option_env!("CTCT_TEST_RUNTIME") {
        Some("node") | None => false,
        Some("browser") | Some("worker") => true,
        Some(other) => panic!("unknown CTCT_TEST_RUNTIME {other}"),
    };
    assert_eq!(in_browser(), expected_browser);
    let is_worker = get(&js_sys::global(), "importScripts").is_function();
    assert_eq!(is_worker, option_env!("CTCT_TEST_RUNTIME") == Some("worker"));
    // CTCT_TEST_BROWSER=firefox|chromium: the driver the runner picked is the browser that was meant.
    if let Some(browser) = option_env!("CTCT_TEST_BROWSER") {
        let agent = get(&get(&js_sys::global(), "navigator"), "userAgent").as_string().unwrap_or_default();
        let mark = if browser == "firefox" { "Firefox/" } else { "Chrome/" };
        assert!(agent.contains(mark), "expected {browser}, user agent is {agent}");
    }
}

#[wasm_bindgen_test]
fn secret_rule_follows_the_runtime() {
    let r = client(r#"{"clientId":"c","clientSecret":"s3cr3t","redirectUri":"https://a.example/cb"}"#);
    if in_browser() {
        let e = r.err().expect("a secret must be refused in a browser context");
        assert_eq!(get(&e, "code").as_string().as_deref(), Some("secret_in_browser"));
        assert!(!get(&e, "message").as_string().unwrap().contains("s3cr3t"));
    } else {
        let c = r.expect("a secret is fine on a server");
        let shown = c.describe();
        assert!(!shown.contains("s3cr3t") && shown.contains("[redacted]"), "{shown}");
    }
}

#[wasm_bindgen_test]
fn config_is_validated() {
    for (config, want) in [
        (r#"{}"#, "invalid_config"),
        (r#"{"clientId":""}"#, "invalid_config"),
        (r#"{"clientId":5}"#, "invalid_config"),
        (r#"{"client_id":"x"}"#, "invalid_config"),
        (r#"{"clientId":"x","scopes":"contact_data"}"#, "invalid_config"),
        (r#"{"clientId":"x","scopes":[1]}"#, "invalid_config"),
        (r#"{"clientId":"x","redirectUri":"/cb"}"#, "invalid_config"),
        (r#"{"clientId":"x","endpoints":{"token":"http://example.com/t"}}"#, "insecure_endpoint"),
        (r#"{"clientId":"x","endpoints":{"token":"http://127.0.0.1:9/t"}}"#, "insecure_endpoint"),
        (r#"{"clientId":"x","endpoints":{"tokenUrl":"https://x/t"}}"#, "invalid_config"),
        (r#"{"clientId":"x","allowInsecureLoopback":"yes"}"#, "invalid_config"),
        (r#"[]"#, "invalid_config"),
        (r#""clientId""#, "invalid_config"),
        ("null", "invalid_config"),
        ("not json", "invalid_config"),
        (r#"{"clientId":"x","fetch":"not a function"}"#, "invalid_config"),
    ] {
        assert_eq!(code(client(config)), want, "{config}");
    }
    // A device-only client needs no redirect URI; loopback http is allowed when asked for.
    client(r#"{"clientId":"device-client","endpoints":{"token":"http://127.0.0.1:9/t"},"allowInsecureLoopback":true}"#)
        .unwrap();
}

#[wasm_bindgen_test]
fn authorize_url_and_redirect_round_trip() {
    let c =
        client(r#"{"clientId":"cc-pkce","redirectUri":"http://127.0.0.1:8080/cb","scopes":["contact_data"]}"#).unwrap();
    let r = parsed(c.authorization_url(r#"{"prompt":"login"}"#));
    let url = get(&r, "url").as_string().unwrap();
    let state = get(&r, "state").as_string().unwrap();
    let challenge = get(&r, "codeChallenge").as_string().unwrap();
    let verifier = get(&r, "codeVerifier").as_string().unwrap();
    // The engine's own URL parser reads what we built.
    let engine_url = web_sys_url(&url);
    let q = |k: &str| get_param(&engine_url, k);
    assert_eq!(q("client_id").as_deref(), Some("cc-pkce"));
    assert_eq!(q("redirect_uri").as_deref(), Some("http://127.0.0.1:8080/cb"));
    assert_eq!(q("response_type").as_deref(), Some("code"));
    assert_eq!(q("scope").as_deref(), Some("contact_data offline_access"));
    assert_eq!(q("state").as_deref(), Some(state.as_str()));
    assert_eq!(q("code_challenge").as_deref(), Some(challenge.as_str()));
    assert_eq!(q("code_challenge_method").as_deref(), Some("S256"));
    assert_eq!(q("prompt").as_deref(), Some("login"));
    assert!(!url.contains("%2B") && !url.contains(&verifier));

    let expect = format!(r#"{{"state":"{state}"}}"#);
    let back = format!("http://127.0.0.1:8080/cb?code=AbC123&state={state}");
    let now = 1_795_454_050.0;
    let p = parsed(c.parse_redirect(Some(back), &expect, now, false));
    assert_eq!(get(&p, "type").as_string().as_deref(), Some("code"));
    assert_eq!(get(&p, "code").as_string().as_deref(), Some("AbC123"));

    let bad = |u: &str| code(c.parse_redirect(Some(u.into()), &expect, now, false));
    assert_eq!(bad(&format!("http://127.0.0.1:8080/cb?code=x&state={state}x")), "state_mismatch");
    assert_eq!(
        bad(&format!("http://127.0.0.1:8080/cb?error=access_denied&error_description=no&state={state}")),
        "access_denied"
    );
    assert_eq!(bad(&format!("http://127.0.0.1:8080/cb?state={state}")), "missing_code");
    assert_eq!(
        bad(&format!("http://127.0.0.1:8080/cb?code=x&state={state}&iss=https%3A%2F%2Fevil")),
        "issuer_mismatch"
    );
    assert_eq!(
        code(c.parse_redirect(Some(format!("http://127.0.0.1:8080/cb?code=x&state={state}")), "null", now, false)),
        "invalid_config",
        "state is required"
    );
    assert_eq!(code(c.parse_redirect(None, &expect, now, false)), "invalid_redirect", "a non-string URL");
}

/// `new URL(url)`, the engine's own parser.
fn web_sys_url(url: &str) -> web_sys::Url {
    web_sys::Url::new(url).expect("the engine parses the URL")
}

fn get_param(url: &web_sys::Url, key: &str) -> Option<String> {
    url.search_params().get(key)
}

/// Bad input of every kind gives a typed error and leaves the module working.
#[wasm_bindgen_test]
fn bad_input_never_traps_the_module() {
    let huge = "a".repeat(1 << 20);
    let cases: Vec<(Option<String>, &str)> = vec![
        (Some("".into()), "invalid_jwt"),
        (Some("a.b".into()), "invalid_jwt"),
        (Some("a.b.c.d".into()), "invalid_jwt"),
        (Some("a.b.c.d.e".into()), "invalid_jwt"),
        (Some("e30.!!!.c".into()), "invalid_jwt"),
        (Some(format!("x.{}.y", b64url("not json"))), "invalid_jwt"),
        (Some(format!("x.{}.y", b64url("[1]"))), "invalid_jwt"),
        (Some(format!("x.{}.y", b64url("{}"))), "invalid_jwt"),
        (Some(format!("x.{}.y", b64url(r#"{"exp":"soon"}"#))), "invalid_jwt"),
        (Some(format!("x.{}.y", b64url(r#"{"exp":1e400}"#))), "invalid_jwt"),
        (Some(format!("x.{}.y", b64url(r#"{"exp":99999999999999}"#))), "invalid_jwt"),
        (Some(huge.clone()), "invalid_jwt"),
        (Some(format!("{huge}.{huge}.{huge}")), "invalid_jwt"),
        (Some("AbC123xyz".into()), "invalid_jwt"),
        (Some("Wdvjb7a8T3Y4uSk_8XW1nQ9z2bPvLqK-0s".into()), "authorization_code_not_token"),
        (None, "invalid_jwt"),
    ];
    for (input, want) in cases {
        assert_eq!(code(w::decode(input.clone(), false)), want);
        assert_eq!(code(w::expires_at(input, false)), want);
        // ...and a good call still works afterwards.
        assert_eq!(w::expires_at(Some(jwt(CC)), false).unwrap(), 1_795_540_450.0);
    }
    let c = client(r#"{"clientId":"c","redirectUri":"https://a.example/cb"}"#).unwrap();
    let expect = r#"{"state":"st-abcdefgh"}"#;
    for url in [
        String::new(),
        "https://a.example/cb".into(),
        "https://a.example/cb?code=%FF&state=st-abcdefgh".into(),
        "https://a.example/cb?code=%E0%A4%A&state=st-abcdefgh".into(),
        "https://a.example/cb?code=a&code=b&state=st-abcdefgh".into(),
        format!("https://a.example/cb?code={huge}&state=st-abcdefgh"),
    ] {
        let got = code(c.parse_redirect(Some(url), expect, 0.0, false));
        assert!(got == "invalid_redirect" || got == "missing_code", "{got}");
        assert!(c
            .parse_redirect(Some("https://a.example/cb?code=ok&state=st-abcdefgh".into()), expect, 0.0, false)
            .is_ok());
    }
}

/// The local authorization server's real key set, fetched with gloo-net (the global `fetch`, so the same
/// code runs in Node, a page and a worker), read once by the module into its usable keys.
#[wasm_bindgen_test]
async fn reads_the_local_servers_key_set_fetched_with_gloo_net() {
    let Some(url) = option_env!("CTCT_JWKS_URL") else {
        panic!("run through scripts/test.sh, which starts the local server and sets CTCT_JWKS_URL");
    };
    let res = gloo_net::http::Request::get(url).send().await.expect("the local server answers");
    assert_eq!(res.status(), 200);
    let text = res.text().await.expect("a body");
    let c = client(r#"{"clientId":"c"}"#).unwrap();
    let keys = JSON::parse(&c.key_set_response(200, None, &text).unwrap()).unwrap();
    assert_eq!(get(&get(&keys, "cc-local-1"), "kty").as_string().as_deref(), Some("RSA"));
    assert!(get(&keys, "rotated-away").is_undefined());
}

/// The token request as the JS layer receives it: POST form body, Accept JSON, client_id for a public
/// client, and nothing in the URL.
#[wasm_bindgen_test]
fn token_requests_cross_the_boundary_intact() {
    let c = client(r#"{"clientId":"cc-pkce","redirectUri":"https://a.example/cb"}"#).unwrap();
    let opts = r#"{"codeVerifier":"dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"}"#;
    let r = parsed(c.exchange_request(Some("the-code".into()), opts));
    assert_eq!(
        get(&r, "url").as_string().as_deref(),
        Some("https://authz.constantcontact.com/oauth2/default/v1/token")
    );
    let headers = get(&r, "headers");
    assert_eq!(get(&headers, "content-type").as_string().as_deref(), Some("application/x-www-form-urlencoded"));
    assert_eq!(get(&headers, "accept").as_string().as_deref(), Some("application/json"));
    assert!(get(&headers, "authorization").is_undefined());
    assert_eq!(
        get(&r, "body").as_string().as_deref(),
        Some(concat!(
            "grant_type=authorization_code&code=the-code&redirect_uri=https%3A%2F%2Fa.example%2Fcb&code_verifier=",
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk&client_id=cc-pkce"
        ))
    );
    let context = get(&r, "context").as_string().unwrap();
    let refresh = code(c.refresh_request(None, "null"));
    assert_eq!(refresh, "reauthorization_required");
    let body = r#"{"access_token":"opaque","token_type":"Bearer","expires_in":"60"}"#;
    let t = parsed(c.token_response(200, None, body, 1000.0, &context));
    assert_eq!(get(&t, "expiresIn").as_f64(), Some(60.0));
    assert_eq!(get(&t, "expiresAt").as_f64(), Some(1060.0));
    assert_eq!(code(c.token_response(400, None, r#"{"error":"invalid_grant"}"#, 1000.0, &context)), "invalid_grant");
}
