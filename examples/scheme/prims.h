/* prims.h -- what the primitive files share: argument checks and their
 * init functions.  A primitive gets its arguments in argv, whose slots are
 * shadow-stack roots: it may allocate and then read argv[i] again. */
#ifndef SCHEME_PRIMS_H
#define SCHEME_PRIMS_H

#include "eval.h"
#include "rational.h"

#define VARIADIC (-1)

static inline void check_type(V v, unsigned t, const char *who, const char *what) {
    if (type_of(v) != t)
        sx_type_error(who, what, v);
}
static inline bool is_num(V v) { unsigned t = type_of(v); return t == T_FIX || t == T_FLO || t == T_BIG || t == T_RAT; }
static inline void check_num(V v, const char *who) {
    if (!is_num(v))
        sx_type_error(who, "a number", v);
}
/* A number as a double.  Never collects. */
static inline double num_d(V v) {
    unsigned t = type_of(v);
    return t == T_FLO ? flo_val(v) : t == T_RAT ? rat_to_double(v) : int_to_double(v);
}
/* An exact integer argument in [lo, hi]. */
int64_t check_index(V v, int64_t lo, int64_t hi, const char *who);

/* Read and evaluate every datum of in, globally; errors name the file
 * 'name' and the line (NULL: no lines, as for the prelude, whose lines
 * would mean nothing to the user).  May collect. */
int sx_load_stream(FILE *in, const char *name);

void prim_num_init(void);
void prim_list_init(void);
void prim_text_init(void);
void prim_vec_init(void);
void prim_sys_init(void);
void prim_port_init(void);
void prim_ctl_init(void);
void prim_data_init(void);
void prim_bytes_init(void);
void prim_hash_init(void);
void foreign_init(void);
/* Run the Scheme part of the library (prelude.c).  May collect. */
void prelude_load(void);
/* The file given on the command line, or NULL (prim_sys.c). */
extern const char *sx_script;

/* Two values as one (prim_ctl.c).  May collect. */
V sx_values2(V a, V b);
/* The list of the values v stands for.  May collect. */
V sx_values_to_list(V v);

#endif
