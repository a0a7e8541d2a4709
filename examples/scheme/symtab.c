/* symtab.c -- interned symbols: an open-addressing table in C memory whose
 * entries are weak references, so a symbol nothing else uses can die. */
#include <stdlib.h>
#include "value.h"

/* [symtab.weak]: the table never keeps a symbol alive.  Symbols that must
 * outlive their last use (keywords, globally defined names) are on the
 * 'sx_keep' list.  A dead entry is found by its cleared reference and
 * turned into a tombstone on the next probe that meets it. */
enum { EMPTY, LIVE, TOMB };
struct entry {
    uint32_t hash;       /* FNV-1a of the name */
    uint32_t state;      /* EMPTY, LIVE or TOMB */
    gc_wref ref;         /* the symbol, while LIVE */
};

static struct entry *tab;
static size_t cap;       /* a power of two */
static size_t used;      /* LIVE + TOMB entries */

static uint32_t hash_bytes(const char *p, size_t len) {
    uint32_t h = 2166136261u;
    while (len--)
        h = (h ^ (unsigned char)*p++) * 16777619u;
    return h;
}

/* The symbol of entry e, or NULL after turning a dead entry into a
 * tombstone. */
static V entry_sym(struct entry *e) {
    V s = gc_wref_get(e->ref);
    if (!s) {
        gc_wref_free(e->ref);
        e->state = TOMB;
    }
    return s;
}

static void rehash(size_t ncap) {
    struct entry *old = tab;
    size_t ocap = cap, i, j;
    tab = calloc(ncap, sizeof *tab);
    if (!tab)
        abort();
    cap = ncap;
    used = 0;
    for (i = 0; i < ocap; i++) {
        if (old[i].state != LIVE || !entry_sym(&old[i]))
            continue;
        for (j = old[i].hash & (cap - 1); tab[j].state != EMPTY; j = (j + 1) & (cap - 1))
            ;
        tab[j] = old[i];
        used++;
    }
    free(old);
}

/* Never collects. */
static V lookup(uint32_t h, const char *p, size_t len) {
    size_t i;
    V s;
    for (i = h & (cap - 1); tab[i].state != EMPTY; i = (i + 1) & (cap - 1)) {
        if (tab[i].state != LIVE || tab[i].hash != h || !(s = entry_sym(&tab[i])))
            continue;
        s = sym_name(s);
        if ((size_t)str_len(s) == len && memcmp(str_ptr(s), p, len) == 0)
            return gc_wref_get(tab[i].ref);
    }
    return NULL;
}

static void insert(uint32_t h, V sym) {
    size_t i;
    if ((used + 1) * 4 > cap * 3)
        rehash(symtab_count() * 4 >= cap ? cap * 2 : cap);
    for (i = h & (cap - 1); tab[i].state == LIVE; i = (i + 1) & (cap - 1))
        ;
    if (tab[i].state == EMPTY)
        used++;
    tab[i].hash = h;
    tab[i].state = LIVE;
    tab[i].ref = gc_wref_new(sym);
}

/* name is C memory (it must not move while we allocate). */
V intern(const char *name, size_t len) {
    uint32_t h = hash_bytes(name, len);
    V s, str = NULL;
    FRAME;
    ROOT(str);
    if (!tab) {
        cap = 256;
        tab = calloc(cap, sizeof *tab);
        if (!tab)
            abort();
    }
    s = lookup(h, name, len);
    if (s) {
        UNFRAME;
        return s;
    }
    str = make_str(name, len);
    s = gc_alloc(T_SYM, 2, 8);
    gc_set(s, 0, str);
    gc_set(s, 1, sx_unbound);
    sym_raw(s)[0] = h;
    insert(h, s);
    RETURN(s);
}

/* The symbol named by the contents of str (copied: strings are mutable). */
V intern_str(V str) {
    size_t len = (size_t)str_len(str);
    char buf[256];
    char *p = len < sizeof buf ? buf : malloc(len + 1);
    V s;
    if (!p)
        sx_out_of_memory();
    memcpy(p, str_ptr(str), len);
    s = intern(p, len);
    if (p != buf)
        free(p);
    return s;
}

size_t symtab_count(void) {
    size_t i, n = 0;
    for (i = 0; i < cap; i++)
        if (tab[i].state == LIVE && entry_sym(&tab[i]))
            n++;
    return n;
}
