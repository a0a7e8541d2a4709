//! A program using movgc from another crate: a list built, collected
//! (moved) and walked.
use movgc::{Heap, Obj};

fn main() -> Result<(), movgc::Error> {
    let mut heap = Heap::new()?;
    let mut head: Option<Obj> = None;
    for i in 0..1000u32 {
        let node = heap.alloc(1, 1, 4)?;
        heap.get_mut(&node)?.bytes_mut().copy_from_slice(&i.to_le_bytes());
        heap.set(&node, 0, head.as_ref())?;
        head = Some(node);
    }
    heap.collect()?;
    let mut sum = 0u64;
    let mut cur = match head {
        Some(ref h) => Some(heap.get(h)?),
        None => None,
    };
    while let Some(node) = cur {
        let mut b = [0u8; 4];
        b.copy_from_slice(node.bytes());
        sum += u32::from_le_bytes(b) as u64;
        cur = node.slot(0)?;
    }
    println!("sum of 1000 nodes after a full collection: {}", sum);
    Ok(())
}
