/* foreign.c -- calling C from Scheme: (foreign-procedure "name" (type ...)
 * ret) looks a C function up and returns a procedure that calls it
 * through libffi (gc_ffi_call: movgc_ffi on movgc).
 *
 * Types: void (results only), int, unsigned, long, unsigned-long, size_t,
 * double, float, pointer (an address as an exact integer, #f for NULL),
 * string (arguments: a NUL-ended copy in C memory; results: copied into
 * a new string, #f for NULL), bytevector (arguments only: the C function
 * gets the bytes themselves, in place -- movgc pins the object for the
 * call, so C may read and write them while callbacks allocate and
 * collect), and (callback ret (type ...)): a Scheme procedure made into
 * a C function pointer for the length of the call.  A callback's
 * arguments may also be (* u8), (* int) or (* double): a pointer the
 * callback receives the pointed-to number of (qsort's comparator).
 *
 * [foreign.barrier]: a callback runs behind a barrier (error.c): an
 * error or an escape out of it is stopped there, the callback returns 0
 * to C, later calls of it return 0 at once, and the exit resumes after
 * the C function returned -- never a longjmp across C frames. */
#include <dlfcn.h>
#include <stdlib.h>
#include "prims.h"

enum {
    FT_VOID, FT_INT, FT_UINT, FT_LONG, FT_ULONG, FT_DOUBLE, FT_FLOAT,
    FT_POINTER, FT_STRING, FT_BYTES, FT_CALLBACK,
    FT_PTR_U8, FT_PTR_INT, FT_PTR_DOUBLE    /* callback arguments only */
};
enum { MAX_ARGS = 16 };

static const struct { const char *name; int code; } type_names[] = {
    {"void", FT_VOID}, {"int", FT_INT}, {"unsigned", FT_UINT},
    {"long", FT_LONG}, {"unsigned-long", FT_ULONG}, {"size_t", FT_ULONG},
    {"double", FT_DOUBLE}, {"float", FT_FLOAT}, {"pointer", FT_POINTER},
    {"string", FT_STRING}, {"bytevector", FT_BYTES},
};

/* A parsed signature: C arrays, so nothing in it moves. */
struct sig {
    int ret, nargs, args[MAX_ARGS];
    ffi_type *ffi_args[MAX_ARGS];
    ffi_cif cif;
    struct sig *cb[MAX_ARGS];      /* the callback arguments' signatures */
};

static ffi_type *ffi_of(int t) {
    switch (t) {
    case FT_VOID: return &ffi_type_void;
    case FT_INT: return &ffi_type_sint;
    case FT_UINT: return &ffi_type_uint;
    case FT_LONG: return &ffi_type_sint64;
    case FT_ULONG: return &ffi_type_uint64;
    case FT_DOUBLE: return &ffi_type_double;
    case FT_FLOAT: return &ffi_type_float;
    default: return &ffi_type_pointer;
    }
}

/* The type code of spec, or -1; in_callback allows the (* t) types. */
static int parse_type(V spec, bool in_callback, bool result) {
    size_t i;
    if (is_sym(spec)) {
        const char *name = str_ptr(sym_name(spec));
        for (i = 0; i < sizeof type_names / sizeof *type_names; i++)
            if (!strcmp(name, type_names[i].name)) {
                int t = type_names[i].code;
                if ((t == FT_VOID && !result) || (t == FT_BYTES && (result || in_callback)))
                    return -1;
                return t;
            }
        return -1;
    }
    if (in_callback && !result && list_length(spec) == 2 && is_sym(car(spec)) &&
        !strcmp(str_ptr(sym_name(car(spec))), "*") && is_sym(car(cdr(spec)))) {
        const char *to = str_ptr(sym_name(car(cdr(spec))));
        if (!strcmp(to, "u8"))
            return FT_PTR_U8;
        if (!strcmp(to, "int"))
            return FT_PTR_INT;
        if (!strcmp(to, "double"))
            return FT_PTR_DOUBLE;
    }
    if (!in_callback && !result && list_length(spec) == 3 && is_sym(car(spec)) &&
        !strcmp(str_ptr(sym_name(car(spec))), "callback"))
        return FT_CALLBACK;
    return -1;
}

/* Parse (arg-types, ret-type) into s; a callback argument's signature
 * goes into cbs[i] (NULL for a callback's own signature: no nesting).
 * Everything is in C memory on the caller's stack, so a bad type just
 * raises.  Never allocates on the heap. */
static void parse_sig(struct sig *s, struct sig *cbs, V args, V ret) {
    bool callback = cbs == NULL;
    int64_t n = list_length(args);
    int i;
    memset(s, 0, sizeof *s);
    if (n < 0 || n > MAX_ARGS)
        sx_error("foreign-procedure: the argument types must be a list of at most 16:", args);
    s->nargs = (int)n;
    if ((s->ret = parse_type(ret, callback, true)) < 0)
        sx_error("foreign-procedure: unknown result type", ret);
    for (i = 0; i < s->nargs; i++, args = cdr(args)) {
        V spec = car(args);
        if ((s->args[i] = parse_type(spec, callback, false)) < 0)
            sx_error("foreign-procedure: unknown argument type", spec);
        s->ffi_args[i] = ffi_of(s->args[i]);
        if (s->args[i] == FT_CALLBACK) {   /* (callback ret (type ...)) */
            parse_sig(&cbs[i], NULL, car(cdr(cdr(spec))), car(cdr(spec)));
            s->cb[i] = &cbs[i];
        }
    }
    if (ffi_prep_cif(&s->cif, FFI_DEFAULT_ABI, (unsigned)s->nargs, ffi_of(s->ret), s->ffi_args) != FFI_OK)
        sx_error0("foreign-procedure: libffi rejects the signature");
}

/* ---- values across the boundary */

union cval {
    int i;
    unsigned u;
    int64_t l;
    uint64_t ul;
    double d;
    float f;
    void *p;
    ffi_arg widened;           /* integral results come back widened */
};

static int64_t int_arg(V v, int64_t lo, int64_t hi, const char *who) {
    if (type_of(v) != T_FIX || fix_val(v) < lo || fix_val(v) > hi)
        sx_type_error(who, "an exact integer that fits the C type", v);
    return fix_val(v);
}

/* Scheme value v into *out as type t (numbers and pointers only). */
static void to_c(V v, int t, union cval *out, const char *who) {
    switch (t) {
    case FT_INT: out->i = (int)int_arg(v, INT32_MIN, INT32_MAX, who); break;
    case FT_UINT: out->u = (unsigned)int_arg(v, 0, UINT32_MAX, who); break;
    case FT_LONG: out->l = int_arg(v, INT64_MIN, INT64_MAX, who); break;
    case FT_ULONG: out->ul = (uint64_t)int_arg(v, 0, INT64_MAX, who); break;
    case FT_DOUBLE:
    case FT_FLOAT:
        if (!is_num(v))
            sx_type_error(who, "a real number", v);
        if (t == FT_DOUBLE)
            out->d = num_d(v);
        else
            out->f = (float)num_d(v);
        break;
    case FT_POINTER:
        out->p = v == sx_false ? NULL : (void *)(uintptr_t)int_arg(v, 0, INT64_MAX, who);
        break;
    default: break;
    }
}

/* The Scheme value of a C result or callback argument p of type t.  May
 * collect. */
static V from_c(const void *p, int t, bool result) {
    const union cval *v = p;
    switch (t) {
    case FT_VOID: return sx_unspec;
    case FT_INT: return make_fix(result ? (int)(ffi_sarg)v->widened : v->i);
    case FT_UINT: return make_fix(result ? (unsigned)v->widened : v->u);
    case FT_LONG: return make_fix(v->l);
    case FT_ULONG: return v->ul > INT64_MAX ? make_flo((double)v->ul) : make_fix((int64_t)v->ul);
    case FT_DOUBLE: return make_flo(v->d);
    case FT_FLOAT: return make_flo(v->f);
    case FT_POINTER: return v->p ? make_fix((int64_t)(uintptr_t)v->p) : sx_false;
    case FT_STRING: return v->p ? make_str(v->p, strlen(v->p)) : sx_false;
    case FT_PTR_U8: return make_fix(*(const uint8_t *)v->p);
    case FT_PTR_INT: return make_fix(*(const int *)v->p);
    case FT_PTR_DOUBLE: return make_flo(*(const double *)v->p);
    default: return sx_unspec;
    }
}

/* ---- callbacks */

struct cb_ctx {
    struct sig *sig;
    V *proc;                   /* a rooted slot: the Scheme procedure */
    bool failed;               /* an exit was stopped [foreign.barrier] */
    uint64_t exit_id;          /* what was stopped (sx_barrier_resume) */
    V *exit_val;               /* a rooted slot for an escape's value */
};

static void zero_result(void *ret, int t) {
    if (t != FT_VOID)
        memset(ret, 0, t == FT_DOUBLE ? sizeof(double) : sizeof(ffi_arg));
}

/* The Scheme side of a callback: arguments to values, the call, the
 * result back to C.  May collect; raises on a bad result. */
static void callback_body(struct sig *s, V *proc, void *ret, void **args) {
    V list = NULL, r = NULL;
    union cval out;
    int i;
    FRAME;
    ROOT(list);
    ROOT(r);
    for (i = s->nargs; i-- > 0;) {
        r = from_c(args[i], s->args[i], false);
        list = cons(r, list);
    }
    r = sx_apply(*proc, list);
    if (s->ret != FT_VOID) {
        to_c(r, s->ret, &out, "callback result");
        if (s->ret == FT_DOUBLE)
            *(double *)ret = out.d;
        else if (s->ret == FT_FLOAT)
            *(float *)ret = out.f;
        else if (s->ret == FT_INT)
            *(ffi_sarg *)ret = out.i;
        else if (s->ret == FT_LONG)
            *(ffi_sarg *)ret = (ffi_sarg)out.l;
        else if (s->ret == FT_POINTER)
            *(void **)ret = out.p;
        else
            *(ffi_arg *)ret = s->ret == FT_UINT ? out.u : (ffi_arg)out.ul;
    }
    UNFRAME;
}

/* Runs on the C stack of the foreign function: Scheme behind a barrier. */
static void run_callback(void *ret, void **args, void *ud) {
    struct cb_ctx *cx = ud;
    struct sx_catch c;
    size_t depth = gc_depth();
    zero_result(ret, cx->sig->ret);
    if (cx->failed)
        return;
    sx_barrier_open(&c);
    if (setjmp(c.jb)) {
        sx_recover(&c);
        cx->failed = true;
        cx->exit_id = c.id;
        *cx->exit_val = sx_thrown;
        sx_thrown = NULL;
        gc_restore(depth);
        return;
    }
    callback_body(cx->sig, cx->proc, ret, args);
    sx_catcher = c.prev;
    gc_restore(depth);
}

/* ---- the two primitives */

/* (%foreign-procedure name arg-types ret-type): a T_FOREIGN object
 *   name arg-types ret-type | void *fn
 * after checking that the symbol exists and the types parse. */
static V p_foreign_procedure(int argc, V *argv) {
    void *fn;
    V f;
    (void)argc;
    struct sig s, cbs[MAX_ARGS];
    check_type(argv[0], T_STR, "foreign-procedure", "a string");
    parse_sig(&s, cbs, argv[1], argv[2]);
    dlerror();
    fn = dlsym(RTLD_DEFAULT, str_ptr(argv[0]));
    if (!fn)
        sx_error("foreign-procedure: no C function named", argv[0]);
    f = gc_alloc(T_FOREIGN, 3, sizeof fn);
    gc_set(f, 0, argv[0]);
    gc_set(f, 1, argv[1]);
    gc_set(f, 2, argv[2]);
    memcpy(gc_data(f), &fn, sizeof fn);
    return f;
}

/* What one call holds in C memory beyond its stack: string copies and
 * callbacks, made only after every argument was checked. */
struct call {
    char *strings[MAX_ARGS];
    void *callbacks[MAX_ARGS];
    struct cb_ctx ctx[MAX_ARGS];
};

static void call_free(struct call *k, int n) {
    int i;
    for (i = 0; i < n; i++) {
        free(k->strings[i]);
        gc_ffi_callback_free(k->callbacks[i]);
    }
}

/* Every check that can raise, before the call makes anything to free. */
static void check_args(struct sig *s, int n, V *args) {
    int i;
    union cval dummy;
    if (n != s->nargs)
        sx_error("foreign procedure: wrong number of arguments:", make_fix(n));
    for (i = 0; i < n; i++) {
        switch (s->args[i]) {
        case FT_STRING:
            if (type_of(args[i]) != T_STR && args[i] != sx_false)
                sx_type_error("foreign procedure", "a string", args[i]);
            if (args[i] != sx_false && memchr(str_ptr(args[i]), 0, (size_t)str_len(args[i])))
                sx_error("foreign procedure: a NUL byte in", args[i]);
            break;
        case FT_BYTES:
            check_type(args[i], T_BYTES, "foreign procedure", "a bytevector");
            break;
        case FT_CALLBACK:
            if (type_of(args[i]) != T_CLOS && type_of(args[i]) != T_PRIM)
                sx_type_error("foreign procedure", "a procedure", args[i]);
            break;
        default:
            to_c(args[i], s->args[i], &dummy, "foreign procedure");
        }
    }
}

/* (%foreign-call f arg ...): argv is rooted by the caller, so argv slots
 * serve as the GC_FFI_DATA slots and as the callbacks' procedure slots. */
static V p_foreign_call(int argc, V *argv) {
    struct sig s, cbs[MAX_ARGS];
    struct call k;
    union cval vals[MAX_ARGS], res;
    void *avalue[MAX_ARGS];
    unsigned char pass[MAX_ARGS];
    void (*fn)(void);
    V exit_val = NULL, r = NULL;
    int i, n = argc - 1;
    uint64_t exit_id = 0;
    bool failed = false, made = true;
    check_type(argv[0], T_FOREIGN, "%foreign-call", "a foreign procedure");
    parse_sig(&s, cbs, gc_get(argv[0], 1), gc_get(argv[0], 2));
    check_args(&s, n, argv + 1);
    memset(&k, 0, sizeof k);
    FRAME;
    ROOT(exit_val);
    ROOT(r);
    memcpy(&fn, gc_data(argv[0]), sizeof fn);
    for (i = 0; i < n; i++) {
        V a = argv[1 + i];
        pass[i] = GC_FFI_VALUE;
        avalue[i] = &vals[i];
        switch (s.args[i]) {
        case FT_STRING:
            vals[i].p = NULL;
            if (a != sx_false)
                made &= (vals[i].p = k.strings[i] = strdup(str_ptr(a))) != NULL;
            break;
        case FT_BYTES:
            pass[i] = GC_FFI_DATA;
            avalue[i] = &argv[1 + i];
            break;
        case FT_CALLBACK:
            k.ctx[i].sig = s.cb[i];
            k.ctx[i].proc = &argv[1 + i];
            k.ctx[i].exit_val = &exit_val;
            k.callbacks[i] = gc_ffi_callback_new(&s.cb[i]->cif, run_callback, &k.ctx[i], &vals[i].p);
            made &= k.callbacks[i] != NULL;
            break;
        default:
            to_c(a, s.args[i], &vals[i], "foreign procedure");
        }
    }
    if (!made) {
        call_free(&k, n);
        sx_out_of_memory();
    }
    memset(&res, 0, sizeof res);
    if (gc_ffi_call(&s.cif, fn, &res, avalue, pass) != 0) {
        call_free(&k, n);
        sx_error0("foreign procedure: the call could not be made");
    }
    for (i = 0; i < n; i++)
        if (k.ctx[i].failed) {
            failed = true;
            exit_id = k.ctx[i].exit_id;
        }
    if (failed) {
        call_free(&k, n);
        sx_barrier_resume(exit_id, exit_val);
    }
    /* A string result may point into an argument's copy: convert first.
     * (make_str raising "out of memory" would leak the copies: rare.) */
    r = from_c(&res, s.ret, true);
    call_free(&k, n);
    RETURN(r);
}

void foreign_init(void) {
    def_prim("%foreign-procedure", p_foreign_procedure, 3, 3, 0);
    def_prim("%foreign-call", p_foreign_call, 1, MAX_ARGS + 1, 0);
}
