/* fuzz_replay.c -- replay fuzz inputs with an ordinary build of the same
 * interpreter: every file named on the command line, or in
 * $MOVGC_SRCDIR/tests/fuzz-corpus by default.  One test per file. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_world.h"

static unsigned passed, failed;

static void replay(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        printf("fuzz_replay: cannot open %s\n", path);
        failed++;
        return;
    }
    static uint8_t buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    printf("fuzz_replay: %s (%zu bytes)\n", path, n);
    fflush(stdout);
    if (world_run_bytes(buf, n, false)) {
        passed++;
    } else {
        printf("fuzz_replay: FAILED: %s\n", path);
        failed++;
    }
}

static int by_name(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file of dir, in name order. */
static void replay_dir(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) {
        printf("fuzz_replay: cannot open directory %s\n", dir);
        failed++;
        return;
    }
    char **names = NULL;
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        names = realloc(names, (n + 1) * sizeof *names);
        size_t len = strlen(dir) + strlen(e->d_name) + 2;
        names[n] = malloc(len);
        if (!names || !names[n])
            abort();
        snprintf(names[n++], len, "%s/%s", dir, e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, by_name);
    for (size_t i = 0; i < n; i++) {
        replay(names[i]);
        free(names[i]);
    }
    free(names);
}

int main(int argc, char **argv) {
    if (argc > 1) {
        for (int i = 1; i < argc; i++) {
            DIR *d = opendir(argv[i]);
            if (d) {
                closedir(d);
                replay_dir(argv[i]);
            } else {
                replay(argv[i]);
            }
        }
    } else {
        const char *src = getenv("MOVGC_SRCDIR");
        char dir[4096];
        snprintf(dir, sizeof dir, "%s/tests/fuzz-corpus", src ? src : ".");
        replay_dir(dir);
    }
    printf("%u passed, %u failed\n", passed, failed);
    return failed ? 1 : 0;
}
