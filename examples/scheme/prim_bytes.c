/* prim_bytes.c -- bytevectors: raw-byte heap objects (| int64 length,
 * bytes |) with no reference slots.  The collector copies them like any
 * object but never looks inside, so the bytes need no write barrier.
 * [bytes.view]: a pointer from bytes_ptr is valid only until the next
 * allocation (which may move the object): each primitive reads or writes
 * the bytes either before it allocates or, after allocating, through the
 * argv slots the collector updated.  Strings are byte strings, so
 * utf8->string and string->utf8 copy bytes, and their indices are bytes. */
#include "prims.h"

#define ARGC_UNUSED (void)argc

static void check_bytes(V v, const char *who) { check_type(v, T_BYTES, who, "a bytevector"); }

static uint8_t check_byte(V v, const char *who) {
    if (type_of(v) != T_FIX || fix_val(v) < 0 || fix_val(v) > 255)
        sx_type_error(who, "a byte (an exact integer 0..255)", v);
    return (uint8_t)fix_val(v);
}

/* The optional [start, end) of a sequence of length len in argv[i..]. */
static void range(int argc, V *argv, int i, int64_t len, int64_t *start,
                  int64_t *end, const char *who) {
    *start = argc > i ? check_index(argv[i], 0, len, who) : 0;
    *end = argc > i + 1 ? check_index(argv[i + 1], *start, len, who) : len;
}

static V p_bytevector_p(int argc, V *argv) { ARGC_UNUSED; return boolean(type_of(argv[0]) == T_BYTES); }

static V p_make_bytevector(int argc, V *argv) {
    int64_t n = check_index(argv[0], 0, (int64_t)1 << 40, "make-bytevector");
    uint8_t fill = argc > 1 ? check_byte(argv[1], "make-bytevector") : 0;
    V b = make_bytes(NULL, (size_t)n);
    memset(bytes_ptr(b), fill, (size_t)n);
    return b;
}

/* (bytevector byte ...): every argument is checked before the one
 * allocation; argv is rooted (no PRIM_LEAF) and read again after it. */
static V p_bytevector(int argc, V *argv) {
    V b;
    int i;
    for (i = 0; i < argc; i++)
        check_byte(argv[i], "bytevector");
    b = make_bytes(NULL, (size_t)argc);
    for (i = 0; i < argc; i++)
        bytes_ptr(b)[i] = (uint8_t)fix_val(argv[i]);
    return b;
}

static V p_bytevector_length(int argc, V *argv) {
    ARGC_UNUSED;
    check_bytes(argv[0], "bytevector-length");
    return make_fix(bytes_len(argv[0]));
}

static V p_bytevector_u8_ref(int argc, V *argv) {
    int64_t k;
    ARGC_UNUSED;
    check_bytes(argv[0], "bytevector-u8-ref");
    k = check_index(argv[1], 0, bytes_len(argv[0]) - 1, "bytevector-u8-ref");
    return make_fix(bytes_ptr(argv[0])[k]);
}

static V p_bytevector_u8_set(int argc, V *argv) {
    int64_t k;
    ARGC_UNUSED;
    check_bytes(argv[0], "bytevector-u8-set!");
    k = check_index(argv[1], 0, bytes_len(argv[0]) - 1, "bytevector-u8-set!");
    bytes_ptr(argv[0])[k] = check_byte(argv[2], "bytevector-u8-set!");
    return sx_unspec;
}

/* (bytevector-copy bv [start [end]]): argv is rooted (no PRIM_LEAF), so
 * the source is read through argv[0] after the allocation moved it. */
static V p_bytevector_copy(int argc, V *argv) {
    int64_t start, end;
    V b;
    check_bytes(argv[0], "bytevector-copy");
    range(argc, argv, 1, bytes_len(argv[0]), &start, &end, "bytevector-copy");
    b = make_bytes(NULL, (size_t)(end - start));
    memcpy(bytes_ptr(b), bytes_ptr(argv[0]) + start, (size_t)(end - start));
    return b;
}

/* (bytevector-copy! to at from [start [end]]): overlapping ranges of one
 * bytevector copy as if through a temporary (memmove). */
static V p_bytevector_copy_x(int argc, V *argv) {
    int64_t at, start, end;
    check_bytes(argv[0], "bytevector-copy!");
    check_bytes(argv[2], "bytevector-copy!");
    at = check_index(argv[1], 0, bytes_len(argv[0]), "bytevector-copy!");
    range(argc, argv, 3, bytes_len(argv[2]), &start, &end, "bytevector-copy!");
    if (end - start > bytes_len(argv[0]) - at)
        sx_error("bytevector-copy!: not enough room in", argv[0]);
    memmove(bytes_ptr(argv[0]) + at, bytes_ptr(argv[2]) + start, (size_t)(end - start));
    return sx_unspec;
}

static V p_bytevector_append(int argc, V *argv) {
    int64_t n = 0, at = 0;
    int i;
    V b;
    for (i = 0; i < argc; i++) {
        check_bytes(argv[i], "bytevector-append");
        n += bytes_len(argv[i]);
    }
    b = make_bytes(NULL, (size_t)n);
    for (i = 0; i < argc; i++) {   /* argv rooted: read after the allocation */
        memcpy(bytes_ptr(b) + at, bytes_ptr(argv[i]), (size_t)bytes_len(argv[i]));
        at += bytes_len(argv[i]);
    }
    return b;
}

/* utf8->string and string->utf8 copy bytes between the two kinds of
 * raw-byte object; a string gets its NUL from make_str. */
static V p_utf8_to_string(int argc, V *argv) {
    int64_t start, end;
    V s;
    check_bytes(argv[0], "utf8->string");
    range(argc, argv, 1, bytes_len(argv[0]), &start, &end, "utf8->string");
    if (memchr(bytes_ptr(argv[0]) + start, 0, (size_t)(end - start)))
        sx_error("utf8->string: a NUL byte in", argv[0]);
    s = make_str(NULL, (size_t)(end - start));
    memcpy(str_ptr(s), bytes_ptr(argv[0]) + start, (size_t)(end - start));
    return s;
}

static V p_string_to_utf8(int argc, V *argv) {
    int64_t start, end;
    V b;
    check_type(argv[0], T_STR, "string->utf8", "a string");
    range(argc, argv, 1, str_len(argv[0]), &start, &end, "string->utf8");
    b = make_bytes(NULL, (size_t)(end - start));
    memcpy(bytes_ptr(b), str_ptr(argv[0]) + start, (size_t)(end - start));
    return b;
}

void prim_bytes_init(void) {
    def_prim("bytevector?", p_bytevector_p, 1, 1, PRIM_LEAF);
    def_prim("make-bytevector", p_make_bytevector, 1, 2, PRIM_LEAF);
    def_prim("bytevector", p_bytevector, 0, VARIADIC, 0);
    def_prim("bytevector-length", p_bytevector_length, 1, 1, PRIM_LEAF);
    def_prim("bytevector-u8-ref", p_bytevector_u8_ref, 2, 2, PRIM_LEAF);
    def_prim("bytevector-u8-set!", p_bytevector_u8_set, 3, 3, PRIM_LEAF);
    def_prim("bytevector-copy", p_bytevector_copy, 1, 3, 0);
    def_prim("bytevector-copy!", p_bytevector_copy_x, 3, 5, PRIM_LEAF);
    def_prim("bytevector-append", p_bytevector_append, 0, VARIADIC, 0);
    def_prim("utf8->string", p_utf8_to_string, 1, 3, 0);
    def_prim("string->utf8", p_string_to_utf8, 1, 3, 0);
}
