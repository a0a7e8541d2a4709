//! slot_read.rs -- nanoseconds per slot read, tag read and 8-byte read
//! through an `ObjRef` (inline: layout.rs), next to a plain Rust slice
//! read.  `cargo run --release --example slot_read`; a timing, never a test.
use std::time::Instant;

use movgc::Heap;

fn per_op<F: FnMut(usize) -> usize>(n: usize, mut f: F) -> f64 {
    let mut best = f64::MAX;
    for _ in 0..5 {
        let t0 = Instant::now();
        let mut acc = 0usize;
        for i in 0..n {
            acc = acc.wrapping_add(f(i));
        }
        let ns = t0.elapsed().as_nanos() as f64 / n as f64;
        // Keep acc observable so the loop is not optimised away.
        if acc == usize::MAX {
            println!("{}", acc);
        }
        best = best.min(ns);
    }
    best
}

fn main() -> Result<(), movgc::Error> {
    let mut heap = Heap::new()?;
    let obj = heap.alloc(1, 4, 8)?;
    let child = heap.alloc(2, 0, 8)?;
    for i in 0..4 {
        heap.set(&obj, i, Some(&child))?;
    }
    let n = 20_000_000;
    let r = heap.get(&obj)?;
    let slot = per_op(n, |i| r.slot(i & 3).unwrap().map_or(0, |c| c.addr()));
    let tag = per_op(n, |i| r.tag() as usize + i);
    let bytes = per_op(n, |i| r.bytes()[i & 7] as usize);
    let plain: Vec<usize> = vec![1, 2, 3, 4];
    let peer = per_op(n, |i| plain[i & 3]);
    println!("ns per slot read {:.2}, tag {:.2}, byte {:.2}; plain slice {:.2}", slot, tag, bytes, peer);
    Ok(())
}
