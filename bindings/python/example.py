import movgc

with movgc.Heap() as heap:
    pair = heap.alloc(nrefs=2, tag=1)       # two reference slots
    pair[0] = heap.alloc_bytes(b"hello, movgc")
    pair[1] = pair[0]
    for _ in range(100):
        heap.alloc(nbytes=1000)             # garbage
    heap.collect(full=True)                 # objects move, wrappers follow
    print(pair[0].read().decode())          # a copy of the raw bytes
    with pair[0].pinned() as view:          # the raw bytes, in place
        view[0:5] = b"HELLO"
    print(pair[1].read().decode())
    print("same object:", pair[0] == pair[1])
    print("full collections:", heap.stats()["full_collections"] > 0)
