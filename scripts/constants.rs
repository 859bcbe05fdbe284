//! Prints the constants the JS layer is built with (run by scripts/build.sh, which writes them into
//! pkg/lib/generated/constants.js): Constant Contact's endpoints and scopes, every error the JS layer
//! raises itself, and the numbers of the rules it applies, all decided in Rust.
fn main() {
    println!("{}", ctct_oauth::constants());
}
