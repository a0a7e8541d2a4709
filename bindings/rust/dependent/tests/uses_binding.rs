//! The binding's API seen from another crate: errors and moving objects.
use movgc::{ErrorKind, Heap};

#[test]
fn objects_move_and_misuse_is_an_error() {
    let mut heap = Heap::new().unwrap();
    let obj = heap.alloc_bytes(3, b"from a dependent crate").unwrap();
    let before = heap.get(&obj).unwrap().addr();
    heap.collect().unwrap();
    assert_ne!(heap.get(&obj).unwrap().addr(), before);
    assert_eq!(heap.get(&obj).unwrap().bytes(), b"from a dependent crate");
    assert_eq!(heap.set(&obj, 0, None).unwrap_err().kind, ErrorKind::Misuse);
}
