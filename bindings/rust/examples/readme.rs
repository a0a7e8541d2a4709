use movgc::Heap;

fn main() -> Result<(), movgc::Error> {
    let mut heap = Heap::new()?;
    let pair = heap.alloc(1, 2, 0)?; // tag 1, two slots, no bytes
    let greeting = heap.alloc_bytes(2, b"hello, movgc")?;
    heap.set(&pair, 0, Some(&greeting))?;
    for _ in 0..100 {
        heap.alloc(0, 0, 1000)?; // garbage
    }
    heap.collect()?; // objects move; Obj handles follow them
    heap.get_mut(&greeting)?.bytes_mut()[..5].copy_from_slice(b"HELLO");
    let first = heap.get(&pair)?.slot(0)?.unwrap(); // borrows the heap
    println!("{}", String::from_utf8_lossy(first.bytes()));
    println!("same object: {}", first.same(&heap.get(&greeting)?));
    // heap.alloc(..) here would not compile while `first` is used below
    println!("tag: {}", first.tag());
    Ok(())
}
