//! moving.rs -- objects move under the binding (forced collections) and
//! keep their contents, slots and identity.
use movgc::{ErrorKind, Heap, Obj};

fn put(heap: &mut Heap, obj: &Obj, value: u64) {
    heap.get_mut(obj).unwrap().bytes_mut()[..8].copy_from_slice(&value.to_le_bytes());
}

fn read(heap: &Heap, obj: &Obj) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&heap.get(obj).unwrap().bytes()[..8]);
    u64::from_le_bytes(b)
}

#[test]
fn young_object_moves_and_keeps_contents() {
    let mut heap = Heap::new().unwrap();
    let obj = heap.alloc_bytes(3, b"moving target").unwrap();
    let before = heap.get(&obj).unwrap().addr();
    heap.collect_minor().unwrap();
    heap.collect().unwrap();
    let now = heap.get(&obj).unwrap();
    assert_ne!(now.addr(), before, "no collection moved the object");
    assert_eq!(now.bytes(), b"moving target");
    assert_eq!(now.tag(), 3);
}

#[test]
fn linked_list_survives_collections() {
    let mut heap = Heap::new().unwrap();
    let mut head: Option<Obj> = None;
    for i in 0..500u64 {
        let node = heap.alloc(7, 1, 8).unwrap();
        put(&mut heap, &node, i);
        heap.set(&node, 0, head.as_ref()).unwrap();
        heap.alloc(0, 0, 100).unwrap(); // garbage between the nodes
        head = Some(node);
        if i % 100 == 99 {
            heap.collect().unwrap();
        }
    }
    heap.collect().unwrap();
    let mut seen = Vec::new();
    let mut cur = head.as_ref().map(|h| heap.get(h).unwrap());
    while let Some(node) = cur {
        let mut b = [0u8; 8];
        b.copy_from_slice(node.bytes());
        seen.push(u64::from_le_bytes(b));
        assert_eq!(node.tag(), 7);
        cur = node.slot(0).unwrap();
    }
    let want: Vec<u64> = (0..500).rev().collect();
    assert_eq!(seen, want);
    assert_eq!(read(&heap, head.as_ref().unwrap()), 499);
}

#[test]
fn compaction_moves_old_objects_and_updates_slots() {
    let mut heap = Heap::new().unwrap();
    let mut garbage = Vec::new();
    for _ in 0..200 {
        garbage.push(heap.alloc(0, 0, 512).unwrap());
    }
    let parent = heap.alloc(1, 2, 0).unwrap();
    let child = heap.alloc_bytes(2, b"child").unwrap();
    heap.set(&parent, 0, Some(&child)).unwrap();
    heap.set(&parent, 1, Some(&parent)).unwrap();
    heap.collect().unwrap(); // everything is old now
    let before = heap.get(&child).unwrap().addr();
    garbage.clear();
    heap.collect().unwrap(); // slides parent and child down
    let p = heap.get(&parent).unwrap();
    let c = p.slot(0).unwrap().unwrap();
    assert_ne!(c.addr(), before, "compaction moved nothing");
    assert!(c.same(&heap.get(&child).unwrap()));
    assert!(p.slot(1).unwrap().unwrap().same(&p));
    assert_eq!(c.bytes(), b"child");
}

#[test]
fn identity_hash_and_equality_survive_moves() {
    let mut heap = Heap::new().unwrap();
    let a = heap.alloc(1, 0, 16).unwrap();
    let b = a.clone();
    let hash = heap.get(&a).unwrap().identity_hash();
    heap.collect().unwrap();
    assert_eq!(heap.get(&b).unwrap().identity_hash(), hash);
    assert_eq!(a, b);
    assert_ne!(a, heap.alloc(1, 0, 16).unwrap());
}

#[test]
fn dropped_objs_are_reclaimed() {
    let mut heap = Heap::new().unwrap();
    let mut keep = Vec::new();
    for _ in 0..512 {
        keep.push(heap.alloc(0, 0, 1024).unwrap());
    }
    heap.collect().unwrap();
    let held = heap.stats().live_bytes;
    assert!(held >= 512 * 1024, "live {} too small", held);
    keep.clear();
    heap.collect().unwrap();
    assert!(heap.stats().live_bytes < held / 4);
    assert!(heap.stats().full_collections >= 2);
}

#[test]
fn slot_index_is_checked() {
    let mut heap = Heap::new().unwrap();
    let obj = heap.alloc(1, 2, 0).unwrap();
    let err = heap.set(&obj, 2, None).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Misuse);
    assert!(err.message.contains("slot 2 of an object with 2 slots"), "{}", err);
    assert!(heap.slot(&obj, 2).is_err());
    assert!(heap.get(&obj).unwrap().slot(usize::MAX).is_err());
    assert_eq!(heap.slot(&obj, 1).unwrap(), None); // still usable
}

#[test]
fn objects_of_another_heap_are_refused() {
    let mut one = Heap::new().unwrap();
    let mut two = Heap::new().unwrap();
    let a = one.alloc(1, 1, 0).unwrap();
    let b = two.alloc(1, 0, 0).unwrap();
    let err = one.set(&a, 0, Some(&b)).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Misuse);
    assert!(err.message.contains("another heap"), "{}", err);
    assert!(one.get(&b).is_err());
    assert!(one.weak(&b).is_err());
    assert!(one.pin(&b).is_err());
}
