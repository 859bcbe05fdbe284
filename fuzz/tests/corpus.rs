//! Replays the fuzzing seeds (fuzz/seeds/<target>.b64: one input per line, base64; the fewest inputs that
//! keep every coverage edge the fuzzed corpus reached, chosen by scripts/fuzz-seeds.mjs) through the same
//! checks the fuzz targets run (`ctct_oauth_fuzz`), on stable Rust: what fuzzing once found stays fixed.
//! The full corpus, when a fuzzing run left one in fuzz/corpus/<target>/ (not in the repository), is
//! replayed too. One test per target, so a failure names its target.

use base64::Engine;
use ctct_oauth_fuzz::TARGETS;

fn replay(target: &str) {
    let (_, check) = TARGETS.iter().find(|(name, _)| *name == target).expect("a fuzz target by that name");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let seeds = root.join("seeds").join(format!("{target}.b64"));
    let text = std::fs::read_to_string(&seeds).unwrap_or_else(|e| panic!("{}: {e}", seeds.display()));
    let mut n = 0;
    for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.starts_with('#')) {
        let input = base64::engine::general_purpose::STANDARD
            .decode(line)
            .unwrap_or_else(|e| panic!("{}:{}: {e}", seeds.display(), i + 1));
        check(&input);
        n += 1;
    }
    assert!(n > 0, "no seeds for {target}");
    if let Ok(dir) = std::fs::read_dir(root.join("corpus").join(target)) {
        for entry in dir {
            check(&std::fs::read(entry.unwrap().path()).unwrap());
        }
    }
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
