//! Replays the fuzzing corpus (fuzz/corpus/<target>/*, minimised by scripts/fuzz.sh) through the same
//! checks the fuzz targets run (`ctct_oauth_fuzz`), on stable Rust: what fuzzing once found stays
//! fixed. One test per target, so a failure names its target.

use ctct_oauth_fuzz::TARGETS;

fn replay(target: &str) {
    let (_, check) = TARGETS.iter().find(|(name, _)| *name == target).expect("a fuzz target by that name");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus").join(target);
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        check(&std::fs::read(&path).unwrap());
        n += 1;
    }
    assert!(n > 0, "empty corpus for {target}");
}

#[test]
fn every_target_has_a_test_here() {
    let source = include_str!("corpus.rs");
    for (name, _) in TARGETS {
        assert!(source.contains(&format!("replay(\"{name}\")")), "no replay test for {name}");
    }
}

#[test]
fn jwt_corpus() {
    replay("jwt");
}

#[test]
fn redirect_corpus() {
    replay("redirect");
}

#[test]
fn responses_corpus() {
    replay("responses");
}

#[test]
fn authorize_corpus() {
    replay("authorize");
}

#[test]
fn json_form_corpus() {
    replay("json_form");
}

#[test]
fn json_diff_corpus() {
    replay("json_diff");
}

#[test]
fn url_diff_corpus() {
    replay("url_diff");
}

#[test]
fn b64_diff_corpus() {
    replay("b64_diff");
}
