//! config_env.rs -- a malformed MOVGC_* variable is a Config error naming
//! it.  Alone in its test binary: it changes the process environment.
use movgc::{ErrorKind, Heap};

#[test]
fn config_error_names_the_variable() {
    std::env::set_var("MOVGC_GROWTH", "fast");
    let result = Heap::new();
    std::env::remove_var("MOVGC_GROWTH");
    let err = match result {
        Ok(_) => panic!("a malformed MOVGC_GROWTH was accepted"),
        Err(err) => err,
    };
    assert_eq!(err.kind, ErrorKind::Config);
    assert!(err.message.contains("MOVGC_GROWTH"), "{}", err);
}
