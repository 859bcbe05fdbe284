//! Replays the fuzzing corpus (fuzz/corpus/<target>/*, minimised by scripts/fuzz.sh) through the same
//! checks the fuzz targets run, on stable Rust: what fuzzing once found stays fixed.
#![cfg(not(target_arch = "wasm32"))]

#[path = "../fuzz/harness.rs"]
mod harness;

fn replay(target: &str, check: fn(&[u8])) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus").join(target);
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        check(&std::fs::read(&path).unwrap());
        n += 1;
    }
    assert!(n > 0, "empty corpus for {target}");
}

#[test]
fn jwt_corpus() {
    replay("jwt", harness::jwt);
}

#[test]
fn redirect_corpus() {
    replay("redirect", harness::redirect);
}

#[test]
fn responses_corpus() {
    replay("responses", harness::responses);
}

#[test]
fn authorize_corpus() {
    replay("authorize", harness::authorize);
}

#[test]
fn json_form_corpus() {
    replay("json_form", harness::json_form);
}
