/* prim_hash.c -- eq? and eqv? hash tables (the R6RS core), keyed by
 * identity on a heap whose objects move.
 *
 * An address cannot be a hash key here: a collection moves the key and
 * every bucket index computed from its old address goes stale.  So an
 * object hashes by gc_identity_hash, which stays the same for its whole
 * life, and no table ever needs rehashing after a collection.  eqv?
 * tables hash the kinds whose eqv? compares contents (numbers,
 * characters, empty strings: eval.c's eqv) by value instead.
 *
 * A table is a T_HTAB | int64 count, int64 flags |, its one slot the
 * bucket vector (a power of two long).  A bucket is a list of entries,
 * each entry a pair (key . value); the empty list () is NULL and a key
 * like any other.  Everything is on the moving heap, the table included:
 * every C local that lives across an allocation is rooted. */
#include "prims.h"

#define ARGC_UNUSED (void)argc

enum { HT_EQV = 1, HT_IMMUTABLE = 2 };
enum { MIN_BUCKETS = 8 };
#define MAX_CAPACITY ((int64_t)1 << 30)

struct htab_raw { int64_t count, flags; };
static struct htab_raw *raw(V t) { return gc_data(t); }
static V buckets(V t) { return gc_get(t, 0); }

static void check_table(V t, const char *who) { check_type(t, T_HTAB, who, "a hashtable"); }
static void check_mutable(V t, const char *who) {
    check_table(t, who);
    if (raw(t)->flags & HT_IMMUTABLE)
        sx_error("hashtable is immutable:", t);
}

/* ---- hashing: never collects */

static uint64_t mix(uint64_t k) {
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdu;
    k ^= k >> 33;
    k *= 0xc4ceb9fe1a85ec53u;
    return k ^ (k >> 33);
}

static uint64_t int_hash(V v) {
    struct ival iv;
    uint64_t k = 0x84222325cbf29ce4u;
    int_view(v, &iv);
    for (size_t i = 0; i < iv.n; i++)
        k = (k ^ iv.d[i]) * 0x100000001b3u;
    return k ^ iv.neg;
}

/* Equal for any two keys eqv? calls the same: numbers by value (0.0 and
 * -0.0 are eqv? here, eval.c), characters by code point, every empty
 * string alike; the rest by identity. */
static uint64_t eqv_hash(V k) {
    double d;
    uint64_t b;
    switch (gc_tag(k)) {
    case T_FIX:
    case T_BIG: return int_hash(k);
    case T_RAT: return rat_hash(k);
    case T_FLO:
        d = flo_val(k);
        if (d == 0)
            d = 0;
        memcpy(&b, &d, sizeof b);
        return b ^ 0x5bd1e995u;
    case T_CHAR: return char_val(k) ^ 0xc4a7u;
    case T_STR:
        if (str_len(k) == 0)
            return 0xe5u;
        break;
    default: break;
    }
    return gc_identity_hash(k);
}

static uint64_t key_hash(V t, V k) {
    if (!k)
        return 0x9e3779b97f4a7c15u;
    return mix(raw(t)->flags & HT_EQV ? eqv_hash(k) : gc_identity_hash(k));
}

static size_t bucket_of(V t, V k) { return (size_t)(key_hash(t, k) & (vec_len(buckets(t)) - 1)); }

static bool same(V t, V a, V b) { return a == b || ((raw(t)->flags & HT_EQV) && eqv(a, b)); }

/* The entry (key . value) for k, or NULL.  Never collects. */
static V find(V t, V k) {
    for (V c = gc_get(buckets(t), bucket_of(t, k)); c; c = cdr(c))
        if (same(t, car(car(c)), k))
            return car(c);
    return NULL;
}

/* ---- construction and growth */

static size_t buckets_for(int64_t capacity) {
    size_t n = MIN_BUCKETS;
    while ((int64_t)n < capacity)
        n *= 2;
    return n;
}

static int64_t capacity_arg(int argc, V *argv, int i, const char *who) {
    return argc > i ? check_index(argv[i], 0, MAX_CAPACITY, who) : 0;
}

/* A new empty table with nb buckets.  May collect. */
static V table_new(size_t nb, int64_t flags) {
    V t = NULL, v;
    FRAME;
    ROOT(t);
    t = gc_alloc(T_HTAB, 1, sizeof(struct htab_raw));
    raw(t)->flags = flags;
    v = make_vec(nb, NULL);
    gc_set(t, 0, v);
    RETURN(t);
}

/* Twice the buckets: the chain cells are relinked, not copied, so the
 * only allocation is the new vector's, before any cell is touched.  *tp
 * is a rooted slot.  May collect. */
static void grow(V *tp) {
    V nv = make_vec(2 * vec_len(buckets(*tp)), NULL);
    V ov = buckets(*tp);
    size_t mask = vec_len(nv) - 1;
    for (size_t i = 0; i < vec_len(ov); i++) {
        V c = gc_get(ov, i), next;
        for (; c; c = next) {
            size_t j = (size_t)(key_hash(*tp, car(car(c))) & mask);
            next = cdr(c);
            set_cdr(c, gc_get(nv, j));
            gc_set(nv, j, c);
        }
    }
    gc_set(*tp, 0, nv);
}

/* Set *kp to *vp in *tp (three rooted slots), growing past load factor
 * 1 first.  May collect. */
static void put(V *tp, V *kp, V *vp) {
    V e = find(*tp, *kp), chain;
    size_t i;
    FRAME;
    ROOT(e);
    if (e) {
        set_cdr(e, *vp);
        UNFRAME;
        return;
    }
    if ((size_t)raw(*tp)->count + 1 > vec_len(buckets(*tp)))
        grow(tp);
    e = cons(*kp, *vp);
    i = bucket_of(*tp, *kp);
    chain = cons(e, gc_get(buckets(*tp), i));
    gc_set(buckets(*tp), i, chain);
    raw(*tp)->count++;
    UNFRAME;
}

/* ---- primitives: argv slots are rooted (prims.h) */

static V make_table(int argc, V *argv, int64_t flags, const char *who) {
    return table_new(buckets_for(capacity_arg(argc, argv, 0, who)), flags);
}
static V p_make_eq(int argc, V *argv) { return make_table(argc, argv, 0, "make-eq-hashtable"); }
static V p_make_eqv(int argc, V *argv) { return make_table(argc, argv, HT_EQV, "make-eqv-hashtable"); }

static V p_hashtable_p(int argc, V *argv) { ARGC_UNUSED; return boolean(type_of(argv[0]) == T_HTAB); }

static V p_mutable_p(int argc, V *argv) {
    ARGC_UNUSED;
    check_table(argv[0], "hashtable-mutable?");
    return boolean(!(raw(argv[0])->flags & HT_IMMUTABLE));
}

static V p_count(int argc, V *argv) {
    ARGC_UNUSED;
    check_table(argv[0], "hashtable-count");
    return make_fix(raw(argv[0])->count);
}

static V p_set(int argc, V *argv) {
    ARGC_UNUSED;
    check_mutable(argv[0], "hashtable-set!");
    put(&argv[0], &argv[1], &argv[2]);
    return sx_unspec;
}

static V p_ref(int argc, V *argv) {
    V e;
    ARGC_UNUSED;
    check_table(argv[0], "hashtable-ref");
    e = find(argv[0], argv[1]);
    return e ? cdr(e) : argv[2];
}

static V p_contains(int argc, V *argv) {
    ARGC_UNUSED;
    check_table(argv[0], "hashtable-contains?");
    return boolean(find(argv[0], argv[1]) != NULL);
}

static V p_delete(int argc, V *argv) {
    V t = argv[0], v, prev = NULL, c;
    size_t i;
    ARGC_UNUSED;
    check_mutable(t, "hashtable-delete!");
    v = buckets(t);
    i = bucket_of(t, argv[1]);
    for (c = gc_get(v, i); c; prev = c, c = cdr(c))
        if (same(t, car(car(c)), argv[1])) {
            if (prev)
                set_cdr(prev, cdr(c));
            else
                gc_set(v, i, cdr(c));
            raw(t)->count--;
            break;
        }
    return sx_unspec;
}

/* (hashtable-update! t key proc default): key := (proc old-or-default).
 * proc may do anything to t, collections included; the table is
 * searched again after it returns. */
static V p_update(int argc, V *argv) {
    V e, r = NULL;
    FRAME;
    ROOT(r);
    ARGC_UNUSED;
    check_mutable(argv[0], "hashtable-update!");
    e = find(argv[0], argv[1]);
    r = cons(e ? cdr(e) : argv[3], NULL);
    r = sx_apply(argv[2], r);
    check_mutable(argv[0], "hashtable-update!");
    put(&argv[0], &argv[1], &r);
    UNFRAME;
    return sx_unspec;
}

static V p_clear(int argc, V *argv) {
    V v;
    check_mutable(argv[0], "hashtable-clear!");
    v = make_vec(argc > 1 ? buckets_for(capacity_arg(argc, argv, 1, "hashtable-clear!"))
                          : vec_len(buckets(argv[0])), NULL);
    gc_set(argv[0], 0, v);
    raw(argv[0])->count = 0;
    return sx_unspec;
}

/* (hashtable-copy t [mutable?]): immutable unless mutable? is true.
 * Entries are new pairs; keys and values are shared. */
static V p_copy(int argc, V *argv) {
    V n = NULL, c = NULL, e = NULL;
    size_t i;
    int64_t flags;
    FRAME;
    ROOT(n);
    ROOT(c);
    ROOT(e);
    check_table(argv[0], "hashtable-copy");
    flags = (raw(argv[0])->flags & HT_EQV) | (argc > 1 && is_true(argv[1]) ? 0 : HT_IMMUTABLE);
    n = table_new(vec_len(buckets(argv[0])), flags);
    for (i = 0; i < vec_len(buckets(n)); i++)
        for (c = gc_get(buckets(argv[0]), i); c; c = cdr(c)) {
            e = cons(car(car(c)), cdr(car(c)));
            e = cons(e, gc_get(buckets(n), i));
            gc_set(buckets(n), i, e);
        }
    raw(n)->count = raw(argv[0])->count;
    RETURN(n);
}

/* The keys (which 0) or values (which 1) as a vector, in no set order. */
static V entries(V *tp, int which, const char *who) {
    V out, v;
    size_t at = 0;
    check_table(*tp, who);
    out = make_vec((size_t)raw(*tp)->count, NULL);
    v = buckets(*tp);
    for (size_t i = 0; i < vec_len(v); i++)
        for (V c = gc_get(v, i); c; c = cdr(c))
            gc_set(out, at++, gc_get(car(c), (size_t)which));
    return out;
}
static V p_keys(int argc, V *argv) { ARGC_UNUSED; return entries(&argv[0], 0, "hashtable-keys"); }
static V p_values(int argc, V *argv) { ARGC_UNUSED; return entries(&argv[0], 1, "hashtable-values"); }

void prim_hash_init(void) {
    def_prim("make-eq-hashtable", p_make_eq, 0, 1, 0);
    def_prim("make-eqv-hashtable", p_make_eqv, 0, 1, 0);
    def_prim("hashtable?", p_hashtable_p, 1, 1, PRIM_LEAF);
    def_prim("hashtable-mutable?", p_mutable_p, 1, 1, PRIM_LEAF);
    def_prim("hashtable-count", p_count, 1, 1, 0);
    def_prim("hashtable-size", p_count, 1, 1, 0);
    def_prim("hashtable-set!", p_set, 3, 3, 0);
    def_prim("hashtable-ref", p_ref, 3, 3, PRIM_LEAF);
    def_prim("hashtable-contains?", p_contains, 2, 2, PRIM_LEAF);
    def_prim("hashtable-delete!", p_delete, 2, 2, PRIM_LEAF);
    def_prim("hashtable-update!", p_update, 4, 4, 0);
    def_prim("hashtable-clear!", p_clear, 1, 2, 0);
    def_prim("hashtable-copy", p_copy, 1, 2, 0);
    def_prim("hashtable-keys", p_keys, 1, 1, 0);
    def_prim("hashtable-values", p_values, 1, 1, 0);
}
