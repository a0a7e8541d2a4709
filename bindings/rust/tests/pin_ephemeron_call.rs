//! pin_ephemeron_call.rs -- pinned guards, ephemerons, foreign calls with
//! heap arguments, Debug/Hash, and finalizers that capture handles of
//! their own heap.
use std::cell::Cell;
use std::collections::HashSet;
use std::os::raw::{c_char, c_void};
use std::rc::Rc;

use movgc::{Arg, Heap, Obj, Ret, Value};

/// An old object with garbage below it: the next full collection slides
/// it down unless something pins it.
fn movable(heap: &mut Heap, data: &[u8]) -> Obj {
    let garbage: Vec<Obj> = (0..64).map(|_| heap.alloc(0, 0, 2048).unwrap()).collect();
    heap.collect().unwrap();
    let obj = heap.alloc_bytes(1, data).unwrap();
    heap.collect().unwrap();
    drop(garbage);
    obj
}

#[test]
fn pinned_object_stays_put_and_moves_after() {
    let mut heap = Heap::new().unwrap();
    let obj = movable(&mut heap, b"pinned bytes");
    let p = {
        let pinned = heap.pin(&obj).unwrap();
        assert_eq!(&*pinned, b"pinned bytes");
        pinned.as_ptr() as usize
    };
    // The guard is gone: the object moves again.
    heap.collect().unwrap();
    assert_ne!(heap.get(&obj).unwrap().addr(), p);
    let obj2 = movable(&mut heap, b"second");
    {
        let mut w = heap.pin_mut(&obj2).unwrap();
        w[0] = b'S';
    }
    assert_eq!(heap.get(&obj2).unwrap().bytes(), b"Second");
}

#[test]
fn pin_keeps_object_still_across_a_foreign_call_that_collects() {
    // A pinned address given to C stays valid while C triggers
    // collections through a callback-free path: here simply a call.
    let mut heap = Heap::new().unwrap();
    let obj = heap.alloc_bytes(1, b"hello\0").unwrap();
    let strlen: unsafe extern "C" fn(*const c_char) -> usize = libc_strlen;
    let f: unsafe extern "C" fn() = unsafe { std::mem::transmute(strlen) };
    let got = unsafe { heap.call(f, &[Arg::Data(&obj)], Ret::I64) }.unwrap();
    assert_eq!(got, Value::I64(5));
}

extern "C" {
    #[link_name = "strlen"]
    fn libc_strlen(s: *const c_char) -> usize;
    fn memcmp(a: *const c_void, b: *const c_void, n: usize) -> i32;
    fn memchr(s: *const c_void, c: i32, n: usize) -> *mut c_void;
}

#[test]
fn foreign_calls_take_objects_and_values() {
    let mut heap = Heap::new().unwrap();
    let a = heap.alloc_bytes(1, b"same bytes").unwrap();
    let b = heap.alloc_bytes(1, b"same bytes").unwrap();
    let c = heap.alloc_bytes(1, b"different!").unwrap();
    let cmp: unsafe extern "C" fn() = unsafe { std::mem::transmute(memcmp as unsafe extern "C" fn(_, _, _) -> _) };
    let eq = unsafe { heap.call(cmp, &[Arg::Data(&a), Arg::Data(&b), Arg::I64(10)], Ret::I64) };
    assert_eq!(eq.unwrap(), Value::I64(0));
    let ne = unsafe { heap.call(cmp, &[Arg::Data(&a), Arg::Data(&c), Arg::I64(10)], Ret::I64) };
    assert_ne!(ne.unwrap(), Value::I64(0));
    // memchr returns a pointer into the object's bytes: the pinned ones.
    let chr: unsafe extern "C" fn() = unsafe { std::mem::transmute(memchr as unsafe extern "C" fn(_, _, _) -> _) };
    let at = unsafe { heap.call(chr, &[Arg::Data(&c), Arg::I64(b'f' as i64), Arg::I64(10)], Ret::Ptr) };
    let at = match at.unwrap() {
        Value::Ptr(p) => p as usize,
        other => panic!("{:?}", other),
    };
    let pinned = heap.pin(&c).unwrap(); // old now: it was pinned for the call
    assert_eq!(at - pinned.as_ptr() as usize, 2);
    drop(pinned);
    // An object of another heap is refused, and nothing is called.
    let mut other = Heap::new().unwrap();
    let stranger = other.alloc(1, 0, 8).unwrap();
    assert!(unsafe { heap.call(cmp, &[Arg::Obj(&stranger), Arg::Obj(&a), Arg::I64(0)], Ret::I64) }.is_err());
}

#[test]
fn ephemeron_holds_value_while_key_lives() {
    let mut heap = Heap::new().unwrap();
    let key = heap.alloc_bytes(1, b"key").unwrap();
    let value = heap.alloc_bytes(2, b"value").unwrap();
    let e = heap.ephemeron(&key, Some(&value)).unwrap();
    drop(value);
    heap.collect().unwrap();
    assert_eq!(e.key().unwrap(), key);
    let v = e.value().unwrap();
    assert_eq!(heap.get(&v).unwrap().bytes(), b"value");
    drop(v);
    drop(key);
    heap.collect().unwrap();
    assert!(e.key().is_none());
    assert!(e.value().is_none());
    assert!(format!("{:?}", e).contains("key_alive: false"));
}

#[test]
fn debug_and_hash() {
    let mut heap = Heap::new().unwrap();
    let a = heap.alloc(7, 2, 3).unwrap();
    let b = a.clone();
    let dbg = format!("{:?}", a);
    assert!(dbg.contains("tag: 7") && dbg.contains("nrefs: 2") && dbg.contains("nbytes: 3"), "{}", dbg);
    let mut set = HashSet::new();
    set.insert(a);
    heap.collect().unwrap(); // moves it: the hash is the identity hash
    assert!(set.contains(&b));
    assert!(format!("{:?}", heap).contains("full_collections: 1"));
    assert!(format!("{:?}", heap.weak(&b).unwrap()).contains("alive: true"));
}

/// Sets its flag when dropped.
struct DropFlag(Rc<Cell<bool>>);
impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.set(true);
    }
}

#[test]
fn finalizer_capturing_its_own_heap_does_not_leak_it() {
    let dropped = Rc::new(Cell::new(false));
    {
        let mut heap = Heap::new().unwrap();
        let obj = heap.alloc(1, 0, 8).unwrap();
        let other = heap.alloc(1, 0, 8).unwrap();
        let weak = heap.weak(&other).unwrap();
        let flag = DropFlag(dropped.clone());
        heap.set_finalizer(&obj, move |_, _| {
            let _keep = (&weak, &other, &flag);
        })
        .unwrap();
        heap.collect().unwrap();
        drop(obj);
    }
    assert!(dropped.get(), "the finalizer (and with it the heap) leaked");
}
