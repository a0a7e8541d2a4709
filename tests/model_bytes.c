/* model_bytes.c -- decode a byte string into a heap configuration and an op
 * sequence for the model interpreter: the fuzz harness's input format.
 * Byte 0: bit 0 MOVGC_VERIFY, bit 1 MOVGC_STRESS, bit 2 a 256 KiB nursery
 * (else 64 KiB).  Then 7 bytes per op: kind, a, b, c (16 bits each, little
 * endian); a short last op is padded with zeros. */
#include <stdlib.h>
#include <string.h>

#include "model_world.h"

#define MAX_OPS 4096

static uint32_t u16(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }

bool world_run_bytes(const uint8_t *data, size_t size, bool abort_on_fail) {
    if (size == 0)
        return true;
    movgc_config cfg = {0};
    cfg.flags = (data[0] & 1 ? MOVGC_VERIFY : 0) | (data[0] & 2 ? MOVGC_STRESS : 0);
    cfg.nursery_bytes = data[0] & 4 ? 256 << 10 : 64 << 10;
    static struct world w;  /* large: keep it off the stack */
    if (!world_init(&w, &cfg, abort_on_fail)) {
        world_finish(&w);
        return false;
    }
    w.no_empty = getenv("MODEL_NO_EMPTY") != NULL;
    size_t n = 0;
    for (size_t at = 1; at < size && n < MAX_OPS; at += 7, n++) {
        uint8_t buf[7] = {0};
        memcpy(buf, data + at, size - at < 7 ? size - at : 7);
        struct op op = {(uint8_t)(buf[0] % OP_COUNT), u16(buf + 1), u16(buf + 3),
                        u16(buf + 5)};
        if (!world_exec(&w, &op))
            break;
    }
    return world_finish(&w);
}
