//! lib.rs -- safe Rust binding for movgc, a precise moving and compacting
//! heap.  The borrow checker does what Classic Mac OS programmers did by
//! hand with HLock/HUnlock.
//!
//! * An [`Obj`] is a rooted reference (a movgc handle): the collector
//!   updates it, so it stays valid across any number of collections.
//! * Reading or writing an object's bytes or slots goes through a borrow,
//!   [`Heap::get`] ([`ObjRef`]) or [`Heap::get_mut`] ([`ObjMut`]), that
//!   borrows the [`Heap`].  Everything that may collect ([`Heap::alloc`],
//!   [`Heap::collect`], ...) takes `&mut Heap`, so it cannot be called
//!   while such a borrow lives: a raw address can never be used after a
//!   collection moved its object.
//!
//! ```no_run
//! let mut heap = movgc::Heap::new().unwrap();
//! let obj = heap.alloc_bytes(1, b"abc").unwrap();
//! heap.collect().unwrap();                    // obj may move: it is rooted
//! assert_eq!(heap.get(&obj).unwrap().bytes(), b"abc"); // borrow, read, release
//! let other = heap.alloc(1, 0, 8).unwrap();   // fine: no borrow is held
//! # drop(other);
//! ```
//!
//! (The examples in these docs only compile; `cargo test` runs the same
//! code in `tests/` and `examples/`.)
//!
//! Holding bytes across an allocation does not compile (E0502: `heap` is
//! borrowed by `bytes` when `alloc` wants it mutably):
//! ```compile_fail,E0502
//! let mut heap = movgc::Heap::new().unwrap();
//! let obj = heap.alloc_bytes(1, b"abc").unwrap();
//! let bytes = heap.get(&obj).unwrap().bytes();
//! let other = heap.alloc(1, 0, 8).unwrap();   // may collect: refused
//! assert_eq!(bytes, b"abc");
//! # drop(other);
//! ```
//!
//! Nor does holding an object borrow across a collection:
//! ```compile_fail,E0502
//! let mut heap = movgc::Heap::new().unwrap();
//! let obj = heap.alloc(1, 1, 0).unwrap();
//! let borrowed = heap.get(&obj).unwrap();
//! heap.collect().unwrap();                    // may move it: refused
//! assert_eq!(borrowed.nrefs(), 1);
//! ```
//!
//! Nor writing bytes while allocating:
//! ```compile_fail,E0499
//! let mut heap = movgc::Heap::new().unwrap();
//! let obj = heap.alloc(1, 0, 4).unwrap();
//! let mut w = heap.get_mut(&obj).unwrap();
//! let bytes = w.bytes_mut();
//! let other = heap.alloc(1, 0, 4).unwrap();   // refused
//! bytes[0] = 1;
//! # drop(other);
//! ```
//!
//! Nor keeping a slot's borrow across an allocation:
//! ```compile_fail,E0502
//! let mut heap = movgc::Heap::new().unwrap();
//! let pair = heap.alloc(1, 1, 0).unwrap();
//! let child = heap.alloc(1, 0, 8).unwrap();
//! heap.set(&pair, 0, Some(&child)).unwrap();
//! let inside = heap.get(&pair).unwrap().slot(0).unwrap().unwrap();
//! heap.alloc(1, 0, 8).unwrap();               // refused
//! assert_eq!(inside.nbytes(), 8);
//! ```
//!
//! The same code compiles once the borrow is rooted with
//! [`ObjRef::root`] before allocating:
//! ```no_run
//! let mut heap = movgc::Heap::new().unwrap();
//! let pair = heap.alloc(1, 1, 0).unwrap();
//! let child = heap.alloc(1, 0, 8).unwrap();
//! heap.set(&pair, 0, Some(&child)).unwrap();
//! let inside = heap.get(&pair).unwrap().slot(0).unwrap().unwrap().root().unwrap();
//! heap.alloc(1, 0, 8).unwrap();
//! heap.collect().unwrap();
//! assert_eq!(heap.get(&inside).unwrap().nbytes(), 8);
//! assert!(heap.slot(&pair, 0).unwrap() == Some(child));
//! ```

mod call;
mod error;
mod heap;
mod layout;
mod obj;
mod sys;

pub use call::{Arg, Ret, Value};
pub use error::{Error, ErrorKind};
pub use heap::{Config, Heap, Stats};
pub use obj::{Ephemeron, Obj, ObjMut, ObjRef, Pinned, PinnedMut, Weak};
