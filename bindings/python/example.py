import movgc

with movgc.Heap() as heap:
    pair = heap.alloc(nrefs=2, tag=1)       # two reference slots
    pair[0] = heap.alloc_bytes(b"hello, movgc")
    pair[1] = pair[0]
    for _ in range(100):
        heap.alloc(nbytes=1000)             # garbage
    heap.collect(full=True)                 # objects move, wrappers follow
    with pair[0].pinned() as view:          # raw bytes only while pinned
        print(bytes(view).decode())
        view[0:5] = b"HELLO"
    with pair[1].pinned() as view:
        print(bytes(view).decode())
    print("same object:", pair[0] == pair[1])
    print("full collections:", heap.stats()["full_collections"] > 0)
