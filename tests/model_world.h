/* model_world.h -- a real movgc heap driven in lockstep with the model graph:
 * the operation interpreter shared by tests/model.c and the fuzz harness. */
#ifndef MODEL_WORLD_H
#define MODEL_WORLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model_graph.h"
#include "movgc.h"

/* Operations.  Arguments a, b, c are arbitrary numbers; the interpreter
 * reduces them to whatever the current state offers, so every sequence of
 * ops is valid (none is an API misuse). */
enum op_kind {
    OP_ALLOC,        /* a: shape, b: size, c: where the new object goes */
    OP_SET,          /* slot b of object a := object c (or NULL) */
    OP_WRITE,        /* raw bytes of object a at b := pattern c */
    OP_PUSH,         /* push a shadow-stack slot holding object a (or NULL) */
    OP_POP,          /* pop 1 + a % 3 slots */
    OP_RESTORE,      /* movgc_roots_restore to depth a % (depth + 1) */
    OP_GLOBAL_SET,   /* global slot a := object b (or NULL) */
    OP_GLOBAL_TOGGLE,/* register / unregister global slot a */
    OP_HANDLE,       /* strong handle a: new or set to object b (or NULL) */
    OP_HANDLE_GET,   /* check strong handle a */
    OP_HANDLE_FREE,  /* free strong handle a */
    OP_PIN,          /* pin strong handle a */
    OP_UNPIN,        /* unpin strong handle a */
    OP_WEAK,         /* weak handle a: new or set to object b (or NULL) */
    OP_WEAK_GET,     /* check weak handle a; root its object if b is odd */
    OP_WEAK_FREE,    /* free weak handle a */
    OP_EPH_NEW,      /* ephemeron a: key b, value c (either may be NULL) */
    OP_EPH_GET,      /* check ephemeron a; root key or value per b */
    OP_EPH_FREE,     /* free ephemeron a */
    OP_FINAL_SET,    /* finalizer on object a: b odd resurrects */
    OP_FINAL_CLEAR,  /* remove the finalizer of object a */
    OP_RESUR_DROP,   /* drop resurrection slot a */
    OP_HASH,         /* identity hash of object a: record or compare */
    OP_MINOR,        /* movgc_collect(MOVGC_MINOR) */
    OP_FULL,         /* movgc_collect(MOVGC_FULL) */
    OP_STALE,        /* use a freed or forged handle id: a picks, b the call */
    OP_COUNT
};

struct op {
    uint8_t kind;    /* enum op_kind */
    uint32_t a, b, c;
};

#define W_STACK 160
#define W_GLOBALS 24
#define W_RESUR 24
#define W_HANDLES 48
#define W_WEAKS 48
#define W_EPHS 32
#define W_STALE 16

struct strong {
    movgc_handle hd;
    uint32_t node;       /* NONE: holds NULL */
    unsigned pins;       /* successful movgc_pin calls not yet undone */
    void *pin_addr;      /* address movgc_pin returned */
    bool used;
};

struct weak {            /* weak handle or ephemeron */
    movgc_handle hd;
    uint32_t node;       /* target / key; NONE: NULL */
    uint32_t value;      /* ephemeron value; NONE: NULL */
    bool used;
    bool cleared;        /* seen cleared by a collection */
};

struct flog_entry {
    uint32_t node;       /* the finalized object's node */
    int slot;            /* resurrection slot it was stored in, or -1 */
};

struct world {
    movgc_heap *h;
    struct graph g;
    size_t base;                 /* shadow-stack depth before the world */
    void *stk[W_STACK];          /* shadow-stack slots, stk[i] at depth i */
    uint32_t stk_node[W_STACK];
    size_t depth;
    void *glob[W_GLOBALS];       /* global slots, maybe registered */
    uint32_t glob_node[W_GLOBALS];
    bool glob_reg[W_GLOBALS];
    void *resur[W_RESUR];        /* registered; finalizers resurrect here */
    uint32_t resur_node[W_RESUR];
    struct strong hs[W_HANDLES];
    struct weak ws[W_WEAKS];
    struct weak es[W_EPHS];      /* ephemerons */
    uint64_t stale[W_STALE];     /* ids of freed handles */
    size_t nstale;
    uint32_t *acc;               /* nodes whose address is current */
    size_t nacc, cap_acc;
    uint32_t epoch;              /* addresses of this epoch are current */
    struct flog_entry *flog;     /* finalizers run during the current call */
    size_t nflog, cap_flog;
    void **amap;                 /* address -> node table used by the walk */
    uint32_t *amap_node;
    size_t amap_cap;
    int last_err;                /* last code seen by on_error */
    bool expect_nomem;           /* a NOMEM report is legal right now */
    bool big_ok;                 /* allow 1 MiB+ objects (escaped sizes) */
    bool no_empty;               /* never allocate 0-slot 0-byte objects */
    bool abort_on_fail;          /* fuzzing: a failure aborts */
    bool trace;                  /* print what each op does on stderr */
    bool failed;
    uint64_t op_index;           /* ops executed */
    uint64_t minor_seen, full_seen, checks, finalized;
    uint64_t seen_minor, seen_full; /* collection counters at last check */
    uint64_t seen_begun, seen_incfull; /* incremental markings begun, ended */
    uint32_t *reads;             /* nodes read from weak handles by the checks */
    size_t nreads, cap_reads;
};

/* Create the heap (cfg may be NULL) and the empty world.  False when the
 * heap cannot be made. */
bool world_init(struct world *w, const movgc_config *cfg, bool abort_on_fail);
/* A final full collection and check, then free everything.  Returns false
 * if any check failed during the world's life. */
bool world_finish(struct world *w);
/* Run one op; false once a check has failed. */
bool world_exec(struct world *w, const struct op *op);

/* Decode bytes into a heap configuration and an op sequence and run it
 * (model_bytes.c): the fuzz harness and its corpus replay.  Returns false
 * if a check failed (abort_on_fail: aborts instead). */
bool world_run_bytes(const uint8_t *data, size_t size, bool abort_on_fail);

/* Internal to model_world.c / model_check.c. */
void world_fail(struct world *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void world_after_call(struct world *w);
/* The program got node n back from a weak handle or an ephemeron and may
 * make it reachable again: an incremental marking under way may then keep
 * it, and all it reaches, even if it was unreachable when it began. */
void world_revived(struct world *w, uint32_t n);
/* Node n (NONE allowed) was read from a weak handle or an ephemeron: while
 * an incremental marking runs, that read keeps it (world_revived), now or,
 * 'later', once the checks of the current call are done. */
void world_weak_read(struct world *w, uint32_t n, bool later);
void world_walk(struct world *w);
void world_acc_add(struct world *w, uint32_t node);
const char *op_name(int kind);

#endif
