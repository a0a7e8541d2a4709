/* fuzz_ops.c -- libFuzzer entry point: the input is decoded into a heap
 * configuration and an op sequence run against the model (model_bytes.c);
 * any disagreement aborts, so libFuzzer saves the input.  Built by
 * tests/fuzz.sh with clang -fsanitize=fuzzer,address,undefined. */
#include <stddef.h>
#include <stdint.h>

#include "model_world.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    world_run_bytes(data, size, true);
    return 0;
}
