//! errors.rs -- movgc errors come back as `Err` with the library's message.
use movgc::{Config, ErrorKind, Heap};

#[test]
fn nomem_is_an_error_and_heap_stays_usable() {
    let cfg = Config {
        heap_limit: 4 << 20,
        ..Config::default()
    };
    let mut heap = Heap::with_config(&cfg).unwrap();
    let err = heap.alloc(0, 0, 64 << 20).unwrap_err();
    assert_eq!(err.kind, ErrorKind::NoMemory);
    assert!(!err.message.is_empty());
    let obj = heap.alloc_bytes(0, b"still fine").unwrap();
    heap.collect().unwrap();
    assert_eq!(heap.get(&obj).unwrap().bytes(), b"still fine");
}
