/* bk_malloc.c -- malloc backend: which allocator is really in use, handle
 * table and tree freeing.  The allocator is whatever LD_PRELOAD put first. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include "bk.h"

void **bk_htab;
uint32_t bk_htab_len, bk_htab_cap, bk_htab_free;

static void **stack;          /* bk_drop_tree's work list */
static size_t stack_cap;

/* Name the allocator that serves malloc: a symbol only it exports. */
const char *bk_backend(void) {
    if (dlsym(RTLD_DEFAULT, "mallctl"))
        return "jemalloc";
    if (dlsym(RTLD_DEFAULT, "mi_version"))
        return "mimalloc";
    return "glibc";
}

void bk_init(void) {}
void bk_fini(void) {
    free(stack);
    free(bk_htab);
    stack = NULL, stack_cap = 0;
    bk_htab = NULL, bk_htab_len = bk_htab_cap = bk_htab_free = 0;
}

void bk_describe(char *buf, size_t n) { snprintf(buf, n, "allocator=%s", bk_backend()); }

void bk_htab_grow(void) {
    bk_htab_cap = bk_htab_cap ? 2 * bk_htab_cap : 1024;
    bk_htab = realloc(bk_htab, bk_htab_cap * sizeof *bk_htab);
    if (!bk_htab)
        abort();
}

/* Free obj and everything reachable from it, which must be a tree (no
 * sharing): what a C program does with a parsed document it is done with. */
void bk_drop_tree(void *obj) {
    size_t top = 0;
    if (!obj)
        return;
    if (!stack_cap) {
        stack_cap = 1024;
        stack = malloc(stack_cap * sizeof *stack);
    }
    stack[top++] = obj;
    while (top) {
        void *o = stack[--top];
        size_t n = bk_nrefs(o);
        if (top + n > stack_cap) {
            while (top + n > stack_cap)
                stack_cap *= 2;
            stack = realloc(stack, stack_cap * sizeof *stack);
            if (!stack)
                abort();
        }
        for (size_t i = 0; i < n; i++)
            if (bk_get(o, i))
                stack[top++] = bk_get(o, i);
        bk_free(o);
    }
}
