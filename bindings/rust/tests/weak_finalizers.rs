//! weak_finalizers.rs -- weak handles and finalizers.  Each test prints
//! "skipped: ..." and passes when the library reports the feature
//! unimplemented.
use std::cell::RefCell;
use std::rc::Rc;

use movgc::{Error, Heap};

fn unimplemented(what: &str, err: &Error) -> bool {
    if err.is_unimplemented() {
        println!(
            "skipped: {} unimplemented in libmovgc: {}",
            what, err.message
        );
        return true;
    }
    false
}

#[test]
fn weak_follows_then_clears() {
    let mut heap = Heap::new().unwrap();
    let obj = heap.alloc_bytes(1, b"weakly held").unwrap();
    let weak = match heap.weak(&obj) {
        Ok(w) => w,
        Err(e) if unimplemented("weak handles", &e) => return,
        Err(e) => panic!("{}", e),
    };
    heap.collect().unwrap();
    let again = weak.get().expect("cleared while reachable");
    assert_eq!(again, obj);
    assert_eq!(heap.get(&again).unwrap().bytes(), b"weakly held");
    drop(again);
    drop(obj);
    heap.collect().unwrap();
    assert!(weak.get().is_none());
}

#[test]
fn finalizer_runs_once_and_may_allocate() {
    let mut heap = Heap::new().unwrap();
    let seen = Rc::new(RefCell::new(Vec::new()));
    let obj = heap.alloc_bytes(1, b"last words").unwrap();
    let log = seen.clone();
    let set = heap.set_finalizer(&obj, move |heap, dying| {
        let words = heap.get(&dying).unwrap().bytes().to_vec();
        heap.alloc(0, 0, 64).unwrap(); // finalizers may allocate
        log.borrow_mut().push(words);
    });
    match set {
        Ok(()) => {}
        Err(e) if unimplemented("finalizers", &e) => return,
        Err(e) => panic!("{}", e),
    }
    heap.collect().unwrap();
    assert!(seen.borrow().is_empty(), "finalized while reachable");
    drop(obj);
    heap.collect().unwrap();
    heap.collect().unwrap();
    assert_eq!(*seen.borrow(), vec![b"last words".to_vec()]);
}

#[test]
fn cleared_finalizer_does_not_run() {
    let mut heap = Heap::new().unwrap();
    let ran = Rc::new(RefCell::new(0));
    let obj = heap.alloc(1, 0, 0).unwrap();
    let count = ran.clone();
    match heap.set_finalizer(&obj, move |_, _| *count.borrow_mut() += 1) {
        Ok(()) => {}
        Err(e) if unimplemented("finalizers", &e) => return,
        Err(e) => panic!("{}", e),
    }
    heap.clear_finalizer(&obj).unwrap();
    drop(obj);
    heap.collect().unwrap();
    heap.collect().unwrap();
    assert_eq!(*ran.borrow(), 0);
}

#[test]
fn finalizer_panic_is_resumed_by_the_heap_call() {
    let mut heap = Heap::new().unwrap();
    let obj = heap.alloc(1, 0, 0).unwrap();
    match heap.set_finalizer(&obj, |_, _| panic!("from the finalizer")) {
        Ok(()) => {}
        Err(e) if unimplemented("finalizers", &e) => return,
        Err(e) => panic!("{}", e),
    }
    drop(obj);
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        heap.collect().unwrap();
        heap.collect().unwrap();
    }));
    let payload = result.expect_err("the finalizer's panic was lost");
    let msg = payload.downcast_ref::<&str>().copied().unwrap_or("");
    assert_eq!(msg, "from the finalizer");
}
